//===- BenchUtils.cpp - Bandwidth probe and buffers for benchmarks --------===//
//
// Implements the STREAM-like copy probe (std::thread, pre-touched buffers)
// and the GB/s / %probe counters.
//
//===----------------------------------------------------------------------===//

#include "bench/BenchUtils.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

using namespace normc::bench;

double normc::bench::copyBandwidth(int threads) {
  static std::map<int, double> cache;
  if (auto it = cache.find(threads); it != cache.end())
    return it->second;
  const size_t bytes = size_t(256) << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0); // touched by construction
  auto copyOnce = [&] {
    std::vector<std::thread> workers;
    size_t chunk = bytes / threads;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        std::memcpy(dst.data() + t * chunk, src.data() + t * chunk, chunk);
      });
    for (std::thread &w : workers)
      w.join();
  };
  copyOnce();
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    copyOnce();
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    best = std::max(best, 2.0 * bytes / seconds / 1e9);
  }
  benchmark::DoNotOptimize(dst.data());
  return cache[threads] = best;
}

void normc::bench::reportBandwidth(benchmark::State &state, double bytes,
                                   int threads) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["GB/s"] = benchmark::Counter(
      bytes * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  double probe = copyBandwidth(threads);
  state.counters["probe_GB/s"] = probe;
  state.counters["%probe"] = benchmark::Counter(
      100.0 * bytes * state.iterations() / 1e9 / probe,
      benchmark::Counter::kIsRate);
}
