"""Compiled normalization kernels against a float64 PyTorch reference.

  cpu_parity.py compile NORMC OUTDIR [normc options, e.g. --mcpu=znver5]
  cpu_parity.py check OUTDIR

`compile` writes one graph per case and compiles it with normc (training and
inference, forward and backward entries); `check` runs the libraries through
runtime/python/normc_artifact.py (ctypes: no LLVM needed, so a library
cross-compiled with --mcpu runs on a machine that has only Python, numpy
and torch) and compares every output with the same computation in float64:
the normalized output, the saved mean / rstd, the running statistics after
a training step (PyTorch's momentum update, unbiased variance), inference
with running statistics, and the gradients of every input against autograd.

Cases cover LayerNorm (one and two normalized axes, 40000-wide rows, a mean
of 1000 over a spread of 1), RMSNorm, add+RMSNorm, BatchNorm NCHW / NHWC
(channel counts that are and are not multiples of 16 lanes, a fused ReLU),
GroupNorm and InstanceNorm in both layouts, in f32 and bf16. Tolerances, on
|got - want| / (1 + |want|): f32 1e-4 (running statistics 1e-5), bf16 2e-2
(one bf16 ulp is 2^-8 relative), f32 with a large mean 20 f32 ulps of the
mean more, bf16 gradients 5x. Prints one line per comparison and
"N mismatches"; exits 1 on any.
"""
import os
import sys
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "runtime", "python"))
from normc_artifact import Artifact, from_bf16, to_bf16  # noqa: E402
from normc_cases import MOMENTUM, Case, compile_case  # noqa: E402

CASES = [
    Case("ln_1000", "ln", [37, 1000]),
    Case("ln_mean1000", "ln", [16, 4096], offset=1000.0),
    Case("ln_rank2", "ln", [6, 12, 80], normalized_rank=2),
    Case("ln_40000", "ln", [3, 40000]),
    Case("rms_4100", "rms", [17, 4100]),
    Case("add_rms", "rms", [9, 2048], residual=True),
    Case("bn_nchw", "bn", [6, 24, 13, 11], running=True),
    Case("bn_nchw_relu", "bn", [4, 16, 7, 7], relu=True),
    Case("bn_nhwc48", "bn", [4, 7, 9, 48], channel_axis=3, running=True),
    Case("bn_nhwc40", "bn", [3, 5, 5, 40], channel_axis=3, offset=100.0),
    Case("gn_nchw", "gn", [3, 64, 9, 9], groups=8),
    Case("gn_nhwc", "gn", [4, 8, 8, 96], channel_axis=3, groups=32),
    Case("in_nchw", "in", [2, 5, 33, 35]),
    Case("in_nhwc", "in", [3, 17, 19, 64], channel_axis=3),
    Case("ln_bf16", "ln", [33, 4096], dtype="bf16"),
    Case("rms_bf16", "rms", [8, 1024], dtype="bf16"),
    Case("bn_nchw_bf16", "bn", [4, 32, 14, 14], dtype="bf16", running=True),
    Case("bn_nhwc_bf16", "bn", [4, 8, 8, 64], dtype="bf16", channel_axis=3),
    Case("gn_nhwc_bf16", "gn", [2, 8, 8, 96], dtype="bf16", channel_axis=3,
         groups=32),
]

failures = 0


def close(label, got, want, tol):
    global failures
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    want = np.asarray(want, dtype=np.float64).reshape(-1)
    err = np.max(np.abs(got - want) / (1 + np.abs(want))) if got.size else 0
    ok = got.shape == want.shape and bool(err <= tol)
    print(f"{'ok' if ok else 'MISMATCH'} {label}: max scaled error "
          f"{err:.2e} (tolerance {tol:.0e})")
    failures += not ok


def compile_all(normc, outdir, extra):
    os.makedirs(outdir, exist_ok=True)
    for case in CASES:
        compile_case(normc, case, outdir, extra)


def encode(case, a):
    a = a.astype(np.float32)
    return to_bf16(a) if case.dtype == "bf16" else a


def decode(case, a):
    return from_bf16(a) if case.dtype == "bf16" else a


