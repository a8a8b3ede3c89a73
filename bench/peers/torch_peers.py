#!/usr/bin/python3
"""PyTorch (eager, CPU) peer benchmarks for normc's NormBench.

Run with Debian's interpreter (python3-torch is installed for it only; the
pyenv `python3` on PATH has no torch):

    /usr/bin/python3 bench/peers/torch_peers.py --out torch.json
    /usr/bin/python3 bench/peers/torch_peers.py --quick --filter 'LayerNorm_' \
        --out /tmp/torch.json

Every case of NormBench (bench/NormBench.cpp) is run with torch's eager ops,
f32 and bf16, with torch.set_num_threads(1) and (2). Each case reports the
median time per call, the achieved bandwidth on normc's minimal-traffic
model (each input read once, each output written once, plus parameters;
a backward reads x, dy and the parameters and writes dx, dw, db) and its
percentage of a copy probe measured in this process the way normc measures
its own (dst.copy_(src) on 256 MiB float buffers, same thread count, best
of 5, bytes = read + write).

Names pair with NormBench's: PyTorch/<Op>_<Layout>_<shape>/<dtype>/threads:<t>
(NHWC shapes in N,H,W,C order). --out writes Google Benchmark's JSON schema
(counters GB/s, %probe, probe_GB/s are top-level keys of each entry), which
bench/report.py reads together with NormBench's
--benchmark_out=FILE --benchmark_out_format=json.

Allocation and page faults. First-touch page faults cost ~10 us per 4 KiB page
here, so a kernel writing into fresh memory runs several times slower. glibc
mmaps every allocation above its (dynamic, at most 32 MiB) mmap threshold and
unmaps it on free, and trims the heap top above 128 KiB, so an op that
allocates a large output on every call (F.layer_norm, F.batch_norm,
F.group_norm, F.instance_norm, autograd's dx: their .out overloads are either
missing on CPU in torch 1.13 or generated wrappers that compute into a
temporary and copy) pays fresh page faults every call. The script therefore
re-executes itself with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ set
high: outputs then come from the brk heap, freed blocks are reused and the
per-call minor-fault count (the `faults/iter` counter) drops to ~0. Both
variables are needed: the threshold alone keeps the heap trimmed (measured:
LayerNorm 8192x4096 f32 still faults on every call), the trim threshold alone
leaves large blocks mmapped. --no-malloc-tune runs without them, to measure
the difference. RMSNorm and add + RMSNorm are eager compositions whose every
op has an out= form, so they run into preallocated, pre-touched buffers
(--eager-alloc runs the plain allocating expression instead).
"""

import argparse
import datetime
import json
import os
import re
import resource
import socket
import statistics
import sys
import time

MALLOC_ENV = {
    # Any value above the largest tensor: served from the heap, not mmap.
    "MALLOC_MMAP_THRESHOLD_": str(4 << 30),
    # Never give the heap top back to the kernel.
    "MALLOC_TRIM_THRESHOLD_": str(64 << 30),
}
REEXEC_MARK = "NORMC_TORCH_PEERS_REEXEC"


def parse_args():
    p = argparse.ArgumentParser(
        description="PyTorch peer benchmarks (run with /usr/bin/python3).")
    p.add_argument("--out", help="write Google-Benchmark-style JSON here")
    p.add_argument("--filter", default="",
                   help="regex searched in the full name "
                   "PyTorch/<Op>/<dtype>/threads:<t>")
    p.add_argument("--quick", action="store_true",
                   help="fewer iterations (min time 0.05 s, 3 iterations)")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds of timed calls per case (default 0.2)")
    p.add_argument("--threads", default="1,2",
                   help="comma-separated thread counts (default 1,2)")
    p.add_argument("--dtypes", default="f32,bf16",
                   help="comma-separated: f32, bf16 (default both)")
    p.add_argument("--stat", choices=["median", "min", "mean"],
                   default="median",
                   help="statistic reported as real_time (default median)")
    p.add_argument("--no-malloc-tune", action="store_true",
                   help="keep glibc's malloc defaults (fresh page faults per "
                   "allocating call)")
    p.add_argument("--eager-alloc", action="store_true",
                   help="RMSNorm/AddRMSNorm as the plain allocating "
                   "expression instead of out= forms")
    p.add_argument("--normc", metavar="DIR",
                   help="also time the normc libraries in DIR (compiled by "
                   "bench/peers/normc_libraries.py, e.g. for another CPU), "
                   "named normc/<Op>/<dtype>/threads:<t>")
    p.add_argument("--list", action="store_true",
                   help="list the case names that match and exit")
    return p.parse_args()


