//===- BackwardTest.cpp - Compiled backward entries vs finite differences -===//
//
// Graphs of normalizations, activations and residual adds compiled in f64
// with their backward entries; for a random output gradient g and a random
// direction v over all inputs, the directional derivative of <f(theta), g>
// by central differences (h = 1e-5, float64) must match the backward
// gradients dotted with v to 1e-6 relative. Training (batch statistics) and
// inference (running statistics as constants) backward are both checked.
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

#include <cmath>

using namespace normc;
using namespace normc::test;

namespace {
struct BackwardCase {
  std::string name;
  std::string body; // ops producing %out from %x, %r, %w, %b
  ref::Shape shape;
  int64_t channels;
  std::string mode = "train";
  std::string state; // a norm.running_stats declaration, if any
};

std::string backwardGraph(const BackwardCase &c) {
  std::string x = tensorType(c.shape, DType::F64);
  std::string p = tensorType({c.channels}, DType::F64);
  std::string body = c.body;
  for (auto [from, to] :
       {std::pair<std::string, std::string>{"$X", x}, {"$P", p}})
    for (size_t at; (at = body.find(from)) != std::string::npos;)
      body.replace(at, from.size(), to);
  return c.state + "func.func @f(%x: " + x + ", %r: " + x + ", %w: " + p +
         ", %b: " + p + ") -> " + x + " {\n" + body + "  return %out : " + x +
         "\n}\n";
}

std::vector<BackwardCase> backwardCases() {
  const char *bnState = "norm.running_stats @bn : tensor<3xf64>\n";
  return {
      {"ln_gelu_residual",
       "  %a = norm.add %x, %r : $X\n"
       "  %n = norm.layer_norm %a scale(%w) bias(%b) : ($X, $P, $P) -> $X\n"
       "  %g = norm.activation gelu_tanh %n : $X\n"
       "  %out = norm.add %g, %x : $X\n",
       {4, 6},
       6},
      {"bn_relu_residual_train",
       "  %n = norm.batch_norm %x scale(%w) bias(%b) {running = "
       "#norm.running<@bn, momentum = 1.000000e-01>} : ($X, $P, $P) -> $X\n"
       "  %a = norm.activation relu %n : $X\n"
       "  %out = norm.add %a, %r : $X\n",
       {4, 3, 2, 2},
       3,
       "train",
       bnState},
      {"bn_relu_residual_infer",
       "  %n = norm.batch_norm %x scale(%w) bias(%b) {running = "
       "#norm.running<@bn, momentum = 1.000000e-01>} : ($X, $P, $P) -> $X\n"
       "  %a = norm.activation relu %n : $X\n"
       "  %out = norm.add %a, %r : $X\n",
       {4, 3, 2, 2},
       3,
       "infer",
       bnState},
      {"rms_zero_centered_offset",
       "  %a = norm.add %x, %r : $X\n"
       "  %out = norm.rms_norm %a scale(%w) bias(%b) {zero_centered_scale} : "
       "($X, $P, $P) -> $X\n",
       {3, 8},
       8},
      {"gn_silu",
       "  %n = norm.group_norm %x scale(%w) bias(%b) {num_groups = 2 : i64} : "
       "($X, $P, $P) -> $X\n"
       "  %s = norm.activation silu %n : $X\n"
       "  %out = norm.add %s, %r : $X\n",
       {2, 4, 3, 3},
       4},
      {"in_sigmoid",
       "  %n = norm.instance_norm %x scale(%w) bias(%b) : ($X, $P, $P) -> $X\n"
       "  %s = norm.activation sigmoid %n : $X\n"
       "  %out = norm.add %s, %r : $X\n",
       {2, 3, 5},
       3},
      {"ghost_bn_leaky",
       "  %n = norm.batch_norm %x scale(%w) bias(%b) {virtual_batch = 2 : "
       "i64} : ($X, $P, $P) -> $X\n"
       "  %s = norm.activation leaky_relu %n {alpha = 2.000000e-01 : f64} : "
       "$X\n"
       "  %out = norm.add %s, %r : $X\n",
       {4, 3, 3},
       3},
      {"ln_chain",
       "  %n = norm.layer_norm %x : ($X) -> $X\n"
       "  %e = norm.activation gelu_erf %n : $X\n"
       "  %t = norm.activation tanh %e : $X\n"
       "  %q = norm.activation relu6 %t : $X\n"
       "  %a = norm.add %q, %r : $X\n"
       "  %out = norm.rms_norm %a scale(%w) bias(%b) : ($X, $P, $P) -> $X\n",
       {3, 5},
       5},
  };
}

/// Expects the backward gradients of `session` at `theta`, dotted with
/// `direction`, to match the central difference of <forward, g> along it.
void expectDirectionalDerivative(Session &session,
                                 const std::vector<ref::Shape> &shapes,
                                 const std::vector<Input> &theta,
                                 const std::vector<Input> &direction,
                                 const Input &g, const std::string &what) {
  auto loss = [&](double h) {
    std::vector<Input> shifted;
    std::vector<const Input *> ptrs;
    for (size_t i = 0; i < theta.size(); ++i) {
      std::vector<double> v = theta[i].values;
      for (size_t k = 0; k < v.size(); ++k)
        v[k] += h * direction[i].values[k];
      shifted.push_back(makeInput(v, shapes[i], DType::F64));
    }
    for (const Input &in : shifted)
      ptrs.push_back(&in);
    std::vector<double> y = run(session, ptrs)[0];
    double sum = 0;
    for (size_t k = 0; k < y.size(); ++k)
      sum += y[k] * g.values[k];
    return sum;
  };
  const double h = 1e-5;
  double numeric = (loss(h) - loss(-h)) / (2 * h);
  // The training backward uses the statistics saved by the last forward
  // step: run it at theta.
  std::vector<const Input *> at;
  for (const Input &in : theta)
    at.push_back(&in);
  run(session, at);
  std::vector<const Array *> inputs;
  for (const Input &in : theta)
    inputs.push_back(&in.array);
  auto grads = session.backward(inputs, {&g.array});
  ASSERT_TRUE(bool(grads)) << llvm::toString(grads.takeError());
  ASSERT_EQ(grads->size(), theta.size());
  double analytic = 0;
  for (size_t i = 0; i < grads->size(); ++i) {
    std::vector<double> grad = toDoubles(*(*grads)[i]);
    for (size_t k = 0; k < grad.size(); ++k)
      analytic += grad[k] * direction[i].values[k];
  }
  EXPECT_NEAR(analytic, numeric, 1e-6 * (1 + std::fabs(numeric))) << what;
}

/// Names the case in ctest (instead of its bytes).
void PrintTo(const BackwardCase &c, std::ostream *os) { *os << c.name; }

class Backward : public ::testing::TestWithParam<BackwardCase> {};

TEST_P(Backward, MatchesCentralDifferences) {
  const BackwardCase &c = GetParam();
  std::unique_ptr<Session> session =
      compileSession(backwardGraph(c), {"train", "infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(std::hash<std::string>()(c.name));
  std::vector<ref::Shape> shapes{c.shape, c.shape, {c.channels}, {c.channels}};
  std::vector<Input> theta, direction;
  for (const ref::Shape &s : shapes) {
    theta.push_back(randomInput(rng, s, DType::F64, 0.3, 1.5));
    direction.push_back(randomInput(rng, s, DType::F64));
  }
  Input g = randomInput(rng, c.shape, DType::F64);
  // Give inference non-trivial running statistics first.
  ASSERT_FALSE(bool(session->train()));
  for (int step = 0; step < 2; ++step) {
    Input warm = randomInput(rng, c.shape, DType::F64, 1.0, 2.0);
    run(*session, {&warm, &theta[1], &theta[2], &theta[3]});
  }
  ASSERT_FALSE(bool(c.mode == "train" ? session->train() : session->eval()));
  expectDirectionalDerivative(*session, shapes, theta, direction, g,
                              c.name + " (" + c.mode + ")");
}

INSTANTIATE_TEST_SUITE_P(
    Graphs, Backward, ::testing::ValuesIn(backwardCases()),
    [](const ::testing::TestParamInfo<BackwardCase> &info) {
      return info.param.name;
    });

TEST(Backward, TrainingBackwardLeavesRunningStatisticsAlone) {
  BackwardCase c = backwardCases()[1];
  std::unique_ptr<Session> session =
      compileSession(backwardGraph(c), {"train"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(4);
  Input x = randomInput(rng, c.shape, DType::F64);
  Input w = randomInput(rng, {3}, DType::F64);
  ASSERT_FALSE(bool(session->train()));
  run(*session, {&x, &x, &w, &w});
  std::vector<double> mean = toDoubles(session->state().mean("bn"));
  EXPECT_EQ(session->state().count("bn").as<int64_t>()[0], 1);
  auto grads =
      session->backward({&x.array, &x.array, &w.array, &w.array}, {&x.array});
  ASSERT_TRUE(bool(grads)) << llvm::toString(grads.takeError());
  EXPECT_EQ(toDoubles(session->state().mean("bn")), mean);
  EXPECT_EQ(session->state().count("bn").as<int64_t>()[0], 1);
}

TEST(Backward, TrainingBackwardNeedsAForwardStep) {
  BackwardCase c = backwardCases()[0];
  std::unique_ptr<Session> session =
      compileSession(backwardGraph(c), {"train"});
  ASSERT_TRUE(session);
  ASSERT_FALSE(bool(session->train()));
  std::mt19937_64 rng(9);
  Input x = randomInput(rng, c.shape, DType::F64);
  Input w = randomInput(rng, {c.channels}, DType::F64);
  auto grads =
      session->backward({&x.array, &x.array, &w.array, &w.array}, {&x.array});
  ASSERT_FALSE(bool(grads));
  std::string message = llvm::toString(grads.takeError());
  EXPECT_NE(message.find("run forward in training mode first"),
            std::string::npos)
      << message;
}
} // namespace

namespace {
/// Central-difference check of the backward entry of `graph` (f64, one
/// output of shape `outShape`) with inputs of `shapes`.
void checkDirectionalDerivative(const std::string &graph,
                                const std::vector<ref::Shape> &shapes,
                                const ref::Shape &outShape,
                                const std::string &what) {
  std::unique_ptr<Session> session = compileSession(graph, {"train"});
  ASSERT_TRUE(session);
  ASSERT_FALSE(bool(session->train()));
  std::mt19937_64 rng(std::hash<std::string>()(what));
  std::vector<Input> theta, direction;
  for (const ref::Shape &s : shapes) {
    theta.push_back(randomInput(rng, s, DType::F64, 0.2, 1.0));
    direction.push_back(randomInput(rng, s, DType::F64));
  }
  Input g = randomInput(rng, outShape, DType::F64);
  expectDirectionalDerivative(*session, shapes, theta, direction, g, what);
}

TEST(Backward, ConvolutionsMatchCentralDifferences) {
  // NCHW: stride 2, dilation 2, asymmetric padding, 2 groups, bias, then
  // BatchNorm and ReLU.
  checkDirectionalDerivative(
      "func.func @f(%x: tensor<2x4x9x8xf64>, %w: tensor<6x2x3x2xf64>, "
      "%b: tensor<6xf64>, %g: tensor<6xf64>) -> tensor<2x6x3x5xf64> {\n"
      "  %c = norm.conv2d nchw %x, %w bias(%b) {strides = array<i64: 2, 2>, "
      "dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 2>, "
      "groups = 2 : i64} : (tensor<2x4x9x8xf64>, tensor<6x2x3x2xf64>, "
      "tensor<6xf64>) -> tensor<2x6x3x5xf64>\n"
      "  %n = norm.batch_norm %c scale(%g) : (tensor<2x6x3x5xf64>, "
      "tensor<6xf64>) -> tensor<2x6x3x5xf64>\n"
      "  %out = norm.activation relu %n : tensor<2x6x3x5xf64>\n"
      "  return %out : tensor<2x6x3x5xf64>\n}\n",
      {{2, 4, 9, 8}, {6, 2, 3, 2}, {6}, {6}}, {2, 6, 3, 5}, "conv nchw");
  // NHWC depthwise 3x3, padding 1, then GroupNorm.
  checkDirectionalDerivative(
      "func.func @f(%x: tensor<2x6x6x4xf64>, %w: tensor<3x3x1x4xf64>, "
      "%g: tensor<4xf64>) -> tensor<2x6x6x4xf64> {\n"
      "  %c = norm.conv2d nhwc %x, %w {padding = array<i64: 1, 1, 1, 1>, "
      "groups = 4 : i64} : (tensor<2x6x6x4xf64>, tensor<3x3x1x4xf64>) -> "
      "tensor<2x6x6x4xf64>\n"
      "  %out = norm.group_norm %c scale(%g) {num_groups = 2 : i64, "
      "channel_axis = 3 : i64} : (tensor<2x6x6x4xf64>, tensor<4xf64>) -> "
      "tensor<2x6x6x4xf64>\n"
      "  return %out : tensor<2x6x6x4xf64>\n}\n",
      {{2, 6, 6, 4}, {3, 3, 1, 4}, {4}}, {2, 6, 6, 4}, "conv nhwc depthwise");
  // Stride that leaves input rows unused (9 rows, kernel 3, stride 3 with
  // padding 0 reads rows 0..8; 10 rows leave the last one with a zero
  // gradient).
  checkDirectionalDerivative(
      "func.func @f(%x: tensor<1x2x10x7xf64>, %w: tensor<3x2x3x3xf64>) -> "
      "tensor<1x3x3x2xf64> {\n"
      "  %out = norm.conv2d nchw %x, %w {strides = array<i64: 3, 3>} : "
      "(tensor<1x2x10x7xf64>, tensor<3x2x3x3xf64>) -> tensor<1x3x3x2xf64>\n"
      "  return %out : tensor<1x3x3x2xf64>\n}\n",
      {{1, 2, 10, 7}, {3, 2, 3, 3}}, {1, 3, 3, 2}, "conv uneven stride");
}
} // namespace
