"""Runs the same steps in PyTorch and in normc (via norm-run) and compares.

Gradients (norm-run --grad-output) of x, scale and bias are compared with
PyTorch autograd for BatchNorm (training), LayerNorm, GroupNorm and
InstanceNorm to 1e-4.

Usage: pytorch_parity.py NORM_RUN NORMC WORKDIR

For BatchNorm2d (momentum 0.1 and None), InstanceNorm2d(track_running_stats),
LayerNorm and GroupNorm: three training steps then one inference step on the
same inputs and parameters; outputs must agree to 2e-5 (absolute and
relative) and running statistics to 1e-5; the .npz normc writes must load
into the PyTorch module with load_state_dict(strict=True) and reproduce the
same inference output. Prints one line per case and exits non-zero on any
mismatch.
"""
import os
import subprocess
import sys

import numpy as np
import torch

NORM_RUN, NORMC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
torch.manual_seed(0)
torch.set_num_threads(1)
failures = 0


def graph(op_text, x_shape, c, state):
    x = "tensor<" + "x".join(map(str, x_shape)) + "xf32>"
    p = f"tensor<{c}xf32>"
    decl = f"norm.running_stats @layer : {p}\n" if state else ""
    return (decl + f"func.func @f(%x: {x}, %w: {p}, %b: {p}) -> {x} {{\n"
            f"  %y = {op_text} : ({x}, {p}, {p}) -> {x}\n"
            f"  return %y : {x}\n}}\n")


def run(path, mode, inputs, state, steps, tag):
    files = []
    for i, a in enumerate(inputs):
        f = os.path.join(WORK, f"{tag}_in{i}.npy")
        np.save(f, a.astype(np.float32))
        files.append("--input=" + f)
    out = os.path.join(WORK, f"{tag}_{mode}")
    subprocess.run([NORM_RUN, path, "--mode=" + mode, *files,
                    "--state=" + state, f"--steps={steps}", "--out=" + out],
                   check=True, stdout=subprocess.DEVNULL)
    return np.load(os.path.join(out, "out0.npy"))


def close(name, got, want, tol):
    global failures
    err = np.max(np.abs(got - want) / (1 + np.abs(want)))
    ok = np.allclose(got, want, atol=tol, rtol=tol)
    print(f"{'ok' if ok else 'MISMATCH'} {name}: max scaled error {err:.2e}")
    failures += not ok


def case(name, module, op_text, x_shape, c, state_keys):
    path = os.path.join(WORK, name + ".mlir")
    with open(path, "w") as f:
        f.write(graph(op_text, x_shape, c, bool(state_keys)))
    artifact = os.path.join(WORK, name)
    subprocess.run([NORMC, path, "--mode=both", "-o", artifact], check=True,
                   stdout=subprocess.DEVNULL)
    state = os.path.join(WORK, name + ".npz")
    if os.path.exists(state):
        os.remove(state)
    w = torch.randn(c) * 0.5 + 1
    b = torch.randn(c) * 0.5
    with torch.no_grad():
        module.weight.copy_(w)
        module.bias.copy_(b)
    module.train()
    for step in range(3):
        x = torch.randn(*x_shape) * (1 + step) + step
        got = run(artifact, "train", [x.numpy(), w.numpy(), b.numpy()], state,
                  1, f"{name}_s{step}")
        with torch.no_grad():
            want = module(x).numpy()
        close(f"{name} train step {step + 1}", got, want, 2e-5)
    if state_keys:
        saved = np.load(state)
        torch_state = module.state_dict()
        for key in state_keys:
            close(f"{name} {key}", saved[key].astype(np.float64),
                  torch_state[key.split(".", 1)[1]].double().numpy(), 1e-5)
        # normc's keys are PyTorch state_dict keys under the layer's name.
        fresh = type(module)(*module_args[name], **module_kwargs[name])
        loaded = {k.split(".", 1)[1]: torch.from_numpy(saved[k])
                  for k in saved.files}
        fresh.load_state_dict({**loaded, "weight": w, "bias": b}, strict=True)
        fresh.eval()
    module.eval()
    x = torch.randn(*x_shape) * 2 + 1
    got = run(artifact, "infer", [x.numpy(), w.numpy(), b.numpy()], state, 1,
              f"{name}_eval")
    with torch.no_grad():
        close(f"{name} eval", got, module(x).numpy(), 2e-5)
        if state_keys:
            close(f"{name} eval after load_state_dict", got,
                  fresh(x).numpy(), 2e-5)


module_args = {"bn": (4,), "bn_cumulative": (4,), "in": (4,)}
module_kwargs = {"bn": {}, "bn_cumulative": {"momentum": None},
                 "in": {"affine": True, "track_running_stats": True}}
bn = torch.nn.BatchNorm2d(4, momentum=0.1)
case("bn", bn, "norm.batch_norm %x scale(%w) bias(%b) {running = "
     "#norm.running<@layer, momentum = 1.000000e-01>}", (5, 4, 3, 3), 4,
     ["layer.running_mean", "layer.running_var",
      "layer.num_batches_tracked"])
bn_cum = torch.nn.BatchNorm2d(4, momentum=None)
case("bn_cumulative", bn_cum, "norm.batch_norm %x scale(%w) bias(%b) "
     "{running = #norm.running<@layer, cumulative>}", (5, 4, 3, 3), 4,
     ["layer.running_mean", "layer.running_var",
      "layer.num_batches_tracked"])