def reexec_with_malloc_env(args):
    """glibc reads MALLOC_*_ at start-up: set them and exec ourselves."""
    if args.no_malloc_tune or args.list or os.environ.get(REEXEC_MARK):
        return
    env = dict(os.environ)
    env.update(MALLOC_ENV)
    env[REEXEC_MARK] = "1"
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


ARGS = parse_args()
reexec_with_malloc_env(ARGS)

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("torch_peers.py: cannot import torch; run it with /usr/bin/python3 "
             "(Debian's python3-torch), not %s" % sys.executable)

EPS = 1e-5
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


def shape_name(shape):
    return "x".join(str(d) for d in shape)


def nbytes(*tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


def cpu_capability():
    """ATen's vector ISA ("AVX2"): torch.backends.cpu is newer than 1.13."""
    if hasattr(torch.backends, "cpu"):
        return torch.backends.cpu.get_cpu_capability()
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else None


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def randn(shape, dtype, channels_last=False):
    t = torch.randn(shape, dtype=torch.float32).to(dtype)
    if channels_last:
        t = t.contiguous(memory_format=torch.channels_last)
    return t


# --- copy probe ------------------------------------------------------------

_probe_buffers = []


def copy_probe(threads, runs=3):
    """GB/s of dst.copy_(src), 256 MiB float buffers, best of `runs`,
    read+write. Measured at every call (right after each case's timing, so
    that drift of this shared host between cases does not skew %probe); the
    buffers are allocated and touched once."""
    torch.set_num_threads(threads)
    if not _probe_buffers:
        n = (256 << 20) // 4
        _probe_buffers.extend([torch.ones(n, dtype=torch.float32),
                               torch.zeros(n, dtype=torch.float32)])
    src, dst = _probe_buffers
    dst.copy_(src)
    best = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        dst.copy_(src)
        seconds = time.perf_counter() - start
        best = max(best, 2.0 * nbytes(src) / seconds / 1e9)
    return best


# --- cases -----------------------------------------------------------------
# A builder takes a torch dtype and returns (fn, bytes, note): fn() runs one
# call with all buffers preallocated (and touched) where torch allows.


def layer_norm_fwd(shape, affine=True):
    def build(dt):
        x = randn(shape, dt)
        w, b = ((randn(shape[-1:], dt), randn(shape[-1:], dt)) if affine
                else (None, None))
        params = [t for t in (w, b) if t is not None]

        def fn():
            return F.layer_norm(x, shape[-1:], w, b, EPS)
        return fn, nbytes(x, *params) + nbytes(x), \
            "F.layer_norm (allocates y)"
    return build


def rms_norm_parts(x, w, dt, alloc):
    """Eager RMSNorm: x * rsqrt(mean(x^2, -1) + eps) * w, into y."""
    if alloc:
        def fn():
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w
        return fn, "eager expression (allocates 4 temporaries)"
    sq = torch.zeros_like(x)
    ms = torch.zeros(x.shape[:-1] + (1,), dtype=dt)
    y = torch.zeros_like(x)

    def fn():
        torch.pow(x, 2, out=sq)
        torch.mean(sq, -1, keepdim=True, out=ms)
        ms.add_(EPS).rsqrt_()
        torch.mul(x, ms, out=y)
        y.mul_(w)
        return y
    return fn, "eager ops with out= (pow, mean, add_, rsqrt_, mul, mul_)"


def rms_norm_fwd(shape):
    def build(dt):
        x, w = randn(shape, dt), randn(shape[-1:], dt)
        fn, note = rms_norm_parts(x, w, dt, ARGS.eager_alloc)
        return fn, nbytes(x, w) + nbytes(x), note
    return build


def add_rms_norm(shape):
    def build(dt):
        x, r, w = randn(shape, dt), randn(shape, dt), randn(shape[-1:], dt)
        if ARGS.eager_alloc:
            def fn():
                h = x + r
                return h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + EPS) * w
            note = "eager expression (allocates h and 4 temporaries)"
        else:
            h = torch.zeros_like(x)
            rms, note = rms_norm_parts(h, w, dt, False)

            def fn():
                torch.add(x, r, out=h)
                return rms()
            note = "torch.add(out=h) + " + note
        return fn, nbytes(x, r, w) + nbytes(x), note
    return build


