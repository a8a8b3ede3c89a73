//===- BenchUtils.h - Bandwidth probe and buffers for benchmarks -*- C++
//-*-===//
//
// What every normc benchmark shares: a STREAM-like copy probe measured in
// the same process (1 or 2 threads), pre-touched buffers (first-touch page
// faults cost ~10 us per 4 KiB page on these machines), and the counters
// that report GB/s on the minimal-traffic model and the fraction of the
// probe.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_BENCH_BENCHUTILS_H
#define NORMC_BENCH_BENCHUTILS_H

#include "benchmark/benchmark.h"
#include <cstddef>

namespace normc::bench {

/// STREAM copy bandwidth in GB/s (bytes read + bytes written per second) of
/// `threads` OpenMP threads over 256 MiB with streaming stores, best of
/// `runs`; measured anew at every call (the buffers are kept).
double copyBandwidth(int threads, int runs = 3);

/// Sets `GB/s` (minimal traffic: `bytes` per iteration) and `%probe`
/// (against a copy probe of `threads` threads measured now, right after the
/// timing loop) on `state`.
void reportBandwidth(benchmark::State &state, double bytes, int threads);

} // namespace normc::bench

#endif // NORMC_BENCH_BENCHUTILS_H
