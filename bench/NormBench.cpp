//===- NormBench.cpp - normc's CPU kernels against the bandwidth probe ----===//
//
// Google Benchmark: every normalization of issue #5 compiled by normc (JIT,
// the same code normc writes to shared libraries), f32 and bf16, 1 and 2
// threads, and the oneDNN peers in the same binary (bench/DnnlPeers.cpp).
// Each reports GB/s on the minimal-traffic model (each input read once,
// each output written once, plus parameters) and its % of the copy probe
// measured in the same process. Compilation happens before the timed loop;
// buffers are allocated and touched once and reused.
//
//   build/bin/NormBench --benchmark_counters_tabular=true
//
// Names: <Op>_<Layout>_<shape>/<dtype>/<threads>, oneDNN/<...> for peers.
// PyTorch runs in bench/peers/torch_peers.py; bench/report.py pairs them.
//
//===----------------------------------------------------------------------===//

#include "bench/BenchUtils.h"
#include "bench/DnnlPeers.h"
#include "normc/Jit.h"
#include "normc/Session.h"

#include "llvm/Support/TargetSelect.h"
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>

extern "C" void omp_set_num_threads(int);

using namespace normc;

namespace {
enum class Run { Forward, Backward };

/// One benchmark: a single-function graph and how it is run.
struct Case {
  std::string name;                         // without dtype
  std::string source;                       // MLIR with $T for the element type
  std::vector<std::vector<int64_t>> inputs; // shapes of the user inputs
  std::string mode;                         // train or infer
  Run run = Run::Forward;
};

/// A compiled case with its inputs and output gradients.
struct Kernel {
  std::unique_ptr<Session> session;
  std::vector<Array> inputs, gradOutputs;
  double bytes = 0;
};

std::string tensorType(const std::vector<int64_t> &shape) {
  std::string t = "tensor<";
  for (int64_t d : shape)
    t += std::to_string(d) + "x";
  return t + "$T>";
}

std::string shapeName(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

std::string substitute(std::string text, const std::string &dtype) {
  for (size_t at; (at = text.find("$T")) != std::string::npos;)
    text.replace(at, 2, dtype);
  return text;
}

/// y = norm.<op>(x) with a per-channel (or per-column) scale and bias.
Case affineNorm(const std::string &name, const std::string &op,
                const std::string &attrs, const std::vector<int64_t> &shape,
                int64_t params, const std::string &mode, Run run) {
  std::string x = tensorType(shape), p = tensorType({params});
  bool running = attrs.find("running") != std::string::npos;
  std::string source =
      (running ? "norm.running_stats @s : tensor<" + std::to_string(params) +
                     "xf32>\n"
               : std::string()) +
      "func.func @f(%x: " + x + ", %w: " + p + ", %b: " + p + ") -> " + x +
      " {\n  %y = norm." + op + " %x scale(%w) bias(%b) {" + attrs + "} : (" +
      x + ", " + p + ", " + p + ") -> " + x + "\n  return %y : " + x + "\n}\n";
  return {name, source, {shape, {params}, {params}}, mode, run};
}

/// y = norm.<op>(x) without scale or bias (elementwise_affine=False).
Case plainNorm(const std::string &name, const std::string &op,
               const std::vector<int64_t> &shape) {
  std::string x = tensorType(shape);
  std::string source = "func.func @f(%x: " + x + ") -> " + x +
                       " {\n  %y = norm." + op + " %x : (" + x + ") -> " + x +
                       "\n  return %y : " + x + "\n}\n";
  return {name, source, {shape}, "infer", Run::Forward};
}

/// Pre-norm transformer residual: y = rms_norm(x + r) * w.
Case addRmsNorm(const std::vector<int64_t> &shape) {
  std::string x = tensorType(shape), p = tensorType({shape.back()});
  std::string source = "func.func @f(%x: " + x + ", %r: " + x + ", %w: " + p +
                       ") -> " + x + " {\n  %h = norm.add %x, %r : " + x +
                       "\n  %y = norm.rms_norm %h scale(%w) : (" + x + ", " +
                       p + ") -> " + x + "\n  return %y : " + x + "\n}\n";
  return {"AddRMSNorm_" + shapeName(shape),
          source,
          {shape, shape, {shape.back()}},
          "infer",
          Run::Forward};
}

void fill(Array &a, std::mt19937 &rng) {
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < a.numel(); ++i) {
    float v = normal(rng);
    if (a.dtype == DType::F32) {
      a.as<float>()[i] = v;
    } else { // bf16: the upper half of the f32 bits (rounding is irrelevant)
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      a.as<uint16_t>()[i] = uint16_t(bits >> 16);
    }
  }
}

/// The compiled case, kept until another one is needed: a case's thread
/// counts and repetitions run back to back, and the cases beyond the cache
/// hold up to 1.5 GiB each.
Kernel &compile(const Case &c, DType dtype) {
  static std::map<std::string, Kernel> cache;
  std::string key = c.name + "/" + dtypeName(dtype);
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  cache.clear();
  auto executable =
      jitCompileSource(substitute(c.source, dtypeName(dtype)), key, {c.mode});
  if (!executable) {
    fprintf(stderr, "%s: %s\n", key.c_str(),
            llvm::toString(executable.takeError()).c_str());
    std::abort();
  }
  auto session = Session::create(*executable, "f");
  if (!session || (c.mode == "train" && session->get()->train())) {
    fprintf(stderr, "%s: cannot open a session\n", key.c_str());
    std::abort();
  }
  Kernel k;
  k.session = std::move(*session);
  std::mt19937 rng(1);
  for (const auto &shape : c.inputs) {
    k.inputs.push_back(Array::zeros(dtype, shape));
    fill(k.inputs.back(), rng);
    k.bytes += k.inputs.back().byteSize();
  }
  // Outputs: y (forward) or the input gradients (backward), each written
  // once; the backward also reads dy.
  k.bytes += k.inputs[0].byteSize();
  if (c.run == Run::Backward) {
    k.gradOutputs.push_back(Array::zeros(dtype, c.inputs[0]));
    fill(k.gradOutputs.back(), rng);
    for (const Array &a : k.inputs)
      k.bytes += a.byteSize();
  }
  return cache[key] = std::move(k);
}

void runCase(benchmark::State &state, const Case &c, DType dtype) {
  int threads = static_cast<int>(state.range(0));
  omp_set_num_threads(threads);
  Kernel &k = compile(c, dtype);
  std::vector<const Array *> inputs, grads;
  for (const Array &a : k.inputs)
    inputs.push_back(&a);
  for (const Array &a : k.gradOutputs)
    grads.push_back(&a);
  // A training backward needs the saved statistics of a forward step.
  if (c.run == Run::Backward && !k.session->forward(inputs))
    state.SkipWithError("forward step failed");
  auto step = [&] {
    return c.run == Run::Forward ? k.session->forward(inputs)
                                 : k.session->backward(inputs, grads);
  };
  // One untimed step: the first call of an entry looks its symbol up in the
  // JIT (which materializes it) and allocates and touches its outputs (a
  // backward of 1.2 GiB took 1.2 s where later ones take 60 ms; past the
  // cache a single iteration fills the minimum time).
  if (auto warm = step(); !warm) {
    state.SkipWithError(llvm::toString(warm.takeError()).c_str());
    return;
  }
  for (auto _ : state) {
    auto out = step();
    if (!out) {
      state.SkipWithError(llvm::toString(out.takeError()).c_str());
      break;
    }
    benchmark::DoNotOptimize(*out);
  }
  bench::reportBandwidth(state, k.bytes, threads);
}

/// BatchNorm training, inference and backward of [n, c, hw, hw] in NCHW and
/// NHWC (named in memory order).
void addBatchNorms(std::vector<Case> &all, int64_t n, int64_t c, int64_t hw,
                   const std::string &running) {
  for (bool nhwc : {false, true}) {
    std::vector<int64_t> shape = nhwc ? std::vector<int64_t>{n, hw, hw, c}
                                      : std::vector<int64_t>{n, c, hw, hw};
    std::string attrs =
        (nhwc ? "channel_axis = 3 : i64, " : std::string()) + running;
    std::string suffix =
        std::string(nhwc ? "NHWC_" : "NCHW_") + shapeName(shape);
    all.push_back(affineNorm("BatchNormTrain_" + suffix, "batch_norm", attrs,
                             shape, c, "train", Run::Forward));
    all.push_back(affineNorm("BatchNormInfer_" + suffix, "batch_norm", attrs,
                             shape, c, "infer", Run::Forward));
    all.push_back(affineNorm("BatchNormBwd_" + suffix, "batch_norm", attrs,
                             shape, c, "train", Run::Backward));
  }
}

std::vector<Case> cases() {
  std::vector<Case> all;
  for (std::vector<int64_t> shape : {std::vector<int64_t>{8192, 1024},
                                     {4096, 4096},
                                     {32768, 768},
                                     {256, 65536}}) {
    all.push_back(affineNorm("LayerNorm_" + shapeName(shape), "layer_norm", "",
                             shape, shape[1], "infer", Run::Forward));
    all.push_back(affineNorm("RMSNorm_" + shapeName(shape), "rms_norm", "",
                             shape, shape[1], "infer", Run::Forward));
  }
  // Without affine parameters (a 20x slower scalar path went unseen while
  // every case here had them).
  all.push_back(
      plainNorm("LayerNormNoAffine_8192x1024", "layer_norm", {8192, 1024}));
  std::string running = "running = #norm.running<@s, momentum = 0.1>";
  addBatchNorms(all, 32, 64, 56, running);
  addBatchNorms(all, 64, 256, 14, running);
  all.push_back(affineNorm("GroupNorm32_NCHW_16x256x32x32", "group_norm",
                           "num_groups = 32 : i64", {16, 256, 32, 32}, 256,
                           "infer", Run::Forward));
  all.push_back(affineNorm("GroupNorm32_NHWC_16x32x32x256", "group_norm",
                           "num_groups = 32 : i64, channel_axis = 3 : i64",
                           {16, 32, 32, 256}, 256, "infer", Run::Forward));
  all.push_back(affineNorm("InstanceNorm_NCHW_16x64x64x64", "instance_norm", "",
                           {16, 64, 64, 64}, 64, "infer", Run::Forward));
  // Training backward: the saved mean / rstd of the forward step, as in a
  // training step (an inference backward recomputes them).
  all.push_back(affineNorm("LayerNormBwd_8192x1024", "layer_norm", "",
                           {8192, 1024}, 1024, "train", Run::Backward));
  all.push_back(addRmsNorm({8192, 4096}));
  // Beyond the last-level cache (the targets are stated for such
  // tensors; every shape above stays largely in the Xeon VMs' L3): 256-512
  // MiB per tensor.
  all.push_back(affineNorm("LayerNorm_65536x2048", "layer_norm", "",
                           {65536, 2048}, 2048, "infer", Run::Forward));
  addBatchNorms(all, 128, 64, 112, running);
  return all;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  benchmark::Initialize(&argc, argv);
  static const std::vector<Case> all = cases();
  // Each case next to its oneDNN peers (see registerDnnlPeersOf).
  for (const Case &c : all)
    for (DType dtype : {DType::F32, DType::BF16}) {
      benchmark::RegisterBenchmark(
          (c.name + "/" + dtypeName(dtype)).c_str(),
          [&c, dtype](benchmark::State &s) { runCase(s, c, dtype); })
          ->Arg(1)
          ->Arg(2)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      bench::registerDnnlPeersOf(c.name, dtype == DType::BF16);
    }
  bench::registerUnpairedDnnlPeers();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