def batch_norm_case(n, c, hw, channels_last, kind):
    def build(dt):
        x = randn((n, c, hw, hw), dt, channels_last)
        w, b = randn((c,), dt), randn((c,), dt)
        # torch 1.13 CPU BN wants running stats in the input's dtype.
        rm, rv = torch.zeros(c, dtype=dt), torch.ones(c, dtype=dt)
        if kind == "train":
            def fn():
                return F.batch_norm(x, rm, rv, w, b, True, 0.1, EPS)
            return fn, nbytes(x, w, b) + nbytes(x), \
                "F.batch_norm training=True (allocates y)"
        if kind == "infer":
            def fn():
                return F.batch_norm(x, rm, rv, w, b, False, 0.1, EPS)
            return fn, nbytes(x, w, b) + nbytes(x), \
                "F.batch_norm training=False (allocates y)"
        # Backward: one training forward outside the timer, then
        # autograd.grad with retain_graph (no .grad accumulation).
        xg = x.detach().clone().requires_grad_()
        wg, bg = w.clone().requires_grad_(), b.clone().requires_grad_()
        with torch.enable_grad():
            y = F.batch_norm(xg, rm, rv, wg, bg, True, 0.1, EPS)
        dy = randn(tuple(y.shape), dt).contiguous(
            memory_format=torch.channels_last if channels_last
            else torch.contiguous_format)

        def fn():
            return torch.autograd.grad(y, (xg, wg, bg), dy, retain_graph=True)
        return fn, nbytes(x, w, b, dy) + nbytes(x, w, b), \
            "autograd.grad(retain_graph) -> native_batch_norm_backward " \
            "(allocates dx, dw, db)"
    return build


def group_norm_case(shape_nchw, groups, channels_last):
    def build(dt):
        c = shape_nchw[1]
        x = randn(shape_nchw, dt, channels_last)
        w, b = randn((c,), dt), randn((c,), dt)

        def fn():
            return F.group_norm(x, groups, w, b, EPS)
        return fn, nbytes(x, w, b) + nbytes(x), "F.group_norm (allocates y)"
    return build


def instance_norm_case(shape_nchw):
    def build(dt):
        c = shape_nchw[1]
        x = randn(shape_nchw, dt)
        w, b = randn((c,), dt), randn((c,), dt)

        def fn():
            return F.instance_norm(x, weight=w, bias=b, eps=EPS)
        return fn, nbytes(x, w, b) + nbytes(x), \
            "F.instance_norm (batch_norm on 1xNCxHxW; allocates y)"
    return build


def layer_norm_bwd(shape):
    def build(dt):
        xg = randn(shape, dt).requires_grad_()
        wg = randn(shape[-1:], dt).requires_grad_()
        bg = randn(shape[-1:], dt).requires_grad_()
        with torch.enable_grad():
            y = F.layer_norm(xg, shape[-1:], wg, bg, EPS)
        dy = randn(shape, dt)

        def fn():
            return torch.autograd.grad(y, (xg, wg, bg), dy, retain_graph=True)
        return fn, nbytes(xg, wg, bg, dy) + nbytes(xg, wg, bg), \
            "autograd.grad(retain_graph) -> native_layer_norm_backward " \
            "(allocates dx, dw, db)"
    return build


