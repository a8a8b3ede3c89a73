#!/usr/bin/python3
"""Pairs normc's benchmark results with its peers' and reports them.

Reads Google-Benchmark-style JSON files: NormBench's
(--benchmark_out=normc.json --benchmark_out_format=json) and the peers'
(bench/peers/torch_peers.py --out torch.json, oneDNN's), pairs every normc
result with each peer on (op, dtype, threads) and prints a Markdown table:
normc's time, GB/s and % of the copy probe, each peer's % of its probe, and
the time ratios peer_time / normc_time (> 1: normc is faster).

    /usr/bin/python3 bench/report.py normc.json torch.json dnnl.json
    /usr/bin/python3 bench/report.py *.json --plot report.png
    /usr/bin/python3 bench/report.py *.json --targets

--targets lists, after the table, every cell that misses issue #5's targets:
forward >= 90 % and backward >= 80 % of the probe, never slower than a peer,
and >= 1.3x oneDNN / 1.5x PyTorch where that peer is below 90 %.

--plot draws % of probe per op (normc against the peers, one panel per thread
count, a line at 90 %). It needs matplotlib (Debian's python3-matplotlib, for
/usr/bin/python3; scripts/install-deps.sh installs it); without it the table
is still printed and the plot fails with a message.

Names: <Op>/<dtype>/<threads>, optionally with a peer prefix
(PyTorch/<Op>/<dtype>/threads:<t>, oneDNN/...). A `threads:` prefix on the
thread count and Google Benchmark's suffixes (/real_time, /iterations:N,
/repeats:N, /min_time:X, ...) are accepted. Names without a peer prefix
belong to the file's context "peer" if it has one, otherwise to normc.
Counters "GB/s", "%probe" and "probe_GB/s" are top-level keys of each entry.
With --benchmark_repetitions the median aggregate is used.
"""

import argparse
import json
import math
import re
import sys

NORMC = "normc"
KNOWN_PEERS = ["oneDNN", "PyTorch"]  # columns always shown, in this order
PLOT_TARGET = 90.0

# Google Benchmark appends these to a run's name.
_GB_SUFFIX = re.compile(
    r"^(real_time|process_time|manual_time|"
    r"(iterations|repeats|min_time|min_warmup_time):[0-9.e+-]+s?)$")
_DTYPES = {
    "f32": "f32", "fp32": "f32", "float32": "f32", "float": "f32",
    "bf16": "bf16", "bfloat16": "bf16",
    "f16": "f16", "fp16": "f16", "float16": "f16", "half": "f16",
    "f64": "f64", "fp64": "f64", "float64": "f64", "double": "f64",
}
_AGGREGATES = ("_mean", "_median", "_stddev", "_cv")
_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def canonical_peer(name):
    for peer in KNOWN_PEERS + [NORMC]:
        if name.lower() == peer.lower():
            return peer
    return name


def parse_name(name, default_source):
    """'PyTorch/LayerNorm_8192x1024/f32/threads:1/real_time' ->
    ('PyTorch', 'LayerNorm_8192x1024', 'f32', 1), or None."""
    parts = [p for p in name.split("/") if p]
    while parts and _GB_SUFFIX.match(parts[-1]):
        parts.pop()
    if len(parts) < 3:
        return None
    threads = parts[-1]
    if threads.startswith("threads:"):
        threads = threads[len("threads:"):]
    if not threads.isdigit():
        return None
    dtype = _DTYPES.get(parts[-2].lower())
    if dtype is None:
        return None
    head = parts[:-2]
    if len(head) == 1:
        source, op = default_source, head[0]
    elif len(head) == 2:
        source, op = canonical_peer(head[0]), head[1]
    else:
        return None
    return source, op, dtype, int(threads)


def counter(entry, key):
    value = entry.get(key)
    return float(value) if isinstance(value, (int, float)) else None


