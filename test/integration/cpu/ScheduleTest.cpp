//===- ScheduleTest.cpp - Every CPU kernel schedule against the reference -===//
//
// The cost model picks one schedule per op; a tuner may pick any other. Each
// case here fixes a #norm.cpu_schedule by hand (both loop structures, vector
// widths 4/8/16, unroll 1 and 3, tiny f32 blocks, row chunks that do not
// divide the rows, streaming stores with unaligned spans) on odd shapes, a
// large mean and a fused residual add + ReLU, and checks the outputs and
// the statistics against the float64 reference (tolerances: Harness.h).
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

#include <algorithm>
#include <optional>

using namespace normc;
using namespace normc::test;

namespace {
struct ScheduleCase {
  std::string name;
  ref::Shape shape;
  std::vector<int64_t> reduce, params;
  bool center;
  std::string schedule; // the #norm.cpu_schedule parameters
  double mean = 0.0;    // of the input data
  bool residualRelu = false;
  /// (axis, count) of a grouped normalization (GroupNorm).
  std::optional<std::pair<int64_t, int64_t>> groups = std::nullopt;
  DType dtype = DType::F32;      // of x, r and y
  DType paramDtype = DType::F32; // of the scale and bias
};

/// ", groups = #norm.groups<...>" of a grouped case, else "".
std::string groupsAttr(const ScheduleCase &c) {
  if (!c.groups)
    return "";
  return ", groups = #norm.groups<axis = " + std::to_string(c.groups->first) +
         ", count = " + std::to_string(c.groups->second) + ">";
}

/// y, mean, rstd of one scheduled norm.normalize (optionally of x + r,
/// followed by ReLU).
std::string graph(const ScheduleCase &c, const ref::Shape &paramShape,
                  const ref::Shape &statsShape) {
  std::string x = tensorType(c.shape, c.dtype);
  std::string p = tensorType(paramShape, c.paramDtype);
  std::string s = tensorType(statsShape, DType::F32);
  std::string src = "func.func @f(%x: " + x + ", %r: " + x + ", %w: " + p +
                    ", %b: " + p + ") -> (" + x + ", " + s + ", " + s + ") {\n";
  std::string in = "%x";
  if (c.residualRelu) {
    src += "  %h = norm.add %x, %r : " + x + "\n";
    in = "%h";
  }
  src += "  %y, %m, %v = norm.normalize " + in + " over " + axisList(c.reduce) +
         " params " + axisList(c.params) +
         " scale(%w) bias(%b) {center = " + (c.center ? "true" : "false") +
         groupsAttr(c) + ", norm.cpu_schedule = #norm.cpu_schedule<" +
         c.schedule + ">} : (" + x + ", " + p + ", " + p + ") -> (" + x + ", " +
         s + ", " + s + ")\n";
  std::string out = "%y";
  if (c.residualRelu) {
    src += "  %a = norm.activation relu %y : " + x + "\n";
    out = "%a";
  }
  return src + "  return " + out + ", %m, %v : " + x + ", " + s + ", " + s +
         "\n}\n";
}

class Schedule : public ::testing::TestWithParam<ScheduleCase> {};

TEST_P(Schedule, MatchesFloat64Reference) {
  const ScheduleCase &c = GetParam();
  ref::Spec spec;
  spec.reduce = c.reduce;
  spec.params = c.params;
  spec.center = c.center;
  spec.groups = c.groups;
  ref::Shape paramShape = ref::paramShape(c.shape, spec);
  ref::Shape statsShape = ref::statsShape(c.shape, spec);
  std::mt19937_64 rng(7);
  Input x = randomInput(rng, c.shape, c.dtype, c.mean, 1.0);
  Input r = randomInput(rng, c.shape, c.dtype);
  if (!c.residualRelu)
    std::fill(r.values.begin(), r.values.end(), 0.0); // unused input
  Input w = randomInput(rng, paramShape, c.paramDtype, 1.0, 0.5);
  Input b = randomInput(rng, paramShape, c.paramDtype);
  std::unique_ptr<Session> session =
      compileSession(graph(c, paramShape, statsShape), {"infer"});
  ASSERT_TRUE(session);
  auto out = run(*session, {&x, &r, &w, &b});
  ASSERT_EQ(out.size(), 3u);

  // x + r is computed in f32 (both bf16 values are exact there).
  std::vector<double> in = x.values;
  if (c.residualRelu)
    for (size_t i = 0; i < in.size(); ++i)
      in[i] = double(float(in[i] + r.values[i]));
  ref::Moments moments;
  std::vector<double> want =
      ref::normalize(in, c.shape, spec, &w.values, &b.values, &moments);
  if (c.residualRelu)
    want = ref::activate(ref::Activation::Relu, want);
  Tolerance tol = toleranceFor(c.dtype);
  if (c.mean != 0.0) // the f32 mean itself is exact to ~|mean| * 2^-24 * 8
    tol.atol = 2e-3;
  expectClose(out[0], want, tol, "y");
  expectClose(out[1],
              c.center ? moments.mean
                       : std::vector<double>(moments.mean.size(), 0),
              {1e-5 * std::max(1.0, std::abs(c.mean)), 1e-5}, "mean");
  // rstd is returned: compare it relatively.
  expectClose(out[2], moments.rstd, {0.0, 1e-4}, "rstd");
}

/// The #norm.cpu_schedule parameters; `prefetch` elements ahead (past the
/// end of the tensor is clamped).
std::string schedule(const char *kernel, int width, int unroll, int chunks,
                     int block, bool nt, int prefetch) {
  return std::string("kernel = ") + kernel +
         ", vector_width = " + std::to_string(width) +
         ", unroll = " + std::to_string(unroll) +
         ", row_chunks = " + std::to_string(chunks) +
         ", block = " + std::to_string(block) +
         ", nontemporal = " + (nt ? "true" : "false") +
         ", prefetch = " + std::to_string(prefetch);
}

std::string rows(int width, int unroll, int chunks, int block, bool nt,
                 int prefetch = 0) {
  return schedule("rows", width, unroll, chunks, block, nt, prefetch);
}

/// bf16 vectors as even then odd elements.
std::string evenOdd(std::string rowsSchedule) {
  return rowsSchedule + ", even_odd = true";
}

/// A LayerNorm over the last axis of bf16 `shape` with `paramDtype`
/// parameters, optionally of x + r followed by ReLU.
ScheduleCase lnBf16(std::string name, ref::Shape shape, std::string schedule,
                    DType paramDtype, bool residualRelu = false) {
  return ScheduleCase{std::move(name),
                      std::move(shape),
                      {1},
                      {1},
                      true,
                      std::move(schedule),
                      0.0,
                      residualRelu,
                      std::nullopt,
                      DType::BF16,
                      paramDtype};
}

/// `unroll` rows are summed per accumulator update.
std::string channelsLast(int width, int chunks, int block, bool nt,
                         int prefetch = 0, int unroll = 1) {
  return schedule("channels_last", width, unroll, chunks, block, nt, prefetch);
}

INSTANTIATE_TEST_SUITE_P(
    HandPicked, Schedule,
    ::testing::Values(
        // LayerNorm rows of 37: tails everywhere, streaming stores on rows
        // that start at every alignment.
        ScheduleCase{"ln_rows_w8_nt",
                     {5, 37},
                     {1},
                     {1},
                     true,
                     rows(8, 4, 2, 4096, true, 74)},
        ScheduleCase{"ln_rows_w4_u1_block5",
                     {3, 101},
                     {1},
                     {1},
                     true,
                     rows(4, 1, 3, 5, false)},
        ScheduleCase{"rms_rows_w16_u3",
                     {4, 300},
                     {1},
                     {1},
                     false,
                     rows(16, 3, 4, 64, true, 100000)},
        ScheduleCase{"ln_rows_mean1e4",
                     {2, 4099},
                     {1},
                     {1},
                     true,
                     rows(8, 4, 1, 512, false),
                     1e4},
        // Moments merged from blocks (Chan's formula): 512-element blocks
        // and a tail block of 3 under a large mean; BatchNorm NCHW with
        // blocks of 7 that split every span of 13 (7 + 6) and ride on a
        // mean of 1e3; a block longer than the span; bf16 rows.
        ScheduleCase{"ln_rows_merged_mean1e4",
                     {2, 4099},
                     {1},
                     {1},
                     true,
                     rows(8, 4, 1, 512, false) + ", merged_moments = true",
                     1e4},
        ScheduleCase{"bn_nchw_rows_merged_mean1e3",
                     {3, 5, 13, 1},
                     {0, 2, 3},
                     {1},
                     true,
                     rows(4, 2, 3, 7, false, 16) + ", merged_moments = true",
                     1e3},
        ScheduleCase{"bn_nchw_rows_merged_long_block",
                     {4, 3, 9, 2},
                     {0, 2, 3},
                     {1},
                     true,
                     rows(4, 1, 2, 4096, true) + ", merged_moments = true"},
        lnBf16("ln_bf16_rows_merged", {3, 203},
               rows(16, 2, 3, 64, false) + ", merged_moments = true",
               DType::BF16),
        // BatchNorm NCHW as rows: 3 spans of 13 per channel, params per
        // statistic.
        ScheduleCase{"bn_nchw_rows",
                     {3, 5, 13, 1},
                     {0, 2, 3},
                     {1},
                     true,
                     rows(4, 2, 3, 7, true)},
        // The same BatchNorm NCHW as channels_last is not a valid view (its
        // innermost extent is reduced): channels_last shapes are NHWC.
        ScheduleCase{"bn_nhwc_chunks",
                     {3, 7, 5, 11},
                     {0, 1, 2},
                     {3},
                     true,
                     channelsLast(8, 4, 3, false, 64, 2)},
        ScheduleCase{"bn_nhwc_nt_mean1e4",
                     {2, 9, 4, 19},
                     {0, 1, 2},
                     {3},
                     true,
                     channelsLast(4, 5, 2, true, 0, 3),
                     1e4},
        ScheduleCase{"in_nhwc",
                     {3, 4, 5, 6},
                     {1, 2},
                     {3},
                     true,
                     channelsLast(16, 1, 256, false, 0, 4)},
        // One row chunk: each sample's sums, statistics and output back to
        // back; GroupNorm's groups of 3 channels merge per-channel moments.
        ScheduleCase{"gn_nhwc_per_outer_nt",
                     {4, 5, 3, 12},
                     {1, 2, 3},
                     {3},
                     true,
                     channelsLast(8, 1, 2, true, 16, 4),
                     1e3,
                     false,
                     std::pair<int64_t, int64_t>{3, 4}},
        ScheduleCase{"in_nhwc_per_outer_nt",
                     {3, 7, 3, 20},
                     {1, 2},
                     {3},
                     true,
                     channelsLast(4, 1, 256, true, 0, 3)},
        ScheduleCase{"rms_nhwc",
                     {2, 3, 3, 10},
                     {1, 2},
                     {3},
                     false,
                     channelsLast(8, 2, 4, false)},
        // Fused residual add and ReLU in both structures.
        ScheduleCase{"ln_rows_residual_relu",
                     {6, 40},
                     {1},
                     {1},
                     true,
                     rows(8, 2, 4, 16, true, 40),
                     0.0,
                     true},
        ScheduleCase{"bn_nhwc_residual_relu",
                     {4, 3, 3, 12},
                     {0, 1, 2},
                     {3},
                     true,
                     channelsLast(8, 3, 2, false),
                     0.0,
                     true},
        // bf16 in both lane orders: 16 lanes, then the 8- and 4-lane tails
        // and scalars (77 = 4 x 16 + 8 + 4 + 1), streaming stores at every
        // alignment; bf16 and f32 parameters (the latter shuffled into
        // even/odd order); NCHW BatchNorm spans of 39.
        lnBf16("ln_bf16_even_odd_nt", {5, 77},
               evenOdd(rows(16, 2, 3, 4096, true, 77)), DType::BF16),
        lnBf16("ln_bf16_memory_order_nt", {5, 77},
               rows(16, 2, 3, 4096, true, 77), DType::BF16),
        lnBf16("ln_bf16_even_odd_f32_params_residual_relu", {6, 45},
               evenOdd(rows(16, 1, 4, 16, false)), DType::F32, true),
        // f32 parameters copied once in lane order: rows that start at the
        // same alignment (64) stream; rows of 77 stream at every alignment,
        // so their parameters are shuffled per vector instead.
        lnBf16("ln_bf16_even_odd_f32_params_nt", {5, 64},
               evenOdd(rows(16, 2, 3, 4096, true, 64)), DType::F32),
        lnBf16("ln_bf16_even_odd_f32_params_nt_unaligned_rows", {5, 77},
               evenOdd(rows(16, 2, 3, 4096, true, 77)), DType::F32),
        ScheduleCase{"rms_bf16_even_odd_w32",
                     {3, 100},
                     {1},
                     {1},
                     false,
                     evenOdd(rows(32, 3, 2, 64, false, 100)),
                     0.0,
                     false,
                     std::nullopt,
                     DType::BF16,
                     DType::BF16},
        ScheduleCase{"bn_nchw_bf16_even_odd_nt",
                     {3, 5, 13, 3},
                     {0, 2, 3},
                     {1},
                     true,
                     evenOdd(rows(16, 2, 3, 7, true)),
                     0.0,
                     false,
                     std::nullopt,
                     DType::BF16,
                     DType::BF16},
        // channels_last in even/odd lanes: the per-channel scratch in lane
        // order, 77 channels = 4 x 16 + 8 + 4 + 1 (every slot mapping),
        // row chunks that do not divide the rows, a large mean (the shift);
        // GroupNorm per outer with groups across vector boundaries (6
        // channels) and f32 parameters; residual + ReLU.
        ScheduleCase{"bn_nhwc_bf16_even_odd_chunks",
                     {3, 7, 5, 77},
                     {0, 1, 2},
                     {3},
                     true,
                     evenOdd(channelsLast(16, 4, 3, false, 64, 2)),
                     1e2,
                     false,
                     std::nullopt,
                     DType::BF16,
                     DType::BF16},
        ScheduleCase{"gn_nhwc_bf16_even_odd_per_outer_f32_params",
                     {2, 4, 5, 36},
                     {1, 2, 3},
                     {3},
                     true,
                     evenOdd(channelsLast(16, 1, 256, false, 0, 4)),
                     0.0,
                     false,
                     std::pair<int64_t, int64_t>{3, 6},
                     DType::BF16,
                     DType::F32},
        ScheduleCase{"bn_nhwc_bf16_even_odd_residual_relu",
                     {4, 3, 3, 40},
                     {0, 1, 2},
                     {3},
                     true,
                     evenOdd(channelsLast(16, 2, 4, false, 0, 4)),
                     0.0,
                     true,
                     std::nullopt,
                     DType::BF16,
                     DType::BF16}),
    [](const auto &info) { return info.param.name; });
} // namespace

