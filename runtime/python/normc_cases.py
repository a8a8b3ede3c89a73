"""Normalization cases as normc graphs and as float64 PyTorch references.

A `Case` is one normalization (LayerNorm, RMSNorm, BatchNorm, GroupNorm,
InstanceNorm; optional residual add before and ReLU after; optional running
statistics) on one shape and dtype. `graph()` writes it as a norm-dialect
function @f(x[, r], w[, b]); `reference()` computes the same thing with
differentiable torch ops (call it on float64 tensors for a reference).
Shared by test/tools/Inputs/cpu_parity.py and bench/cross_cpu_bench.py.
"""
import os
import subprocess

import numpy as np
import torch

EPS = 1e-5
MOMENTUM = 0.1
OP_NAMES = {"ln": "layer_norm", "rms": "rms_norm", "bn": "batch_norm",
            "gn": "group_norm", "in": "instance_norm"}


class Case:
    def __init__(self, name, kind, shape, dtype="f32", channel_axis=1,
                 groups=1, normalized_rank=1, offset=0.0, residual=False,
                 relu=False, running=False):
        self.name, self.kind, self.shape, self.dtype = name, kind, shape, dtype
        self.channel_axis, self.groups = channel_axis, groups
        self.normalized_rank, self.offset = normalized_rank, offset
        self.residual, self.relu, self.running = residual, relu, running

    @property
    def param_shape(self):
        if self.kind in ("ln", "rms"):
            return self.shape[len(self.shape) - self.normalized_rank:]
        return [self.shape[self.channel_axis]]

    @property
    def has_bias(self):
        return self.kind != "rms"

    def graph(self):
        t = lambda s: "tensor<" + "x".join(map(str, s)) + "x" + self.dtype + ">"
        x, p = t(self.shape), t(self.param_shape)
        args = [f"%x: {x}"] + ([f"%r: {x}"] if self.residual else [])
        args += [f"%w: {p}"] + ([f"%b: {p}"] if self.has_bias else [])
        attrs = [f"epsilon = {EPS:e} : f64"]
        if self.kind in ("ln", "rms"):
            attrs.append(f"normalized_rank = {self.normalized_rank} : i64")
        else:
            attrs.append(f"channel_axis = {self.channel_axis} : i64")
        if self.kind == "gn":
            attrs.append(f"num_groups = {self.groups} : i64")
        if self.running:
            attrs.append(f"running = #norm.running<@layer, momentum = "
                         f"{MOMENTUM}>")
        # Running statistics are f32 whatever the data type.
        stats = "tensor<" + "x".join(map(str, self.param_shape)) + "xf32>"
        decl = f"norm.running_stats @layer : {stats}\n" if self.running else ""
        body, src = "", "%x"
        if self.residual:
            body += f"  %h = norm.add %x, %r : {x}\n"
            src = "%h"
        operands = f"{src} scale(%w)" + (" bias(%b)" if self.has_bias else "")
        types = ", ".join([x, p] + ([p] if self.has_bias else []))
        body += (f"  %y = norm.{OP_NAMES[self.kind]} {operands} "
                 f"{{{', '.join(attrs)}}} : ({types}) -> {x}\n")
        result = "%y"
        if self.relu:
            body += f"  %a = norm.activation relu %y : {x}\n"
            result = "%a"
        return (decl + f"func.func @f({', '.join(args)}) -> {x} {{\n" + body +
                f"  return {result} : {x}\n}}\n")

    def reference(self, inputs, running=None):
        """y, mean, rstd, unbiased variance in float64 (torch, autograd)."""
        x = inputs[0] + inputs[1] if self.residual else inputs[0]
        w = inputs[2 if self.residual else 1]
        b = inputs[-1] if self.has_bias else None
        moved = self.kind in ("bn", "gn", "in")
        v = x.movedim(self.channel_axis, 1) if moved else x
        n, c = v.shape[0], v.shape[1]
        if self.kind == "bn":
            dims, view = [0] + list(range(2, v.dim())), v
        elif self.kind == "in":
            dims, view = list(range(2, v.dim())), v
        elif self.kind == "gn":
            dims, view = [2], v.reshape(n, self.groups, -1)
        else:
            dims = list(range(v.dim() - self.normalized_rank, v.dim()))
            view = v
        count = np.prod([view.shape[d] for d in dims])
        if self.kind == "rms":
            mean = torch.zeros([1 if d in dims else s
                                for d, s in enumerate(view.shape)],
                               dtype=view.dtype)
            rstd = ((view * view).mean(dims, keepdim=True) + EPS).rsqrt()
            xhat, var = view * rstd, None
        else:
            mean = view.mean(dims, keepdim=True)
            var = ((view - mean) ** 2).mean(dims, keepdim=True)
            if running is not None:
                mean = running[0].reshape(mean.shape).double()
                var = running[1].reshape(var.shape).double()
            rstd = (var + EPS).rsqrt()
            xhat = (view - mean) * rstd
        xhat = xhat.reshape(v.shape)
        pshape = [1, c] + [1] * (v.dim() - 2) if moved else list(w.shape)
        y = xhat * w.reshape(pshape) + (b.reshape(pshape) if b is not None
                                        else 0)
        if moved:
            y = y.movedim(1, self.channel_axis)
        if self.relu:
            y = torch.relu(y)
        unbiased = None if var is None else var * count / max(count - 1, 1)
        return y, mean, rstd, unbiased


def compile_case(normc, case, outdir, extra=()):
    """Writes OUTDIR/<case>.mlir and compiles it (training and inference,
    forward and backward entries) into OUTDIR/<case>/ with `normc`."""
    path = os.path.join(outdir, case.name + ".mlir")
    with open(path, "w") as f:
        f.write(case.graph())
    subprocess.run([normc, path, "--mode=both", "-o",
                    os.path.join(outdir, case.name), *extra], check=True,
                   stdout=subprocess.DEVNULL)