def load(paths):
    """{(op, dtype, threads): {source: result}} plus the order of keys."""
    results, order, unparsed = {}, [], []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        context = data.get("context", {})
        default_source = canonical_peer(context.get("peer", NORMC))
        # Several entries per key (repetitions): prefer the median aggregate.
        candidates = {}
        for entry in data.get("benchmarks", []):
            if entry.get("error_occurred"):
                continue
            name = entry.get("run_name") or entry.get("name", "")
            rank = 2  # a plain iteration
            if entry.get("run_type") == "aggregate":
                agg = entry.get("aggregate_name", "")
                if agg not in ("median", "mean"):
                    continue
                rank = 0 if agg == "median" else 1
                name = entry.get("run_name", name)
                for suffix in _AGGREGATES:
                    if name.endswith(suffix):
                        name = name[: -len(suffix)]
            parsed = parse_name(name, default_source)
            if parsed is None:
                unparsed.append(entry.get("name", ""))
                continue
            source, op, dtype, threads = parsed
            unit = _TO_MS.get(entry.get("time_unit", "ns"), 1e-6)
            if entry.get("real_time") is None:
                continue
            result = {
                "ms": float(entry["real_time"]) * unit,
                "gbs": counter(entry, "GB/s"),
                "probe": counter(entry, "probe_GB/s"),
                "pct": counter(entry, "%probe"),
                "rank": rank,
            }
            if result["pct"] is None and result["gbs"] and result["probe"]:
                result["pct"] = 100.0 * result["gbs"] / result["probe"]
            key = (op, dtype, threads)
            best = candidates.get((source, key))
            if best is None or rank < best["rank"]:
                candidates[(source, key)] = result
        for (source, key), result in candidates.items():
            if key not in results:
                results[key] = {}
                order.append(key)
            results[key][source] = result
    if unparsed:
        print("report.py: ignored %d entries whose names do not parse as "
              "[peer/]<Op>/<dtype>/<threads>, e.g. %s" %
              (len(unparsed), unparsed[0]), file=sys.stderr)
    return results, order


def peers_present(results):
    seen = {s for by_source in results.values() for s in by_source}
    extra = sorted(seen - set(KNOWN_PEERS) - {NORMC})
    return KNOWN_PEERS + extra


def fmt_ms(ms):
    if ms is None:
        return "—"
    return format(ms, ".0f" if ms >= 100 else ".1f" if ms >= 10 else
                  ".2f" if ms >= 1 else ".3f")


def fmt(value, spec):
    return "—" if value is None or (isinstance(value, float) and
                                    math.isnan(value)) else format(value, spec)


def table(results, order, peers):
    head = ["op", "dtype", "threads", "normc ms", "normc GB/s",
            "normc %probe"]
    head += ["%s %%probe" % p for p in peers]
    head += ["normc/%s" % p for p in peers]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:"
                            for i in range(len(head))) + "|"]
    for key in order:
        op, dtype, threads = key
        by_source = results[key]
        n = by_source.get(NORMC)
        row = [op, dtype, str(threads),
               fmt_ms(n and n["ms"]), fmt(n and n["gbs"], ".2f"),
               fmt(n and n["pct"], ".1f")]
        for p in peers:
            row.append(fmt(by_source.get(p, {}).get("pct"), ".1f"))
        for p in peers:
            peer = by_source.get(p)
            ratio = peer["ms"] / n["ms"] if n and peer and n["ms"] > 0 \
                else None
            row.append(fmt(ratio, ".2f"))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# Issue #5's targets (same-run ratios): % of the copy probe per direction,
# and the speedup over each peer where that peer is below PEER_SLOW_PCT.
TARGET_PCT = {"forward": 90.0, "backward": 80.0}
PEER_SLOW_PCT = 90.0
PEER_SPEEDUP = {"oneDNN": 1.3, "PyTorch": 1.5}


def direction(op):
    return "backward" if "Bwd" in op else "forward"


def target_misses(results, order, peers):
    """{rule: [(cell, detail)]} for every cell that misses a target, and
    the number of cells checked per rule."""
    misses, checked = {}, {}

    def check(rule, ok, cell, detail):
        checked[rule] = checked.get(rule, 0) + 1
        if not ok:
            misses.setdefault(rule, []).append((cell, detail))

    for key in order:
        n = results[key].get(NORMC)
        if not n or n["pct"] is None:
            continue
        cell = "%s %s %dT" % key
        want = TARGET_PCT[direction(key[0])]
        check("%s >= %g %% of the probe" % (direction(key[0]), want),
              n["pct"] >= want, cell, "%.0f %%" % n["pct"])
        for p in peers:
            peer = results[key].get(p)
            if not peer or not n["ms"]:
                continue
            ratio = peer["ms"] / n["ms"]
            check("never slower than %s" % p, ratio >= 1.0, cell,
                  "%.2fx" % ratio)
            need = PEER_SPEEDUP.get(p)
            if need and peer["pct"] is not None and \
                    peer["pct"] < PEER_SLOW_PCT:
                check(">= %gx %s where it is below %g %%" %
                      (need, p, PEER_SLOW_PCT), ratio >= need, cell,
                      "%.2fx (%s at %.0f %%)" % (ratio, p, peer["pct"]))
    return misses, checked


