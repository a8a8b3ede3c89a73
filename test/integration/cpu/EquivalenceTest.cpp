//===- EquivalenceTest.cpp - Norms that must agree with each other --------===//
//
// Compiled GroupNorm with one group equals LayerNorm over (C, H, W); compiled
// GroupNorm with C groups equals InstanceNorm (same affine parameters); and
// f16 activations around 1e3-6e4, whose f16 variance would overflow 65504,
// normalize correctly with f32 statistics. Tolerance: f32 2e-5 (Harness.h);
// f16 2e-3 plus the f16 rounding of the inputs' deviations.
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

using namespace normc;
using namespace normc::test;

namespace {
/// A graph applying `op` with `attrs` and per-channel scale and bias.
std::string channelGraph(const std::string &op, const std::string &attrs,
                         const ref::Shape &shape, DType dtype) {
  std::string x = tensorType(shape, dtype);
  std::string p = tensorType({shape[1]}, dtype);
  return "func.func @f(%x: " + x + ", %w: " + p + ", %b: " + p + ") -> " + x +
         " {\n  %y = norm." + op + " %x scale(%w) bias(%b) {" + attrs +
         "} : (" + x + ", " + p + ", " + p + ") -> " + x +
         "\n  return %y : " + x + "\n}\n";
}

/// LayerNorm over (C, H, W) with the per-channel affine applied after it.
std::string layerNormThenAffine(const ref::Shape &shape) {
  std::string x = tensorType(shape, DType::F32);
  std::string p = tensorType({shape[1]}, DType::F32);
  return "func.func @f(%x: " + x + ", %w: " + p + ", %b: " + p + ") -> " + x +
         " {\n  %y = norm.normalize %x over [1, 2, 3] params [1] scale(%w) "
         "bias(%b) : (" +
         x + ", " + p + ", " + p + ") -> " + x + "\n  return %y : " + x +
         "\n}\n";
}

std::vector<double> runGraph(const std::string &graph,
                             const std::vector<const Input *> &inputs) {
  std::unique_ptr<Session> session = compileSession(graph, {"infer"});
  if (!session)
    return {};
  auto out = run(*session, inputs);
  return out.empty() ? std::vector<double>() : out[0];
}

TEST(Equivalence, GroupNormWithOneGroupIsLayerNormOverCHW) {
  ref::Shape shape{2, 6, 4, 5};
  std::mt19937_64 rng(11);
  Input x = randomInput(rng, shape, DType::F32, 1.0, 2.0);
  Input w = randomInput(rng, {6}, DType::F32, 1.0, 0.5);
  Input b = randomInput(rng, {6}, DType::F32);
  auto gn = runGraph(
      channelGraph("group_norm", "num_groups = 1 : i64", shape, DType::F32),
      {&x, &w, &b});
  auto ln = runGraph(layerNormThenAffine(shape), {&x, &w, &b});
  expectClose(gn, ln, toleranceFor(DType::F32), "GroupNorm(1) vs LayerNorm");
}

TEST(Equivalence, GroupNormWithChannelGroupsIsInstanceNorm) {
  for (ref::Shape shape : {ref::Shape{2, 6, 4, 5}, ref::Shape{3, 4, 9}}) {
    std::mt19937_64 rng(shape.size());
    Input x = randomInput(rng, shape, DType::F32, -1.0, 3.0);
    Input w = randomInput(rng, {shape[1]}, DType::F32, 1.0, 0.5);
    Input b = randomInput(rng, {shape[1]}, DType::F32);
    auto gn = runGraph(
        channelGraph("group_norm",
                     "num_groups = " + std::to_string(shape[1]) + " : i64",
                     shape, DType::F32),
        {&x, &w, &b});
    auto in = runGraph(channelGraph("instance_norm", "channel_axis = 1 : i64",
                                    shape, DType::F32),
                       {&x, &w, &b});
    expectClose(gn, in, toleranceFor(DType::F32),
                "GroupNorm(C) vs InstanceNorm, rank " +
                    std::to_string(shape.size()));
  }
}

TEST(MixedPrecision, HalfActivationsUpTo6e4KeepF32Statistics) {
  // Values around 1e3..6e4: squares overflow f16 (max 65504), so statistics
  // computed in f16 would be Inf / NaN. With f32 statistics the output is
  // the reference's up to f16 output rounding.
  ref::Shape shape{4, 3, 8, 8};
  for (double mean : {1e3, 2e4, 6e4}) {
    std::mt19937_64 rng(static_cast<uint64_t>(mean));
    Input x = randomInput(rng, shape, DType::F16, mean, mean / 50.0);
    Input w = randomInput(rng, {3}, DType::F16, 1.0, 0.25);
    Input b = randomInput(rng, {3}, DType::F16, 0.0, 0.25);
    for (const char *op : {"batch_norm", "instance_norm"}) {
      auto got = runGraph(
          channelGraph(op, "channel_axis = 1 : i64", shape, DType::F16),
          {&x, &w, &b});
      ref::Spec spec;
      spec.reduce = std::string(op) == "batch_norm"
                        ? std::vector<int64_t>{0, 2, 3}
                        : std::vector<int64_t>{2, 3};
      spec.params = {1};
      auto want = ref::normalize(x.values, shape, spec, &w.values, &b.values);
      for (double v : got)
        ASSERT_TRUE(std::isfinite(v)) << op << " at mean " << mean;
      // The f32 mean of f16 data near 6e4 is exact to ~2e-3 of a std.
      expectClose(got, want, {5e-3, 5e-3},
                  std::string(op) + " f16 mean " + std::to_string(mean));
    }
  }
}
} // namespace