def check_case(case, outdir):
    art = Artifact(os.path.join(outdir, case.name))
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    # Inputs are offset + 2 N(0, 1): f32 itself rounds x - mean to about
    # ulp(offset) / 2, so large means add 20 such ulps relative to the spread.
    tol = 2e-2 if case.dtype == "bf16" else 1e-4 + 20 * 2**-24 * case.offset
    c = case.param_shape
    raw = [rng.standard_normal(case.shape) * 2 + case.offset]
    if case.residual:
        raw.append(rng.standard_normal(case.shape))
    raw.append(rng.standard_normal(c) * 0.5 + 1)
    if case.has_bias:
        raw.append(rng.standard_normal(c) * 0.5)
    data = [encode(case, a) for a in raw]
    exact = [torch.from_numpy(decode(case, d).astype(np.float64)) for d in data]
    # Running statistics in the state's dtype, and their exact values.
    state_values = [rng.standard_normal(c) * 0.1, rng.random(c) + 0.5]
    state = [v.astype(np.float32) for v in state_values]
    state_exact = [v.astype(np.float64) for v in state]
    state.append(np.array(3, np.int64))

    train = art.entry("f", "train")
    outs = train(*data, *(state if case.running else []))
    got = dict(zip([t["name"] for t in train.outputs], outs))
    y, mean, rstd, unbiased = case.reference(exact)
    close(f"{case.name} train y", decode(case, got["out0"]), y, tol)
    for name, value in got.items():
        if name.endswith(".mean"):
            close(f"{case.name} saved mean", value, mean, tol)
        elif name.endswith(".rstd"):
            close(f"{case.name} saved rstd", value, rstd, tol)
    if case.running:
        m = MOMENTUM
        close(f"{case.name} running_mean", got["layer.running_mean"],
              (1 - m) * state_exact[0] + m * mean.reshape(-1).numpy(),
              1e-5)
        close(f"{case.name} running_var", got["layer.running_var"],
              (1 - m) * state_exact[1] + m * unbiased.reshape(-1).numpy(),
              1e-5)
        close(f"{case.name} num_batches_tracked",
              got["layer.num_batches_tracked"], 4, 0)
        infer = art.entry("f", "infer")
        y_inf = infer(*data, *state)[0]
        want = case.reference(exact, running=[torch.from_numpy(s)
                                              for s in state_exact])[0]
        close(f"{case.name} infer y", decode(case, y_inf), want, tol)

    back = art.entry("f", "train", backward=True)
    dy = encode(case, rng.standard_normal(case.shape))
    feed = {t["name"]: v for t, v in zip(train.outputs, outs)}
    grads = back(*data, dy, *[feed[t["name"]] for t in back.inputs[
        len(data) + 1:]])
    leaves = [e.clone().requires_grad_() for e in exact]
    case.reference(leaves)[0].backward(
        torch.from_numpy(decode(case, dy).astype(np.float64)))
    labels = ["x"] + (["r"] if case.residual else []) + ["scale"] + (
        ["bias"] if case.has_bias else [])
    for label, g, leaf in zip(labels, grads, leaves):
        close(f"{case.name} grad {label}", decode(case, g).astype(np.float64),
              leaf.grad.numpy(), tol * (5 if case.dtype == "bf16" else 1))


def check_loader_errors(outdir):
    """Wrong inputs are a ValueError that names the input, not a crash."""
    global failures
    entry = Artifact(os.path.join(outdir, CASES[0].name)).entry("f", "infer")
    good = [np.zeros(t["shape"], np.float32) for t in entry.inputs]
    bad = {
        "shape": [np.zeros([2, 3], np.float32)] + good[1:],
        "dtype": [good[0].astype(np.float64)] + good[1:],
        "count": good[:-1],
    }
    for what, arrays in bad.items():
        try:
            entry(*arrays)
            message = None
        except ValueError as e:
            message = str(e)
        ok = message is not None and ("arg0" in message or what == "count")
        print(f"{'ok' if ok else 'MISMATCH'} loader rejects a wrong {what}: "
              f"{message}")
        failures += not ok
    try:
        Artifact(os.path.join(outdir, "missing"))
        ok = False
    except OSError:
        ok = True
    print(f"{'ok' if ok else 'MISMATCH'} loader rejects a missing directory")
    failures += not ok


def check_alignment(outdir):
    """Outputs start on a cache line; an input that does not (numpy's
    arrays start 16 bytes past one) is copied to one and gives the same
    bits."""
    global failures
    entry = Artifact(os.path.join(outdir, CASES[0].name)).entry("f", "infer")
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(t["shape"]).astype(np.float32)
              for t in entry.inputs]
    raw = np.empty(inputs[0].nbytes + 64 + 4, np.uint8)
    start = -raw.ctypes.data % 64 + 4
    shifted = raw[start:start + inputs[0].nbytes].view(np.float32).reshape(
        inputs[0].shape)
    shifted[...] = inputs[0]
    want = entry(*inputs)
    got = entry(shifted, *inputs[1:])
    aligned = all(a.ctypes.data % 64 == 0 for a in want + got)
    same = all(np.array_equal(a, b) for a, b in zip(want, got))
    ok = aligned and same
    print(f"{'ok' if ok else 'MISMATCH'} outputs on a cache line "
          f"({aligned}), a shifted input gives the same bits ({same})")
    failures += not ok


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "compile":
        compile_all(sys.argv[2], sys.argv[3], sys.argv[4:])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        torch.manual_seed(0)
        for case in CASES:
            check_case(case, sys.argv[2])
        check_loader_errors(sys.argv[2])
        check_alignment(sys.argv[2])
        print(f"{failures} mismatches")
        return 1 if failures else 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