def targets(results, order, peers):
    misses, checked = target_misses(results, order, peers)
    # Rules in a fixed order: by direction, then peer by peer.
    rank = {rule: i for i, rule in enumerate(
        ["%s >= %g %% of the probe" % (d, TARGET_PCT[d]) for d in
         ("forward", "backward")] +
        [r for p in peers for r in
         ("never slower than %s" % p, ">= %gx %s where it is below %g %%" %
          (PEER_SPEEDUP.get(p, 0), p, PEER_SLOW_PCT))])}
    lines = []
    for rule in sorted(checked, key=lambda r: rank.get(r, len(rank))):
        count = checked[rule]
        missed = misses.get(rule, [])
        lines.append("- **%s:** %d of %d cells met%s" %
                     (rule, count - len(missed), count,
                      "; missed by:" if missed else "."))
        for cell, detail in missed:
            lines.append("  - %s: %s" % (cell, detail))
    return "\n".join(lines)


def plot(results, order, peers, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        sys.exit("report.py: cannot plot: matplotlib is missing (%s). "
                 "Install python3-matplotlib (scripts/install-deps.sh) and "
                 "run with /usr/bin/python3." % e)
    sources = [NORMC] + [p for p in peers
                         if any(p in results[k] for k in order)]
    colors = {NORMC: "#1f77b4", "oneDNN": "#ff7f0e", "PyTorch": "#d62728"}
    thread_counts = sorted({k[2] for k in order})
    rows = []  # (op, dtype), in first-appearance order
    for op, dtype, _ in order:
        if (op, dtype) not in rows:
            rows.append((op, dtype))
    bar = 0.8 / len(sources)
    fig, axes = plt.subplots(
        1, len(thread_counts), sharey=True, squeeze=False,
        figsize=(6.5 * len(thread_counts), 1.0 + 0.25 * len(rows) *
                 max(1, len(sources) / 2)))
    xmax = PLOT_TARGET
    for ax, threads in zip(axes[0], thread_counts):
        for i, source in enumerate(sources):
            ys, xs = [], []
            for r, (op, dtype) in enumerate(rows):
                res = results.get((op, dtype, threads), {}).get(source)
                if res and res["pct"] is not None:
                    ys.append(r - 0.4 + bar * (i + 0.5))
                    xs.append(res["pct"])
                    xmax = max(xmax, res["pct"])
            ax.barh(ys, xs, height=bar, label=source,
                    color=colors.get(source))
        ax.axvline(PLOT_TARGET, color="black", linestyle="--", linewidth=1,
                   label="%g %% of probe" % PLOT_TARGET)
        ax.set_title("%d thread%s" % (threads, "" if threads == 1 else "s"))
        ax.set_xlabel("% of copy probe (minimal-traffic bytes)")
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[0]:
        ax.set_xlim(0, xmax * 1.05)
    axes[0][0].set_yticks(range(len(rows)))
    axes[0][0].set_yticklabels(["%s %s" % r for r in rows], fontsize=8)
    axes[0][0].set_ylim(len(rows) - 0.5, -0.5)
    axes[0][-1].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print("report.py: wrote %s" % path, file=sys.stderr)


def main():
    p = argparse.ArgumentParser(
        description="Pair normc's benchmark JSON with its peers' "
        "(run with /usr/bin/python3).")
    p.add_argument("files", nargs="+", help="Google-Benchmark-style JSON")
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw % of probe per op (needs matplotlib)")
    p.add_argument("--filter", default="",
                   help="regex on '<op>/<dtype>/<threads>' to keep")
    p.add_argument("--all", action="store_true",
                   help="also list ops that normc did not run")
    p.add_argument("--targets", action="store_true",
                   help="after the table, list the cells that miss issue "
                   "#5's targets, rule by rule")
    args = p.parse_args()

    results, order = load(args.files)
    pattern = re.compile(args.filter)
    order = [k for k in order if pattern.search("%s/%s/%d" % k)
             and (args.all or NORMC in results[k])]
    if not order:
        sys.exit("report.py: no results to report (no normc entries? "
                 "use --all to list peers alone)")
    peers = peers_present(results)
    print(table(results, order, peers))
    if args.targets:
        print()
        print(targets(results, order, peers))
    if args.plot:
        plot(results, order, peers, args.plot)


if __name__ == "__main__":
    main()