def cases():
    all_cases = []
    for shape in [(8192, 1024), (4096, 4096), (32768, 768), (256, 65536)]:
        all_cases.append(("LayerNorm_" + shape_name(shape),
                          layer_norm_fwd(shape)))
        all_cases.append(("RMSNorm_" + shape_name(shape), rms_norm_fwd(shape)))
    # Beyond the last-level cache, as in NormBench.
    all_cases.append(("LayerNorm_65536x2048", layer_norm_fwd((65536, 2048))))
    all_cases.append(("LayerNormNoAffine_8192x1024",
                      layer_norm_fwd((8192, 1024), affine=False)))
    for n, c, hw in [(32, 64, 56), (64, 256, 14), (128, 64, 112)]:
        for cl in (False, True):
            suffix = ("NHWC_" + shape_name((n, hw, hw, c)) if cl
                      else "NCHW_" + shape_name((n, c, hw, hw)))
            for kind, op in (("train", "BatchNormTrain_"),
                             ("infer", "BatchNormInfer_"),
                             ("bwd", "BatchNormBwd_")):
                all_cases.append((op + suffix,
                                  batch_norm_case(n, c, hw, cl, kind)))
    all_cases.append(("GroupNorm32_NCHW_16x256x32x32",
                      group_norm_case((16, 256, 32, 32), 32, False)))
    all_cases.append(("GroupNorm32_NHWC_16x32x32x256",
                      group_norm_case((16, 256, 32, 32), 32, True)))
    all_cases.append(("InstanceNorm_NCHW_16x64x64x64",
                      instance_norm_case((16, 64, 64, 64))))
    all_cases.append(("LayerNormBwd_8192x1024", layer_norm_bwd((8192, 1024))))
    all_cases.append(("AddRMSNorm_8192x4096", add_rms_norm((8192, 4096))))
    return all_cases


# --- timing ----------------------------------------------------------------


def time_case(fn, min_time, min_iters, warmup_iters):
    """Warm up, then time single calls until min_time and min_iters."""
    start = time.perf_counter()
    calls = 0
    while calls < warmup_iters or time.perf_counter() - start < min_time / 4:
        fn()
        calls += 1
    times = []
    faults0, cpu0 = minor_faults(), time.thread_time()
    total = 0.0
    while len(times) < min_iters or total < min_time:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        total += dt
    return {
        "times": times,
        "faults_per_iter": (minor_faults() - faults0) / len(times),
        "cpu_per_iter": (time.thread_time() - cpu0) / len(times),
    }


