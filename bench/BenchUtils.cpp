//===- BenchUtils.cpp - Bandwidth probe and buffers for benchmarks --------===//
//
// Implements the STREAM copy probe (OpenMP, streaming stores, pre-touched
// buffers) and the GB/s / %probe counters.
//
//===----------------------------------------------------------------------===//

#include "bench/BenchUtils.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <thread>
#include <vector>

using namespace normc::bench;

/// One STREAM copy of `n` floats on `threads` OpenMP threads (the runtime
/// the kernels use), static schedule, with streaming stores: the copy moves
/// each byte once each way, like a kernel with non-temporal outputs.
static void streamCopy(float *dst, const float *src, int64_t n, int threads) {
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t i = 0; i < n; i += 16) {
    for (int64_t j = 0; j < 16; j += 4)
      _mm_stream_ps(dst + i + j, _mm_load_ps(src + i + j));
  }
  _mm_sfence();
}

double normc::bench::copyBandwidth(int threads, int runs) {
  const int64_t n = int64_t(64) << 20; // 256 MiB of floats per buffer
  // Allocated and touched once (no page faults in the timing), kept for
  // the process: every benchmark measures the probe again.
  static float *src = [&] {
    auto *p = static_cast<float *>(std::aligned_alloc(64, n * 4));
    std::fill(p, p + n, 1.0f);
    return p;
  }();
  static float *dst = [&] {
    auto *p = static_cast<float *>(std::aligned_alloc(64, n * 4));
    std::fill(p, p + n, 0.0f);
    return p;
  }();
  streamCopy(dst, src, n, threads);
  double best = 0;
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    streamCopy(dst, src, n, threads);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    best = std::max(best, 2.0 * n * 4 / seconds / 1e9);
  }
  benchmark::DoNotOptimize(dst);
  return best;
}

void normc::bench::reportBandwidth(benchmark::State &state, double bytes,
                                   int threads) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["GB/s"] = benchmark::Counter(bytes * state.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
  // The probe right after this benchmark's timing: the host's bandwidth
  // drifts by ±15 % over a full run (other tenants), and a probe taken once
  // at the start mis-states every later percentage.
  double probe = copyBandwidth(threads);
  state.counters["probe_GB/s"] = probe;
  state.counters["%probe"] =
      benchmark::Counter(100.0 * bytes * state.iterations() / 1e9 / probe,
                         benchmark::Counter::kIsRate);
}
