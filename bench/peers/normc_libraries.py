"""normc libraries timed beside PyTorch, for machines without LLVM.

NormBench (bench/NormBench.cpp) JIT-compiles its graphs and needs LLVM 22.
To measure another CPU (for example an AVX-512 machine lent for a session),
compile the same cases for it on this machine and time them on that
one with torch_peers.py, in the same process as the PyTorch peers and the
copy probe:

    /usr/bin/python3 bench/peers/normc_libraries.py build/bin/normc OUT \\
        --mcpu=sapphirerapids --cpu-threads=2
    python3 bench/peers/torch_peers.py --normc OUT --out results.json

`compile` writes one graph per (shape, dtype) and compiles it with normc
(training and inference entries, forward and backward); `builders(dir)`
gives torch_peers.py a builder per case name, which binds a library entry
(runtime/python/normc_artifact.py, ctypes) to preallocated, touched inputs
and outputs. Bytes follow the minimal-traffic model: every user input read
once, every user output written once (saved and running statistics are not
counted, as in NormBench).
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "runtime", "python"))
from normc_artifact import Artifact, to_bf16  # noqa: E402
from normc_cases import Case, compile_case  # noqa: E402


def shape_name(shape):
    return "x".join(str(d) for d in shape)


def graphs():
    """{case name: (graph key, Case, mode, backward)} in torch_peers' names
    (NHWC shapes named N,H,W,C)."""
    table = {}
    for shape in [(8192, 1024), (4096, 4096), (32768, 768), (256, 65536),
                  (65536, 2048)]:
        key = "ln_" + shape_name(shape)
        table["LayerNorm_" + shape_name(shape)] = (key, ("ln", shape, {}),
                                                   "train", False)
        table["RMSNorm_" + shape_name(shape)] = (
            "rms_" + shape_name(shape), ("rms", shape, {}), "train", False)
    table["LayerNormBwd_8192x1024"] = ("ln_8192x1024", ("ln", (8192, 1024),
                                                        {}), "train", True)
    table["AddRMSNorm_8192x4096"] = ("add_rms_8192x4096", (
        "rms", (8192, 4096), {"residual": True}), "train", False)
    for n, c, hw in [(32, 64, 56), (64, 256, 14), (128, 64, 112)]:
        for nhwc in (False, True):
            shape = (n, hw, hw, c) if nhwc else (n, c, hw, hw)
            suffix = ("NHWC_" if nhwc else "NCHW_") + shape_name(shape)
            spec = ("bn", shape, {"channel_axis": 3 if nhwc else 1,
                                  "running": True})
            for op, mode, backward in (("BatchNormTrain_", "train", False),
                                       ("BatchNormInfer_", "infer", False),
                                       ("BatchNormBwd_", "train", True)):
                table[op + suffix] = ("bn_" + suffix, spec, mode, backward)
    table["GroupNorm32_NCHW_16x256x32x32"] = (
        "gn_nchw", ("gn", (16, 256, 32, 32), {"groups": 32}), "train", False)
    table["GroupNorm32_NHWC_16x32x32x256"] = (
        "gn_nhwc", ("gn", (16, 32, 32, 256), {"groups": 32,
                                              "channel_axis": 3}),
        "train", False)
    table["InstanceNorm_NCHW_16x64x64x64"] = (
        "in_nchw", ("in", (16, 64, 64, 64), {}), "train", False)
    return table


def make_case(key, spec, dtype):
    kind, shape, options = spec
    return Case(f"{key}_{dtype}", kind, list(shape), dtype=dtype, **options)


def compile_all(normc, outdir, extra, dtypes=("f32", "bf16")):
    os.makedirs(outdir, exist_ok=True)
    done = set()
    for key, spec, _, _ in graphs().values():
        for dtype in dtypes:
            case = make_case(key, spec, dtype)
            if case.name in done:
                continue
            done.add(case.name)
            compile_case(normc, case, outdir, extra)
            print("compiled", case.name)


def _random(tensor, rng):
    shape, dtype = tensor["shape"], tensor["dtype"]
    if dtype == "i64":
        return np.zeros(shape, np.int64)
    values = rng.standard_normal(shape).astype(np.float32)
    if tensor["name"].endswith((".rstd", ".running_var")):
        values = np.abs(values) + 0.5
    return to_bf16(values) if dtype == "bf16" else values.astype(
        {"f32": np.float32, "f64": np.float64, "f16": np.float16}[dtype])


def builders(outdir):
    """{case name: build(dtype_name) -> (fn, bytes, note)} for the cases
    whose library is in `outdir`."""
    result = {}
    for name, (key, spec, mode, backward) in graphs().items():
        def build(dtype, key=key, spec=spec, mode=mode, backward=backward):
            case = make_case(key, spec, dtype)
            art = Artifact(os.path.join(outdir, case.name))
            entry = art.entry("f", mode, backward=backward)
            rng = np.random.default_rng(0)
            inputs = [_random(t, rng) for t in entry.inputs]
            call, outputs = entry.bind(*inputs)
            call()  # touches the outputs
            user = lambda ts, arrays: sum(  # noqa: E731
                a.nbytes for t, a in zip(ts, arrays)
                if "state" not in t and "saved" not in t)
            moved = user(entry.inputs, inputs) + user(entry.outputs, outputs)
            return call, moved, f"normc library {entry.info['symbol']}"
        if os.path.isdir(outdir):
            result[name] = build
    return result


def set_threads(threads):
    """OpenMP threads for the libraries (they share the process's libomp)."""
    import ctypes
    ctypes.CDLL("libomp.so.5").omp_set_num_threads(threads)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    compile_all(sys.argv[1], sys.argv[2], sys.argv[3:])