inorm = torch.nn.InstanceNorm2d(4, affine=True, track_running_stats=True)
case("in", inorm, "norm.instance_norm %x scale(%w) bias(%b) {running = "
     "#norm.running<@layer, momentum = 1.000000e-01>}", (3, 4, 5, 5), 4,
     ["layer.running_mean", "layer.running_var",
      "layer.num_batches_tracked"])
ln = torch.nn.LayerNorm(16)
case("ln", ln, "norm.layer_norm %x scale(%w) bias(%b)", (6, 16), 16, [])
gn = torch.nn.GroupNorm(2, 6)
case("gn", gn, "norm.group_norm %x scale(%w) bias(%b) {num_groups = 2 : i64}",
     (3, 6, 4, 4), 6, [])


def grad_case(name, op_text, forward, x_shape, c):
    """Gradients of x, scale and bias from norm-run --grad-output vs autograd."""
    path = os.path.join(WORK, name + ".mlir")
    with open(path, "w") as f:
        f.write(graph(op_text, x_shape, c, False))
    x = torch.randn(*x_shape, dtype=torch.float64) * 2 + 1
    w = torch.randn(c, dtype=torch.float64) * 0.5 + 1
    b = torch.randn(c, dtype=torch.float64) * 0.5
    g = torch.randn(*x_shape, dtype=torch.float64)
    files = []
    for i, a in enumerate([x, w, b]):
        fn = os.path.join(WORK, f"{name}_in{i}.npy")
        np.save(fn, a.numpy().astype(np.float32))
        files.append("--input=" + fn)
    gfile = os.path.join(WORK, f"{name}_g.npy")
    np.save(gfile, g.numpy().astype(np.float32))
    out = os.path.join(WORK, name + "_grads")
    subprocess.run([NORM_RUN, path, "--mode=train", *files,
                    "--grad-output=" + gfile, "--out=" + out], check=True,
                   stdout=subprocess.DEVNULL)
    leaves = [t.float().double().requires_grad_() for t in (x, w, b)]
    forward(*leaves).backward(g.float().double())
    for i, leaf in enumerate(leaves):
        got = np.load(os.path.join(out, f"grad_arg{i}.npy")).astype(np.float64)
        close(f"{name} grad {['x', 'scale', 'bias'][i]}", got,
              leaf.grad.numpy(), 1e-4)


F = torch.nn.functional
grad_case("grad_bn", "norm.batch_norm %x scale(%w) bias(%b)",
          lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
          (5, 4, 3, 3), 4)
grad_case("grad_ln", "norm.layer_norm %x scale(%w) bias(%b)",
          lambda x, w, b: F.layer_norm(x, (16,), w, b), (6, 16), 16)
grad_case("grad_gn", "norm.group_norm %x scale(%w) bias(%b) "
          "{num_groups = 2 : i64}",
          lambda x, w, b: F.group_norm(x, 2, w, b), (3, 6, 4, 4), 6)
grad_case("grad_in", "norm.instance_norm %x scale(%w) bias(%b)",
          lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
          (3, 4, 5, 5), 4)

# A conv -> BatchNorm -> ReLU block: gradients of input, filter, scale, bias.
path = os.path.join(WORK, "grad_conv.mlir")
with open(path, "w") as f:
    f.write("func.func @f(%x: tensor<2x4x7x6xf32>, %k: tensor<6x2x3x3xf32>, "
            "%w: tensor<6xf32>, %b: tensor<6xf32>) -> tensor<2x6x4x3xf32> {\n"
            "  %c = norm.conv2d nchw %x, %k {strides = array<i64: 2, 2>, "
            "padding = array<i64: 1, 1, 1, 1>, groups = 2 : i64} : "
            "(tensor<2x4x7x6xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x4x3xf32>\n"
            "  %n = norm.batch_norm %c scale(%w) bias(%b) : (tensor<2x6x4x3xf32>, "
            "tensor<6xf32>, tensor<6xf32>) -> tensor<2x6x4x3xf32>\n"
            "  %r = norm.activation relu %n : tensor<2x6x4x3xf32>\n"
            "  return %r : tensor<2x6x4x3xf32>\n}\n")
tensors = [torch.randn(2, 4, 7, 6), torch.randn(6, 2, 3, 3) * 0.3,
           torch.randn(6) * 0.5 + 1, torch.randn(6) * 0.5]
gy = torch.randn(2, 6, 4, 3)
files = []
for i, t in enumerate(tensors):
    fn = os.path.join(WORK, f"conv_in{i}.npy")
    np.save(fn, t.numpy())
    files.append("--input=" + fn)
np.save(os.path.join(WORK, "conv_g.npy"), gy.numpy())
subprocess.run([NORM_RUN, path, "--mode=train", *files,
                "--grad-output=" + os.path.join(WORK, "conv_g.npy"),
                "--out=" + os.path.join(WORK, "conv_grads")], check=True,
               stdout=subprocess.DEVNULL)
leaves = [t.double().requires_grad_() for t in tensors]
x, k, w, b = leaves
F.relu(F.batch_norm(F.conv2d(x, k, stride=2, padding=1, groups=2), None,
                    None, w, b, training=True)).backward(gy.double())
for i, leaf in enumerate(leaves):
    got = np.load(os.path.join(WORK, "conv_grads", f"grad_arg{i}.npy"))
    close(f"grad_conv_bn_relu grad {['x', 'filter', 'scale', 'bias'][i]}",
          got.astype(np.float64), leaf.grad.numpy(), 1e-4)
print(f"{failures} mismatches")
sys.exit(1 if failures else 0)
