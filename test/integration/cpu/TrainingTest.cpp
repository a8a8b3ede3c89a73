//===- TrainingTest.cpp - Running statistics across train / eval steps ----===//
//
// Training steps update running statistics exactly as PyTorch does
// (momentum, cumulative average, unbiased variance, InstanceNorm batch
// averaging, the ONNX convention), inference uses them, and modes switch
// back and forth. Each step is checked against the float64 reference.
// NaN / Inf propagate as in PyTorch. Tolerances: see Harness.h.
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <cmath>
#include <limits>

using namespace normc;
using namespace normc::test;

namespace {
/// A BatchNorm / InstanceNorm graph with running statistics `@layer`.
std::string runningGraph(const std::string &op, const ref::Shape &shape,
                         int64_t channels, const std::string &running) {
  std::string x = tensorType(shape, DType::F32);
  std::string p = tensorType({channels}, DType::F32);
  return "norm.running_stats @layer : " + p + "\n" + "func.func @f(%x: " + x +
         ", %w: " + p + ", %b: " + p + ") -> " + x + " {\n  %y = norm." + op +
         " %x scale(%w) bias(%b) {epsilon = 1.0e-5 : f64, running = " +
         running + "} : (" + x + ", " + p + ", " + p + ") -> " + x +
         "\n  return %y : " + x + "\n}\n";
}

/// Checks the session's running statistics against `want`.
void expectState(Session &session, const ref::RunningState &want,
                 const std::string &what) {
  StateStore &store = session.state();
  expectClose(toDoubles(store.mean("layer")), want.mean, {1e-6, 1e-5},
              what + " running_mean");
  expectClose(toDoubles(store.var("layer")), want.var, {1e-6, 1e-5},
              what + " running_var");
  EXPECT_EQ(store.count("layer").as<int64_t>()[0], want.count)
      << what << " num_batches_tracked";
}

struct RunningCase {
  std::string name;
  std::string op;
  std::string running;
  std::optional<double> momentum;
  bool onnx = false;
};

/// Names the case in ctest (instead of its bytes).
void PrintTo(const RunningCase &c, std::ostream *os) { *os << c.name; }

class Running : public ::testing::TestWithParam<RunningCase> {};

/// Five training steps, inference, one more training step, inference.
TEST_P(Running, TrainEvalTrainEvalMatchesReference) {
  const RunningCase &c = GetParam();
  ref::Shape shape{4, 3, 5, 5};
  ref::Spec batchSpec;
  batchSpec.params = {1};
  batchSpec.reduce = c.op == "batch_norm" ? std::vector<int64_t>{0, 2, 3}
                                          : std::vector<int64_t>{2, 3};
  ref::Spec evalSpec = batchSpec;
  evalSpec.reduce = {0, 2, 3};
  std::unique_ptr<Session> session = compileSession(
      runningGraph(c.op, shape, 3, c.running), {"train", "infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(7);
  Input w = randomInput(rng, {3}, DType::F32, 1.0, 0.5);
  Input b = randomInput(rng, {3}, DType::F32, 0.0, 0.5);
  ref::RunningState state{{0, 0, 0}, {1, 1, 1}, 0};
  expectState(*session, state, c.name + " initial");
  ref::Shape stats = ref::statsShape(shape, batchSpec);
  int64_t count = ref::countPerStat(shape, batchSpec);

  auto trainStep = [&](int step) {
    ASSERT_FALSE(bool(session->train()));
    Input x = randomInput(rng, shape, DType::F32, 0.5 * step, 1.0 + step);
    auto out = run(*session, {&x, &w, &b});
    ASSERT_EQ(out.size(), 1u);
    ref::Moments batch;
    auto want = ref::normalize(x.values, shape, batchSpec, &w.values, &b.values,
                               &batch);
    expectClose(out[0], want, toleranceFor(DType::F32),
                c.name + " train y step " + std::to_string(step));
    ref::updateRunning(state, batch, stats, batchSpec, count, c.momentum,
                       c.onnx);
    expectState(*session, state, c.name + " step " + std::to_string(step));
  };
  auto evalStep = [&](const std::string &when) {
    ASSERT_FALSE(bool(session->eval()));
    Input x = randomInput(rng, shape, DType::F32, 0.3, 2.0);
    auto out = run(*session, {&x, &w, &b});
    ASSERT_EQ(out.size(), 1u);
    auto want = ref::applyStats(x.values, shape, evalSpec, state.mean,
                                state.var, &w.values, &b.values);
    expectClose(out[0], want, toleranceFor(DType::F32), c.name + " " + when);
    expectState(*session, state, c.name + " unchanged by " + when);
  };
  for (int step = 1; step <= 5; ++step)
    trainStep(step);
  evalStep("eval after 5 steps");
  trainStep(6);
  evalStep("eval after step 6");
}

INSTANTIATE_TEST_SUITE_P(
    Conventions, Running,
    ::testing::Values(
        RunningCase{"bn_momentum", "batch_norm",
                    "#norm.running<@layer, momentum = 1.000000e-01>", 0.1},
        RunningCase{"bn_cumulative", "batch_norm",
                    "#norm.running<@layer, cumulative>", std::nullopt},
        RunningCase{"bn_onnx", "batch_norm",
                    "#norm.running<@layer, momentum = 9.000000e-01, onnx>", 0.9,
                    true},
        RunningCase{"in_momentum", "instance_norm",
                    "#norm.running<@layer, momentum = 3.000000e-01>", 0.3}),
    [](const ::testing::TestParamInfo<RunningCase> &info) {
      return info.param.name;
    });

TEST(Running, GhostBatchNormUpdatesOncePerVirtualBatchInOrder) {
  // N = 8 in virtual batches of 4: statistics per (virtual batch, channel);
  // the running statistics see two updates per step, in batch order.
  ref::Shape shape{8, 3, 2, 2};
  std::string x = tensorType(shape, DType::F32);
  std::string graph =
      "norm.running_stats @layer : tensor<3xf32>\n"
      "func.func @f(%x: " +
      x + ") -> " + x +
      " {\n  %y = norm.batch_norm %x {virtual_batch = 4 : i64, running = "
      "#norm.running<@layer, momentum = 2.000000e-01>} : (" +
      x + ") -> " + x + "\n  return %y : " + x + "\n}\n";
  std::unique_ptr<Session> session = compileSession(graph, {"train", "infer"});
  ASSERT_TRUE(session);
  ref::Spec ghost;
  ghost.reduce = {0, 2, 3};
  ghost.groups = std::make_pair(0, 2);
  ghost.params = {1};
  ref::Spec perBatch = ghost;
  perBatch.groups.reset();
  ref::RunningState state{{0, 0, 0}, {1, 1, 1}, 0};
  std::mt19937_64 rng(21);
  ASSERT_FALSE(bool(session->train()));
  for (int step = 1; step <= 3; ++step) {
    Input in = randomInput(rng, shape, DType::F32, step, 1.0 + step);
    auto out = run(*session, {&in});
    ASSERT_EQ(out.size(), 1u);
    ref::Moments batch;
    auto want =
        ref::normalize(in.values, shape, ghost, nullptr, nullptr, &batch);
    expectClose(out[0], want, toleranceFor(DType::F32),
                "ghost y step " + std::to_string(step));
    for (int k = 0; k < 2; ++k) {
      ref::Moments one;
      one.mean.assign(batch.mean.begin() + 3 * k,
                      batch.mean.begin() + 3 * k + 3);
      one.var.assign(batch.var.begin() + 3 * k, batch.var.begin() + 3 * k + 3);
      ref::updateRunning(state, one, {3}, perBatch, 4 * 2 * 2, 0.2);
    }
    expectState(*session, state, "ghost step " + std::to_string(step));
  }
  ASSERT_FALSE(bool(session->eval()));
  Input in = randomInput(rng, shape, DType::F32);
  auto want =
      ref::applyStats(in.values, shape, perBatch, state.mean, state.var);
  expectClose(run(*session, {&in})[0], want, toleranceFor(DType::F32),
              "ghost eval");
}

TEST(Running, SavedStateRoundTripsThroughNpz) {
  ref::Shape shape{4, 3, 2, 2};
  std::string graph = runningGraph(
      "batch_norm", shape, 3, "#norm.running<@layer, momentum = 1.000000e-01>");
  std::unique_ptr<Session> a = compileSession(graph, {"train", "infer"});
  std::unique_ptr<Session> b = compileSession(graph, {"train", "infer"});
  ASSERT_TRUE(a && b);
  std::mt19937_64 rng(3);
  Input x = randomInput(rng, shape, DType::F32);
  Input w = randomInput(rng, {3}, DType::F32);
  ASSERT_FALSE(bool(a->train()));
  run(*a, {&x, &w, &w});
  std::string path = ::testing::TempDir() + "/normc_state_roundtrip.npz";
  ASSERT_FALSE(bool(a->saveState(path)));
  ASSERT_FALSE(bool(b->loadState(path)));
  EXPECT_EQ(toDoubles(b->state().mean("layer")),
            toDoubles(a->state().mean("layer")));
  EXPECT_EQ(b->state().count("layer").as<int64_t>()[0], 1);
  ASSERT_FALSE(bool(a->eval()));
  ASSERT_FALSE(bool(b->eval()));
  EXPECT_EQ(run(*a, {&x, &w, &w}), run(*b, {&x, &w, &w}));
}

TEST(Running, BatchStatisticsWithoutRunningStatsInBothModes) {
  // track_running_stats = False: eval normalizes with batch statistics too.
  ref::Shape shape{4, 3, 3};
  std::string x = tensorType(shape, DType::F32);
  std::string graph = "func.func @f(%x: " + x + ") -> " + x +
                      " {\n  %y = norm.batch_norm %x : (" + x + ") -> " + x +
                      "\n  return %y : " + x + "\n}\n";
  std::unique_ptr<Session> session = compileSession(graph, {"train", "infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(5);
  Input in = randomInput(rng, shape, DType::F32, 2.0, 3.0);
  ref::Spec spec;
  spec.reduce = {0, 2};
  spec.params = {1};
  auto want = ref::normalize(in.values, shape, spec);
  for (bool train : {true, false, true}) {
    ASSERT_FALSE(bool(train ? session->train() : session->eval()));
    expectClose(run(*session, {&in})[0], want, toleranceFor(DType::F32),
                train ? "train" : "eval");
  }
}

TEST(Running, OneValuePerChannelInTrainingIsAnError) {
  std::string graph =
      runningGraph("batch_norm", {1, 3}, 3,
                   "#norm.running<@layer, momentum = 1.000000e-01>");
  auto executable = jitCompileSource(graph, "one.mlir", {"train"});
  ASSERT_FALSE(bool(executable));
  std::string message = llvm::toString(executable.takeError());
  EXPECT_NE(message.find("Expected more than 1 value per channel when "
                         "training"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("one.mlir:3:"), std::string::npos) << message;
  // Inference with the same graph is fine.
  EXPECT_TRUE(bool(jitCompileSource(graph, "one.mlir", {"infer"})));
}

/// LayerNorm of `in` ([3, n], `dtype`), whose row 0 holds a NaN and row 2
/// an Inf: those rows come out all NaN, as in PyTorch, and row 1 matches
/// the reference.
void expectPoisonedRows(const Input &in, const ref::Shape &shape, DType dtype) {
  std::string x = tensorType(shape, dtype);
  std::string graph = "func.func @f(%x: " + x + ") -> " + x +
                      " {\n  %y = norm.layer_norm %x : (" + x + ") -> " + x +
                      "\n  return %y : " + x + "\n}\n";
  std::unique_ptr<Session> session = compileSession(graph, {"infer"});
  ASSERT_TRUE(session);
  auto got = run(*session, {&in});
  ASSERT_EQ(got.size(), 1u);
  int64_t n = shape[1];
  ref::Spec spec;
  spec.reduce = {1};
  auto want = ref::normalize(in.values, shape, spec);
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(std::isnan(got[0][i])) << i;
    EXPECT_TRUE(std::isnan(got[0][2 * n + i])) << 2 * n + i;
    EXPECT_TRUE(std::isnan(want[i]) && std::isnan(want[2 * n + i]));
  }
  expectClose(std::vector<double>(got[0].begin() + n, got[0].begin() + 2 * n),
              std::vector<double>(want.begin() + n, want.begin() + 2 * n),
              toleranceFor(dtype), "finite row");
}

TEST(NaNInf, PropagateLikePyTorch) {
  // LayerNorm rows: a NaN poisons its row only; +Inf makes its row NaN.
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  ref::Shape shape{3, 5};
  expectPoisonedRows(
      makeInput({1, 2, nan, 4, 5, 1, 2, 3, 4, 5, 1, inf, 3, 4, 5}, shape,
                DType::F32),
      shape, DType::F32);
}

TEST(NaNInf, PropagateThroughBf16Vectors) {
  // bf16 rows of 40: the cost model's rows kernel with vectors (even_odd
  // without native bf16 conversion); a NaN in an odd lane, an Inf in an
  // even one.
  ref::Shape shape{3, 40};
  std::mt19937_64 rng(5);
  std::vector<double> values = randomInput(rng, shape, DType::BF16).values;
  values[17] = std::numeric_limits<double>::quiet_NaN();
  values[80 + 30] = std::numeric_limits<double>::infinity();
  expectPoisonedRows(makeInput(values, shape, DType::BF16), shape, DType::BF16);
}

TEST(NaNInf, Bf16NaNIsPyTorchQuietNaN) {
  // Every NaN written as bf16 is 0x7FC0, what c10::BFloat16 rounds a NaN
  // to, whatever the NaN's sign and payload (here -NaN with a payload).
  ref::Shape shape{2, 40};
  std::string x = tensorType(shape, DType::BF16);
  std::string graph = "func.func @f(%x: " + x + ") -> " + x +
                      " {\n  %y = norm.layer_norm %x : (" + x + ") -> " + x +
                      "\n  return %y : " + x + "\n}\n";
  std::unique_ptr<Session> session = compileSession(graph, {"infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(9);
  Input in = randomInput(rng, shape, DType::BF16);
  in.array.as<uint16_t>()[3] = 0xFFC1;
  auto out = session->forward({&in.array});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  const uint16_t *y = (*out)[0]->as<uint16_t>();
  // With AVX512-BF16 the conversion is vcvtneps2bf16's, which keeps the
  // NaN's sign and payload.
  bool native = llvm::sys::getHostCPUFeatures().lookup("avx512bf16");
  for (int i = 0; i < 40; ++i) {
    if (native)
      EXPECT_EQ(y[i] & 0x7F80, 0x7F80) << i;
    else
      EXPECT_EQ(y[i], 0x7FC0) << i;
  }
  EXPECT_FALSE(std::isnan(toDoubles(*(*out)[0])[40]));
}

TEST(NaNInf, ActivationsPropagateNaN) {
  ref::Shape shape{4};
  std::string x = tensorType(shape, DType::F32);
  const std::pair<const char *, ref::Activation> kinds[] = {
      {"relu", ref::Activation::Relu},
      {"relu6", ref::Activation::Relu6},
      {"leaky_relu", ref::Activation::LeakyRelu},
      {"gelu_erf", ref::Activation::GeluErf},
      {"gelu_tanh", ref::Activation::GeluTanh},
      {"silu", ref::Activation::Silu},
      {"sigmoid", ref::Activation::Sigmoid},
      {"tanh", ref::Activation::Tanh}};
  double nan = std::numeric_limits<double>::quiet_NaN();
  Input in = makeInput({-2.5, nan, 0.75, 7.0}, shape, DType::F32);
  for (auto [name, kind] : kinds) {
    std::string graph = "func.func @f(%x: " + x + ") -> " + x +
                        " {\n  %y = norm.activation " + name + " %x : " + x +
                        "\n  return %y : " + x + "\n}\n";
    std::unique_ptr<Session> session = compileSession(graph, {"infer"});
    ASSERT_TRUE(session);
    expectClose(run(*session, {&in})[0], ref::activate(kind, in.values),
                {1e-6, 1e-6}, name);
  }
}
} // namespace
