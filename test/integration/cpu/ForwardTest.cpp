//===- ForwardTest.cpp - Compiled normalizations vs the float64 reference -===//
//
// Every named normalization compiled for the CPU (JIT) and compared with the
// float64 reference over a matrix of layouts (NCHW, NHWC, 1-D sequences, 3-D
// volumes), reduction sizes (1, 2, 3, 17, 1000, 1000003), affine on and off,
// dtypes (f32, f64, f16, bf16) and inputs with a large mean. The saved mean
// and rstd are compared too: they expose any loss in the statistics.
// Tolerances: see Harness.h.
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

#include <cmath>

using namespace normc;
using namespace normc::test;

namespace {
/// One forward case: a named op on one input shape.
struct ForwardCase {
  std::string name;
  std::string op;    // named op mnemonic
  std::string attrs; // extra attributes, without braces
  ref::Shape shape;
  DType dtype = DType::F32;
  bool affine = true;
  ref::Spec spec;
  double inputMean = 0.0;
  /// The op uses (1 + scale) (zero_centered_scale).
  bool zeroCentered = false;
};

std::vector<int64_t> allBut(int64_t rank, std::vector<int64_t> skip) {
  std::vector<int64_t> axes;
  for (int64_t a = 0; a < rank; ++a)
    if (std::find(skip.begin(), skip.end(), a) == skip.end())
      axes.push_back(a);
  return axes;
}

/// A case of `op` with `attrs`; the caller fills in the reference spec.
ForwardCase makeCase(std::string name, std::string op, std::string attrs,
                     ref::Shape shape, DType dtype, bool affine) {
  ForwardCase c;
  c.name = std::move(name);
  c.op = std::move(op);
  c.attrs = std::move(attrs);
  c.shape = std::move(shape);
  c.dtype = dtype;
  c.affine = affine;
  return c;
}

ForwardCase layerNorm(std::string name, ref::Shape shape, int64_t k,
                      DType dtype = DType::F32, bool affine = true) {
  ForwardCase c = makeCase(name, "layer_norm",
                           "normalized_rank = " + std::to_string(k) + " : i64",
                           shape, dtype, affine);
  int64_t rank = shape.size();
  for (int64_t a = rank - k; a < rank; ++a)
    c.spec.reduce.push_back(a);
  c.spec.params = c.spec.reduce;
  return c;
}

ForwardCase rmsNorm(std::string name, ref::Shape shape,
                    DType dtype = DType::F32, bool affine = true) {
  ForwardCase c = layerNorm(name, shape, 1, dtype, affine);
  c.op = "rms_norm";
  c.spec.center = false;
  return c;
}

ForwardCase batchNorm(std::string name, ref::Shape shape, int64_t channel,
                      DType dtype = DType::F32, bool affine = true) {
  ForwardCase c =
      makeCase(name, "batch_norm",
               "channel_axis = " + std::to_string(channel) + " : i64", shape,
               dtype, affine);
  c.spec.reduce = allBut(shape.size(), {channel});
  c.spec.params = {channel};
  return c;
}

ForwardCase groupNorm(std::string name, ref::Shape shape, int64_t groups,
                      int64_t channel, DType dtype = DType::F32,
                      bool affine = true) {
  ForwardCase c = makeCase(
      name, "group_norm",
      "num_groups = " + std::to_string(groups) +
          " : i64, channel_axis = " + std::to_string(channel) + " : i64",
      shape, dtype, affine);
  c.spec.reduce = allBut(shape.size(), {0});
  c.spec.groups = std::make_pair(channel, groups);
  c.spec.params = {channel};
  return c;
}

ForwardCase instanceNorm(std::string name, ref::Shape shape, int64_t channel,
                         DType dtype = DType::F32, bool affine = true) {
  ForwardCase c =
      makeCase(name, "instance_norm",
               "channel_axis = " + std::to_string(channel) + " : i64", shape,
               dtype, affine);
  c.spec.reduce = allBut(shape.size(), {0, channel});
  c.spec.params = {channel};
  return c;
}

ForwardCase zeroCentered(ForwardCase c) {
  c.zeroCentered = true;
  c.attrs += ", zero_centered_scale";
  c.name += "_zero_centered";
  return c;
}

ForwardCase withMean(ForwardCase c, double mean) {
  c.inputMean = mean;
  c.name += "_mean" + std::to_string(static_cast<int64_t>(mean));
  return c;
}

std::vector<ForwardCase> forwardCases() {
  using D = DType;
  return {
      // LayerNorm: reduction sizes 1, 2, 3, 17, 1000, 1000003; 2 axes.
      layerNorm("ln_d1", {4, 1}, 1),
      layerNorm("ln_d2", {4, 2}, 1, D::F32, false),
      layerNorm("ln_d3", {5, 3}, 1),
      layerNorm("ln_d17", {3, 17}, 1),
      layerNorm("ln_d1000", {4, 1000}, 1, D::F32, false),
      withMean(layerNorm("ln_d1000003", {2, 1000003}, 1), 1e4),
      layerNorm("ln_two_axes", {2, 5, 17}, 2),
      layerNorm("ln_f64", {3, 17}, 1, D::F64),
      layerNorm("ln_f16", {4, 1000}, 1, D::F16),
      withMean(layerNorm("ln_f16_large", {4, 1000}, 1, D::F16), 3e4),
      layerNorm("ln_bf16", {4, 1000}, 1, D::BF16),
      layerNorm("ln_bf16_no_affine", {3, 1001}, 1, D::BF16, false),
      // RMSNorm.
      rmsNorm("rms_d17", {4, 17}),
      rmsNorm("rms_d1", {3, 1}, D::F32, false),
      withMean(rmsNorm("rms_d1000003", {1, 1000003}), 1e4),
      rmsNorm("rms_bf16", {2, 4096}, D::BF16),
      rmsNorm("rms_f16", {2, 1024}, D::F16, false),
      zeroCentered(rmsNorm("rms_gemma", {3, 256})),
      zeroCentered(layerNorm("ln", {3, 256}, 1)),
      // BatchNorm (batch statistics): NCHW, NHWC, 1-D, 3-D, sizes 1 and 2.
      batchNorm("bn_nchw", {4, 3, 5, 7}, 1),
      batchNorm("bn_nhwc", {4, 5, 7, 3}, 3, D::F32, false),
      batchNorm("bn_1d_nc", {8, 6}, 1),
      batchNorm("bn_1d_ncl", {4, 3, 17}, 1),
      batchNorm("bn_3d", {2, 3, 4, 5, 6}, 1),
      batchNorm("bn_size1", {1, 3}, 1),
      batchNorm("bn_size2", {2, 3}, 1, D::F32, false),
      withMean(batchNorm("bn_1000003", {1000003, 2}, 1), 1e4),
      batchNorm("bn_f16", {8, 4, 6, 6}, 1, D::F16),
      batchNorm("bn_bf16_nhwc", {8, 6, 6, 4}, 3, D::BF16),
      batchNorm("bn_f64", {4, 3, 5}, 1, D::F64),
      // GroupNorm: groups 1, 2, 3, C; NHWC; 1-D.
      groupNorm("gn_g1", {2, 6, 4, 4}, 1, 1),
      groupNorm("gn_g2", {2, 6, 4, 4}, 2, 1, D::F32, false),
      groupNorm("gn_g3", {2, 6, 4, 4}, 3, 1),
      groupNorm("gn_gc", {2, 6, 4, 4}, 6, 1),
      groupNorm("gn_nhwc", {2, 4, 4, 6}, 3, 3),
      groupNorm("gn_1d", {2, 6, 17}, 2, 1),
      groupNorm("gn_bf16", {2, 8, 5, 5}, 4, 1, D::BF16),
      withMean(groupNorm("gn_large", {2, 4, 16, 16}, 2, 1), 1e4),
      // InstanceNorm: NCHW, NHWC, 1-D, 3-D.
      instanceNorm("in_nchw", {2, 3, 5, 5}, 1),
      instanceNorm("in_nhwc", {2, 5, 5, 3}, 3, D::F32, false),
      instanceNorm("in_1d", {2, 3, 17}, 1),
      instanceNorm("in_3d", {1, 2, 3, 4, 5}, 1),
      instanceNorm("in_f16", {2, 4, 8, 8}, 1, D::F16),
      instanceNorm("in_f64", {2, 3, 4, 4}, 1, D::F64),
  };
}

/// The graph of one case: the named op returning y, mean and rstd.
std::string forwardGraph(const ForwardCase &c) {
  ref::Shape stats = ref::statsShape(c.shape, c.spec);
  ref::Shape params = ref::paramShape(c.shape, c.spec);
  std::string x = tensorType(c.shape, c.dtype);
  std::string p = tensorType(params, c.dtype);
  DType statsType = c.dtype == DType::F64 ? DType::F64 : DType::F32;
  std::string s = tensorType(stats, statsType);
  std::string args = "%x: " + x, operands, types = x;
  if (c.affine) {
    args += ", %w: " + p + ", %b: " + p;
    operands = " scale(%w) bias(%b)";
    types += ", " + p + ", " + p;
  }
  std::string results = x + ", " + s + ", " + s;
  return "func.func @f(" + args + ") -> (" + results + ") {\n" +
         "  %y, %m, %r = norm." + c.op + " %x" + operands + " {" + c.attrs +
         ", epsilon = 1.0e-5 : f64} : (" + types + ") -> (" + results +
         ")\n  return %y, %m, %r : " + results + "\n}\n";
}

/// Names the case in ctest (instead of its bytes).
void PrintTo(const ForwardCase &c, std::ostream *os) { *os << c.name; }

class Forward : public ::testing::TestWithParam<ForwardCase> {};

TEST_P(Forward, MatchesFloat64Reference) {
  const ForwardCase &c = GetParam();
  std::unique_ptr<Session> session = compileSession(forwardGraph(c), {"infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(std::hash<std::string>()(c.name));
  ref::Shape params = ref::paramShape(c.shape, c.spec);
  Input x = randomInput(rng, c.shape, c.dtype, c.inputMean, 1.0);
  Input w = randomInput(rng, params, c.dtype, 1.0, 0.5);
  Input b = randomInput(rng, params, c.dtype, 0.0, 0.5);
  std::vector<const Input *> inputs{&x};
  if (c.affine)
    inputs = {&x, &w, &b};
  auto outputs = run(*session, inputs);
  ASSERT_EQ(outputs.size(), 3u);

  ref::Moments saved;
  std::vector<double> scale = w.values;
  if (c.zeroCentered)
    for (double &v : scale)
      v += 1.0;
  std::vector<double> want =
      ref::normalize(x.values, c.shape, c.spec, c.affine ? &scale : nullptr,
                     c.affine ? &b.values : nullptr, &saved);
  Tolerance tol = toleranceFor(c.dtype);
  if (c.inputMean != 0.0 && c.dtype == DType::F32)
    tol.atol = 2e-3; // see Harness.h: the f32 mean of 1e4 + N(0,1)
  if (c.inputMean != 0.0 && c.dtype == DType::F16)
    tol = {2e-2, 2e-2}; // f16 at 3e4 has an ulp of 16 (8 for the mean)
  expectClose(outputs[0], want, tol, c.name + " y");
  if (c.spec.center)
    expectClose(outputs[1], saved.mean, {1e-6, 1e-6}, c.name + " mean");
  expectClose(outputs[2], saved.rstd, {0.0, 1e-4}, c.name + " rstd");
}

INSTANTIATE_TEST_SUITE_P(AllNorms, Forward, ::testing::ValuesIn(forwardCases()),
                         [](const ::testing::TestParamInfo<ForwardCase> &info) {
                           return info.param.name;
                         });
} // namespace