namespace {
/// norm.apply with given statistics (inference) under a hand-picked
/// schedule: the rows kernel writes strided spans in memory order.
struct ApplyCase {
  std::string name;
  ref::Shape shape;
  std::vector<int64_t> reduce, params;
  std::string schedule;
  DType dtype = DType::F32; // of x, y and the parameters
};

class ApplySchedule : public ::testing::TestWithParam<ApplyCase> {};

TEST_P(ApplySchedule, MatchesFloat64Reference) {
  const ApplyCase &c = GetParam();
  ref::Spec spec;
  spec.reduce = c.reduce;
  spec.params = c.params;
  ref::Shape paramShape = ref::paramShape(c.shape, spec);
  ref::Shape statsShape = ref::statsShape(c.shape, spec);
  std::string x = tensorType(c.shape, c.dtype);
  std::string p = tensorType(paramShape, c.dtype);
  std::string s = tensorType(statsShape, DType::F32);
  std::string source =
      "func.func @f(%x: " + x + ", %m: " + s + ", %v: " + s + ", %w: " + p +
      ", %b: " + p + ") -> " + x + " {\n  %y = norm.apply %x over " +
      axisList(c.reduce) + " mean(%m) var(%v) params " + axisList(c.params) +
      " scale(%w) bias(%b) {norm.cpu_schedule = #norm.cpu_schedule<" +
      c.schedule + ">} : (" + x + ", " + s + ", " + s + ", " + p + ", " + p +
      ") -> " + x + "\n  return %y : " + x + "\n}\n";
  std::mt19937_64 rng(11);
  Input in = randomInput(rng, c.shape, c.dtype, 3.0, 2.0);
  Input mean = randomInput(rng, statsShape, DType::F32, 3.0, 1.0);
  Input var = randomInput(rng, statsShape, DType::F32, 4.0, 1.0);
  Input w = randomInput(rng, paramShape, c.dtype, 1.0, 0.5);
  Input b = randomInput(rng, paramShape, c.dtype);
  std::unique_ptr<Session> session = compileSession(source, {"infer"});
  ASSERT_TRUE(session);
  auto out = run(*session, {&in, &mean, &var, &w, &b});
  ASSERT_EQ(out.size(), 1u);
  std::vector<double> want = ref::applyStats(
      in.values, c.shape, spec, mean.values, var.values, &w.values, &b.values);
  expectClose(out[0], want, toleranceFor(c.dtype), c.name + " y");
}

INSTANTIATE_TEST_SUITE_P(
    HandPicked, ApplySchedule,
    ::testing::Values(
        // BatchNorm NCHW: spans of 37 (tails), streaming stores at every
        // alignment, runs of (n, c) rows that do not divide evenly.
        ApplyCase{"bn_nchw_nt",
                  {3, 5, 37},
                  {0, 2},
                  {1},
                  rows(8, 4, 4, 4096, true, 64)},
        ApplyCase{"bn_nchw_4d",
                  {2, 3, 4, 9},
                  {0, 2, 3},
                  {1},
                  rows(4, 1, 3, 16, false, 1000)},
        // Parameters per element of [mid, inner]: LayerNorm-like apply of
        // given statistics over strided rows.
        ApplyCase{"per_element_params",
                  {4, 3, 20},
                  {0, 2},
                  {1, 2},
                  rows(8, 2, 5, 64, false, 16)},
        ApplyCase{"bn_nchw_bf16_even_odd_nt",
                  {3, 5, 37},
                  {0, 2},
                  {1},
                  evenOdd(rows(16, 4, 4, 4096, true, 64)),
                  DType::BF16},
        ApplyCase{"per_element_params_bf16_even_odd",
                  {4, 3, 29},
                  {0, 2},
                  {1, 2},
                  evenOdd(rows(16, 2, 5, 64, false, 16)),
                  DType::BF16},
        // NHWC inference, coefficients in lane order (77 channels).
        ApplyCase{"bn_nhwc_bf16_even_odd",
                  {3, 4, 77},
                  {0, 1},
                  {2},
                  evenOdd(channelsLast(16, 3, 2, false, 64, 1)),
                  DType::BF16}),
    [](const auto &info) { return info.param.name; });
} // namespace

/// Scalar bf16 arithmetic (a residual add on an odd shape, outside any
/// kernel) is legalized by x86 through compiler-rt's __truncsfbf2, which
/// normc defines in every module: it compiles, links and rounds correctly.
TEST(Bf16, ScalarArithmeticNeedsNoCompilerRt) {
  ref::Shape shape{5, 7};
  std::string x = tensorType(shape, DType::BF16);
  std::string source = "func.func @f(%a: " + x + ", %b: " + x + ") -> " + x +
                       " {\n  %s = norm.add %a, %b : " + x +
                       "\n  return %s : " + x + "\n}\n";
  std::mt19937_64 rng(3);
  Input a = randomInput(rng, shape, DType::BF16);
  Input b = randomInput(rng, shape, DType::BF16);
  std::unique_ptr<Session> session = compileSession(source, {"infer"});
  ASSERT_TRUE(session);
  auto out = run(*session, {&a, &b});
  ASSERT_EQ(out.size(), 1u);
  std::vector<double> want(a.values.size());
  for (size_t i = 0; i < want.size(); ++i)
    want[i] = a.values[i] + b.values[i];
  expectClose(out[0], want, toleranceFor(DType::BF16), "a + b");
}