def main():
    threads_list = [int(t) for t in ARGS.threads.split(",") if t]
    dtypes = [d for d in ARGS.dtypes.split(",") if d]
    for d in dtypes:
        if d not in DTYPES:
            sys.exit("unknown dtype %r (use f32, bf16)" % d)
    min_time = ARGS.min_time if ARGS.min_time is not None else (
        0.05 if ARGS.quick else 0.2)
    min_iters = 3 if ARGS.quick else 5
    warmup_iters = 2 if ARGS.quick else 3
    pattern = re.compile(ARGS.filter)

    sources = [("PyTorch", dict(cases()))]
    if ARGS.normc:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import normc_libraries
        sources.append(("normc", normc_libraries.builders(ARGS.normc)))
    selected = []  # (source, op, build, dtype, [threads])
    for op, _ in cases():
        for source, builds in sources:
            if op not in builds:
                continue
            for d in dtypes:
                ts = [t for t in threads_list if pattern.search(
                    "%s/%s/%s/threads:%d" % (source, op, d, t))]
                if ts:
                    selected.append((source, op, builds[op], d, ts))
    if ARGS.list:
        for source, op, _, d, ts in selected:
            for t in ts:
                print("%s/%s/%s/threads:%d" % (source, op, d, t))
        return

    malloc_env = {k: os.environ.get(k) for k in MALLOC_ENV
                  if os.environ.get(k)}
    print("torch %s, CPU capability %s, malloc env %s%s" % (
        torch.__version__, cpu_capability(),
        malloc_env or "glibc defaults",
        ", RMSNorm eager-alloc" if ARGS.eager_alloc else ""))
    used_threads = sorted({t for *_, ts in selected for t in ts})
    startup_probe = {t: copy_probe(t, runs=5) for t in used_threads}
    for t in used_threads:
        print("copy probe at start, %d thread(s): %.1f GB/s (each case "
              "measures its own after its timing)" % (t, startup_probe[t]))

    header = "%-52s %9s %9s %8s %7s %9s" % (
        "name", "ms(" + ARGS.stat + ")", "best ms", "GB/s", "%probe",
        "faults/it")
    print(header)
    print("-" * len(header))
    entries = []
    for source, op, build, d, ts in selected:
        try:
            with torch.no_grad():
                fn, bytes_per_call, note = build(
                    DTYPES[d] if source == "PyTorch" else d)
        except Exception as e:  # noqa: BLE001 - report and go on
            fn, bytes_per_call, note = None, 0, "build failed: %s" % e
        for t in ts:
            name = "%s/%s/%s/threads:%d" % (source, op, d, t)
            entry = {
                "name": name, "run_name": name, "run_type": "iteration",
                "repetitions": 1, "repetition_index": 0, "threads": 1,
                "time_unit": "ms", "num_threads": t, "note": note,
            }
            if fn is None:
                entry.update(error_occurred=True, error_message=note)
                entries.append(entry)
                print("%-52s skipped: %s" % (name, note.splitlines()[0][:80]))
                continue
            torch.set_num_threads(t)
            if source == "normc":
                normc_libraries.set_threads(t)
            try:
                with torch.no_grad():
                    r = time_case(fn, min_time, min_iters, warmup_iters)
            except Exception as e:  # noqa: BLE001
                msg = str(e).splitlines()[0][:200]
                entry.update(error_occurred=True, error_message=msg)
                entries.append(entry)
                print("%-52s skipped: %s" % (name, msg[:80]))
                continue
            times = r["times"]
            sec = {"median": statistics.median(times), "min": min(times),
                   "mean": statistics.fmean(times)}[ARGS.stat]
            gbs = bytes_per_call / sec / 1e9
            probe = copy_probe(t)
            torch.set_num_threads(t)
            entry.update({
                "iterations": len(times),
                "real_time": sec * 1e3,
                "cpu_time": r["cpu_per_iter"] * 1e3,
                "bytes_per_second": bytes_per_call / sec,
                "GB/s": gbs,
                "%probe": 100.0 * gbs / probe,
                "probe_GB/s": probe,
                "bytes": bytes_per_call,
                "best_ms": min(times) * 1e3,
                "median_ms": statistics.median(times) * 1e3,
                "mean_ms": statistics.fmean(times) * 1e3,
                "faults/iter": r["faults_per_iter"],
            })
            entries.append(entry)
            print("%-52s %9.3f %9.3f %8.2f %7.1f %9.0f" % (
                name, sec * 1e3, min(times) * 1e3, gbs, entry["%probe"],
                r["faults_per_iter"]))
            sys.stdout.flush()
        fn = None  # free the case's tensors before the next one

    for i, e in enumerate(entries):
        e["family_index"] = i
        e["per_family_instance_index"] = 0
    if ARGS.out:
        context = {
            "date": datetime.datetime.now().astimezone().isoformat(
                timespec="seconds"),
            "host_name": socket.gethostname(),
            "executable": " ".join([sys.executable] + sys.argv),
            "num_cpus": os.cpu_count(),
            "load_avg": list(os.getloadavg()),
            "library_build_type": "release",
            "peer": "PyTorch",
            "torch_version": torch.__version__,
            "torch_cpu_capability": cpu_capability(),
            "malloc_env": malloc_env,
            "statistic": ARGS.stat,
            "probe_GB/s_at_start": {str(t): v
                                    for t, v in startup_probe.items()},
            "bytes_model": "minimal traffic: inputs read once, outputs "
                           "written once, plus parameters",
        }
        with open(ARGS.out, "w") as f:
            json.dump({"context": context, "benchmarks": entries}, f,
                      indent=2)
            f.write("\n")
        print("wrote %s (%d entries)" % (ARGS.out, len(entries)))


if __name__ == "__main__":
    main()
