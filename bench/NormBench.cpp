//===- NormBench.cpp - normc's CPU kernels against the bandwidth probe ----===//
//
// Google Benchmark: every normalization compiled by normc (JIT, the same
// code normc writes to shared libraries) on the shapes of issue #5, f32,
// 1 and 2 threads. Each reports GB/s on the minimal-traffic model (input
// read once, output written once, parameters) and its % of the copy probe
// measured in the same process. Compilation happens before the timed loop;
// buffers are allocated and touched once and reused.
//
//   build/bin/NormBench --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "bench/BenchUtils.h"
#include "normc/Jit.h"
#include "normc/Session.h"

#include "llvm/Support/TargetSelect.h"
#include <map>
#include <memory>
#include <random>
#include <string>

extern "C" void omp_set_num_threads(int);

using namespace normc;

namespace {
/// A compiled single-op graph and its inputs.
struct Kernel {
  std::unique_ptr<Session> session;
  std::vector<Array> inputs;
  double bytes = 0;
};

std::string tensorType(const std::vector<int64_t> &shape) {
  std::string t = "tensor<";
  for (int64_t d : shape)
    t += std::to_string(d) + "x";
  return t + "f32>";
}

/// Compiles `op` (a named norm with per-channel or per-row affine
/// parameters of `params` elements) on `shape`, once per name.
Kernel &kernel(const std::string &name, const std::string &op,
               const std::string &attrs, const std::vector<int64_t> &shape,
               int64_t params, const std::string &mode) {
  static std::map<std::string, Kernel> cache;
  auto it = cache.find(name);
  if (it != cache.end())
    return it->second;
  std::string x = tensorType(shape), p = tensorType({params});
  bool running = attrs.find("running") != std::string::npos;
  std::string source =
      (running ? "norm.running_stats @s : " + p + "\n" : std::string()) +
      "func.func @f(%x: " + x + ", %w: " + p + ", %b: " + p + ") -> " + x +
      " {\n  %y = norm." + op + " %x scale(%w) bias(%b) {" + attrs +
      "} : (" + x + ", " + p + ", " + p + ") -> " + x +
      "\n  return %y : " + x + "\n}\n";
  auto executable = jitCompileSource(source, name, {mode});
  if (!executable) {
    fprintf(stderr, "%s: %s\n", name.c_str(),
            llvm::toString(executable.takeError()).c_str());
    std::abort();
  }
  auto session = Session::create(*executable, "f");
  if (!session || (mode == "train" && session->get()->train())) {
    fprintf(stderr, "%s: cannot open a session\n", name.c_str());
    std::abort();
  }
  Kernel k;
  k.session = std::move(*session);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (auto s : {shape, std::vector<int64_t>{params},
                 std::vector<int64_t>{params}}) {
    Array a = Array::zeros(DType::F32, s);
    for (int64_t i = 0; i < a.numel(); ++i)
      a.as<float>()[i] = normal(rng);
    k.inputs.push_back(std::move(a));
  }
  k.bytes = 2.0 * k.inputs[0].byteSize() + 2.0 * k.inputs[1].byteSize();
  return cache[name] = std::move(k);
}

void run(benchmark::State &state, const std::string &name,
         const std::string &op, const std::string &attrs,
         std::vector<int64_t> shape, int64_t params,
         const std::string &mode) {
  int threads = static_cast<int>(state.range(0));
  omp_set_num_threads(threads);
  Kernel &k = kernel(name, op, attrs, shape, params, mode);
  std::vector<const Array *> inputs;
  for (const Array &a : k.inputs)
    inputs.push_back(&a);
  for (auto _ : state) {
    auto out = k.session->forward(inputs);
    benchmark::DoNotOptimize(out);
    if (!out)
      state.SkipWithError(llvm::toString(out.takeError()).c_str());
  }
  bench::reportBandwidth(state, k.bytes, threads);
}

#define NORM_BENCH(NAME, ...)                                                  \
  static void NAME(benchmark::State &state) { run(state, #NAME, __VA_ARGS__); } \
  BENCHMARK(NAME)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()

NORM_BENCH(LayerNorm_8192x1024, "layer_norm", "", {8192, 1024}, 1024, "infer");
NORM_BENCH(RMSNorm_8192x1024, "rms_norm", "", {8192, 1024}, 1024, "infer");
NORM_BENCH(LayerNorm_32768x768, "layer_norm", "", {32768, 768}, 768, "infer");
NORM_BENCH(BatchNormTrain_NCHW_32x64x56x56, "batch_norm",
           "running = #norm.running<@s, momentum = 1.000000e-01>",
           {32, 64, 56, 56}, 64, "train");
NORM_BENCH(BatchNormInfer_NCHW_32x64x56x56, "batch_norm",
           "running = #norm.running<@s, momentum = 1.000000e-01>",
           {32, 64, 56, 56}, 64, "infer");
NORM_BENCH(BatchNormTrain_NHWC_32x56x56x64, "batch_norm",
           "channel_axis = 3 : i64, running = #norm.running<@s, momentum = "
           "1.000000e-01>",
           {32, 56, 56, 64}, 64, "train");
NORM_BENCH(GroupNorm32_NCHW_16x256x32x32, "group_norm", "num_groups = 32 : i64",
           {16, 256, 32, 32}, 256, "infer");
NORM_BENCH(InstanceNorm_16x64x64x64, "instance_norm", "", {16, 64, 64, 64}, 64,
           "infer");
} // namespace

int main(int argc, char **argv) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
