//===- GradTest.cpp - Compiled normalize_grad vs the float64 reference ----===//
//
// norm.normalize_grad compiled for the CPU (JIT) and compared with the
// reference gradients for BatchNorm, LayerNorm, RMSNorm, GroupNorm and
// InstanceNorm over layouts, with and without affine parameters, with batch
// statistics (training: the statistics depend on x) and fixed statistics
// (inference). The saved mean / rstd are given in f32, as a forward training
// entry saves them. Tolerance: atol = rtol = 1e-4 for f32 data (dx mixes
// three terms of similar size, so its f32 rounding is a few ulps of the
// largest), 1e-10 for f64; f16: atol 1e-2, rtol 2e-3; bf16: atol 5e-2,
// rtol 1.6e-2 (one rounding to the data type of values up to ~10).
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

#include <cmath>
#include <optional>

using namespace normc;
using namespace normc::test;

namespace {
struct GradCase {
  std::string name;
  ref::Shape shape;
  ref::Spec spec;
  bool affine = true;
  bool batchStats = true;
  DType dtype = DType::F32;
  bool zeroCentered = false;
  /// Memory-saving form: the op reads y = normalize(x) and the bias.
  bool fromOutput = false;
  /// #norm.cpu_schedule parameters set by hand (else the cost model's).
  std::string schedule;
  /// Element type of scale and bias when not the data's (f32 parameters of
  /// bf16 data).
  std::optional<DType> paramType = std::nullopt;

  DType paramDtype() const { return paramType.value_or(dtype); }
};

GradCase makeGrad(std::string name, ref::Shape shape,
                  std::vector<int64_t> reduce, std::vector<int64_t> params,
                  bool affine = true, bool center = true) {
  GradCase c;
  c.name = std::move(name);
  c.shape = std::move(shape);
  c.spec.reduce = std::move(reduce);
  c.spec.params = std::move(params);
  c.spec.center = center;
  c.affine = affine;
  return c;
}

GradCase grouped(GradCase c, int64_t axis, int64_t count) {
  c.spec.groups = std::make_pair(axis, count);
  return c;
}

GradCase fixed(GradCase c) {
  c.batchStats = false;
  c.name += "_fixed";
  return c;
}

GradCase zeroCenteredGrad(GradCase c) {
  c.zeroCentered = true;
  c.name += "_zero_centered";
  return c;
}

GradCase fromOutput(GradCase c) {
  c.fromOutput = true;
  c.name += "_from_output";
  return c;
}

GradCase withType(GradCase c, DType dtype, const char *suffix) {
  c.dtype = dtype;
  c.name += suffix;
  return c;
}

/// A hand-picked schedule: `kernel` with `chunks` row chunks (rows: runs
/// of statistics; channels_last: 1 runs each outer index's sums and output
/// back to back), streaming stores when `nt`.
GradCase scheduled(GradCase c, const char *kernel, int chunks, bool nt,
                   const char *suffix, int width = 8) {
  c.schedule = std::string("kernel = ") + kernel +
               ", vector_width = " + std::to_string(width) +
               ", unroll = 2, row_chunks = " + std::to_string(chunks) +
               ", block = 3, nontemporal = " + (nt ? "true" : "false") +
               ", prefetch = 64";
  c.name += suffix;
  return c;
}

/// The rows kernel's dx pass walks each slab's spans last to first.
GradCase reverseSpans(GradCase c) {
  c.schedule += ", reverse_spans = true";
  c.name += "_reverse_spans";
  return c;
}

/// f32 scale and bias.
GradCase f32Params(GradCase c) {
  c.paramType = DType::F32;
  return c;
}

/// bf16 channels_last (no streaming stores) in 16-lane vectors of even then
/// odd elements.
GradCase channelsLastEvenOdd(GradCase c, int chunks, const char *suffix) {
  c = scheduled(withType(std::move(c), DType::BF16, ""), "channels_last",
                chunks, false, suffix, 16);
  c.schedule += ", even_odd = true";
  return c;
}

/// bf16 rows in 16-lane vectors of even then odd elements.
GradCase rowsEvenOdd(GradCase c, int chunks, bool nt, const char *suffix) {
  c = scheduled(withType(std::move(c), DType::BF16, ""), "rows", chunks, nt,
                suffix, 16);
  c.schedule += ", even_odd = true";
  return c;
}

GradCase channelsLast(GradCase c, int chunks, bool nt, const char *suffix) {
  return scheduled(std::move(c), "channels_last", chunks, nt, suffix);
}

/// The rows kernel with `chunks` runs of statistics.
GradCase rows(GradCase c, int chunks, bool nt, const char *suffix) {
  return scheduled(std::move(c), "rows", chunks, nt, suffix);
}

GradCase f64(GradCase c) {
  c.dtype = DType::F64;
  c.name += "_f64";
  return c;
}

std::vector<GradCase> gradCases() {
  return {
      makeGrad("bn_nchw", {4, 3, 5, 5}, {0, 2, 3}, {1}),
      makeGrad("bn_nhwc", {4, 5, 5, 3}, {0, 1, 2}, {3}, false),
      makeGrad("bn_1d", {16, 6}, {0}, {1}),
      makeGrad("bn_3d", {2, 3, 3, 4, 5}, {0, 2, 3, 4}, {1}),
      fixed(makeGrad("bn_nchw", {4, 3, 5, 5}, {0, 2, 3}, {1})),
      makeGrad("ln", {6, 33}, {1}, {1}),
      makeGrad("ln_noaffine", {6, 33}, {1}, {1}, false),
      makeGrad("ln_two_axes", {3, 4, 7}, {1, 2}, {1, 2}),
      fixed(makeGrad("ln", {6, 33}, {1}, {1})),
      makeGrad("rms", {5, 64}, {1}, {1}, true, false),
      makeGrad("rms_noaffine", {5, 64}, {1}, {1}, false, false),
      zeroCenteredGrad(makeGrad("rms", {5, 64}, {1}, {1}, true, false)),
      grouped(makeGrad("gn", {2, 6, 4, 4}, {1, 2, 3}, {1}), 1, 3),
      grouped(makeGrad("gn_nhwc", {2, 4, 4, 6}, {1, 2, 3}, {3}), 3, 2),
      grouped(makeGrad("gn_g1", {2, 6, 3}, {1, 2}, {1}), 1, 1),
      makeGrad("in_nchw", {2, 3, 6, 6}, {2, 3}, {1}),
      makeGrad("in_1d", {3, 4, 17}, {2}, {1}, false),
      grouped(makeGrad("ghost_bn", {8, 3, 2, 2}, {0, 2, 3}, {1}), 0, 2),
      f64(makeGrad("bn_nchw", {4, 3, 5, 5}, {0, 2, 3}, {1})),
      fromOutput(makeGrad("bn_nchw", {4, 3, 5, 5}, {0, 2, 3}, {1})),
      fromOutput(makeGrad("ln", {6, 33}, {1}, {1})),
      fromOutput(makeGrad("rms", {5, 64}, {1}, {1}, true, false)),
      fromOutput(grouped(makeGrad("gn", {2, 6, 4, 4}, {1, 2, 3}, {1}), 1, 3)),
      fromOutput(zeroCenteredGrad(makeGrad("ln", {6, 33}, {1}, {1}))),
      fromOutput(fixed(makeGrad("bn_nchw", {4, 3, 5, 5}, {0, 2, 3}, {1}))),
      withType(makeGrad("bn_nchw", {4, 3, 5, 5}, {0, 2, 3}, {1}), DType::F16,
               "_f16"),
      withType(makeGrad("ln", {6, 64}, {1}, {1}), DType::BF16, "_bf16"),
      withType(makeGrad("rms", {5, 64}, {1}, {1}, true, false), DType::F16,
               "_f16"),
      f64(grouped(makeGrad("gn", {2, 6, 4, 4}, {1, 2, 3}, {1}), 1, 3)),
      // Hand-picked channels_last schedules: per-outer phases with
      // streaming stores, and row chunks that do not divide the rows.
      channelsLast(
          grouped(makeGrad("gn_nhwc", {3, 5, 7, 12}, {1, 2, 3}, {3}), 3, 4), 1,
          true, "_per_outer_nt"),
      channelsLast(makeGrad("in_nhwc", {2, 6, 5, 9}, {1, 2}, {3}), 1, false,
                   "_per_outer"),
      channelsLast(makeGrad("bn_nhwc", {3, 7, 5, 11}, {0, 1, 2}, {3}), 3, true,
                   "_chunks_nt"),
      // Without affine parameters a parameter may cover several kernel
      // channels: 17 per channel of an InstanceNorm over short sequences
      // (the AVX-512 cost model's choice for [3, 4, 17], which wrote 68
      // parameter gradients into 4).
      channelsLast(makeGrad("in_1d", {3, 4, 17}, {2}, {1}, false), 1, false,
                   "_shared_params"),
      channelsLast(makeGrad("in_1d", {3, 4, 17}, {2}, {1}, false), 2, false,
                   "_shared_params_chunks"),
      // Runs of 4 and 3 statistics sharing per-run parameter-gradient
      // partials; streaming stores on rows that start at every alignment
      // (37) and on aligned rows (64).
      rows(makeGrad("ln", {7, 37}, {1}, {1}), 2, false, "_runs"),
      rows(makeGrad("ln", {7, 37}, {1}, {1}), 2, true, "_runs_nt"),
      rows(makeGrad("ln", {7, 64}, {1}, {1}), 2, true, "_runs_nt_aligned"),
      rows(makeGrad("rms", {9, 40}, {1}, {1}, true, false), 3, false, "_runs"),
      rows(fixed(makeGrad("ln", {7, 37}, {1}, {1})), 2, false, "_runs"),
      rows(makeGrad("ln_two_axes", {5, 4, 7}, {1, 2}, {1, 2}), 2, false,
           "_runs"),
      // The dx pass over each channel's 6 spans last to first (parameter
      // gradients too), with and without streaming stores.
      reverseSpans(rows(makeGrad("bn_nchw", {6, 3, 5, 7}, {0, 2, 3}, {1}), 2,
                        false, "_runs")),
      reverseSpans(rows(makeGrad("bn_nchw", {6, 3, 5, 7}, {0, 2, 3}, {1}), 2,
                        true, "_runs_nt")),
      reverseSpans(
          rows(fixed(makeGrad("bn_nchw", {6, 3, 5, 7}, {0, 2, 3}, {1})), 3,
               false, "_runs")),
      // bf16 in even/odd lanes: the partial parameter gradients stay in
      // lane order when every row splits into the same vectors (77 = 4 x 16
      // + 8 + 4 + 1: every tail width; 64 with streaming stores), and are
      // shuffled per update when streaming rows start at different
      // alignments (77 with streaming stores).
      rowsEvenOdd(makeGrad("ln", {7, 77}, {1}, {1}), 2, false,
                  "_bf16_even_odd_lane_partials"),
      rowsEvenOdd(makeGrad("ln", {7, 64}, {1}, {1}), 3, true,
                  "_bf16_even_odd_lane_partials_nt"),
      rowsEvenOdd(makeGrad("ln", {7, 77}, {1}, {1}), 2, true,
                  "_bf16_even_odd_shuffled_partials_nt"),
      // channels_last in even/odd lanes: per-channel statistics, sums and
      // coefficients in lane order (77 = 4 x 16 + 8 + 4 + 1 channels).
      // f32 scales of bf16 data: copied once in lane order (+1 when
      // zero-centered).
      f32Params(rowsEvenOdd(makeGrad("ln", {7, 77}, {1}, {1}), 2, false,
                            "_bf16_even_odd_f32_params")),
      f32Params(rowsEvenOdd(
          zeroCenteredGrad(makeGrad("rms", {5, 64}, {1}, {1}, true, false)), 2,
          false, "_bf16_even_odd_f32_params")),
      channelsLastEvenOdd(makeGrad("bn_nhwc", {3, 7, 5, 77}, {0, 1, 2}, {3}), 3,
                          "_bf16_even_odd_chunks"),
      channelsLastEvenOdd(
          grouped(makeGrad("gn_nhwc", {2, 4, 5, 36}, {1, 2, 3}, {3}), 3, 6), 1,
          "_bf16_even_odd_per_outer"),
  };
}

std::string gradGraph(const GradCase &c) {
  ref::Shape stats = ref::statsShape(c.shape, c.spec);
  ref::Shape params = ref::paramShape(c.shape, c.spec);
  std::string x = tensorType(c.shape, c.dtype);
  std::string s =
      tensorType(stats, c.dtype == DType::F64 ? DType::F64 : DType::F32);
  std::string p = tensorType(params, c.paramDtype());
  std::string args = "%dy: " + x + ", %x: " + x;
  std::string operands = "%dy, %x over " + axisList(c.spec.reduce);
  std::string types = x + ", " + x;
  if (c.spec.center && !c.fromOutput) {
    args += ", %m: " + s;
    operands += " mean(%m)";
    types += ", " + s;
  }
  args += ", %r: " + s;
  operands += " rstd(%r) params " + axisList(c.spec.params);
  types += ", " + s;
  if (c.affine) {
    args += ", %w: " + p;
    operands += " scale(%w)";
    types += ", " + p;
  }
  if (c.fromOutput) {
    args += ", %b: " + p;
    operands += " bias(%b)";
    types += ", " + p;
  }
  std::string attrs =
      "batch_stats = " + std::string(c.batchStats ? "true" : "false");
  if (c.zeroCentered)
    attrs += ", zero_centered_scale";
  if (c.fromOutput)
    attrs += std::string(", from_output, center = ") +
             (c.spec.center ? "true" : "false");
  if (c.spec.groups)
    attrs += ", groups = #norm.groups<axis = " +
             std::to_string(c.spec.groups->first) +
             ", count = " + std::to_string(c.spec.groups->second) + ">";
  if (!c.schedule.empty())
    attrs += ", norm.cpu_schedule = #norm.cpu_schedule<" + c.schedule + ">";
  std::string results = x + ", " + p + ", " + p;
  return "func.func @f(" + args + ") -> (" + results + ") {\n" +
         "  %dx, %dw, %db = norm.normalize_grad " + operands + " {" + attrs +
         "} : (" + types + ") -> (" + results +
         ")\n  return %dx, %dw, %db : " + results + "\n}\n";
}

/// Names the case in ctest (instead of its bytes).
void PrintTo(const GradCase &c, std::ostream *os) { *os << c.name; }

class Grad : public ::testing::TestWithParam<GradCase> {};

TEST_P(Grad, MatchesFloat64Reference) {
  const GradCase &c = GetParam();
  std::unique_ptr<Session> session = compileSession(gradGraph(c), {"infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(std::hash<std::string>()(c.name));
  ref::Shape stats = ref::statsShape(c.shape, c.spec);
  ref::Shape params = ref::paramShape(c.shape, c.spec);
  DType statsType = c.dtype == DType::F64 ? DType::F64 : DType::F32;
  Input dy = randomInput(rng, c.shape, c.dtype);
  Input x = randomInput(rng, c.shape, c.dtype, 0.7, 2.0);
  Input w = randomInput(rng, params, c.paramDtype(), 1.0, 0.5);
  // The saved statistics of x (batch) or arbitrary running statistics.
  ref::Moments m = ref::moments(x.values, c.shape, c.spec);
  if (!c.batchStats)
    for (size_t i = 0; i < m.var.size(); ++i) {
      m.mean[i] += 0.25;
      m.var[i] = m.var[i] * 1.5 + 0.1;
      m.rstd[i] = 1.0 / std::sqrt(m.var[i] + c.spec.epsilon);
    }
  Input mean = makeInput(m.mean, stats, statsType);
  Input rstd = makeInput(m.rstd, stats, statsType);
  std::vector<double> effective = w.values;
  if (c.zeroCentered)
    for (double &v : effective)
      v += 1.0;
  // The memory-saving form reads y = (x - mean) * rstd * scale + bias, with
  // the statistics the op is given.
  Input b = randomInput(rng, params, c.paramDtype(), 0.0, 0.5);
  std::vector<double> yValues;
  if (c.fromOutput)
    yValues = ref::applyStats(x.values, c.shape, c.spec,
                              c.spec.center ? m.mean
                                            : std::vector<double>(m.var.size()),
                              m.var, &effective, &b.values);
  Input y = makeInput(c.fromOutput ? yValues : x.values, c.shape, c.dtype);
  std::vector<const Input *> inputs{&dy, c.fromOutput ? &y : &x};
  if (c.spec.center && !c.fromOutput)
    inputs.push_back(&mean);
  inputs.push_back(&rstd);
  if (c.affine)
    inputs.push_back(&w);
  if (c.fromOutput)
    inputs.push_back(&b);
  auto got = run(*session, inputs);
  ASSERT_EQ(got.size(), 3u);
  const std::vector<double> *scale = c.affine ? &effective : nullptr;
  ref::Gradients want =
      c.batchStats
          ? ref::normalizeGrad(dy.values, x.values, c.shape, c.spec, scale)
          : ref::normalizeGradFixed(dy.values, x.values, c.shape, c.spec,
                                    m.mean, m.var, scale);
  // f16 / bf16 gradients: computed in f64 from f32 statistics, rounded
  // once to the data type (2^-11 / 2^-8 relative), of values up to ~15.
  Tolerance tol = c.dtype == DType::F64    ? Tolerance{1e-10, 1e-10}
                  : c.dtype == DType::F16  ? Tolerance{1e-2, 2e-3}
                  : c.dtype == DType::BF16 ? Tolerance{5e-2, 1.6e-2}
                                           : Tolerance{1e-4, 1e-4};
  // The memory-saving form divides the (f32-rounded) output by the scale:
  // a few f32 ulps of y / scale more.
  if (c.fromOutput)
    tol = {3e-4, 3e-4};
  expectClose(got[0], want.dx, tol, c.name + " dx");
  expectClose(got[1], want.dscale, tol, c.name + " dscale");
  expectClose(got[2], want.dbias, tol, c.name + " dbias");
}

INSTANTIATE_TEST_SUITE_P(AllNorms, Grad, ::testing::ValuesIn(gradCases()),
                         [](const ::testing::TestParamInfo<GradCase> &info) {
                           return info.param.name;
                         });
} // namespace

namespace {
TEST(Grad, MemorySavingGradientRejectsAZeroScaleAtRunTime) {
  GradCase c = fromOutput(makeGrad("ln", {4, 8}, {1}, {1}));
  std::unique_ptr<Session> session = compileSession(gradGraph(c), {"infer"});
  ASSERT_TRUE(session);
  std::mt19937_64 rng(17);
  Input dy = randomInput(rng, c.shape, DType::F32);
  Input y = randomInput(rng, c.shape, DType::F32);
  Input rstd = randomInput(rng, {4}, DType::F32, 1.0, 0.1);
  Input b = randomInput(rng, {8}, DType::F32);
  std::vector<double> scale(8, 1.5);
  scale[5] = -0.0;
  Input w = makeInput(scale, {8}, DType::F32);
  auto out =
      session->forward({&dy.array, &y.array, &rstd.array, &w.array, &b.array});
  ASSERT_FALSE(bool(out));
  std::string message = llvm::toString(out.takeError());
  EXPECT_NE(message.find("input 3 ('arg3') is zero at index 5"),
            std::string::npos)
      << message;
  scale[5] = 2.0;
  Input nonzero = makeInput(scale, {8}, DType::F32);
  EXPECT_TRUE(bool(session->forward(
      {&dy.array, &y.array, &rstd.array, &nonzero.array, &b.array})));
}
} // namespace

namespace {
/// A memref descriptor {allocated, aligned, offset, sizes, strides} of a
/// contiguous row-major array at `data`.
std::vector<int64_t> descriptor(const void *data, const ref::Shape &shape) {
  std::vector<int64_t> d(3 + 2 * shape.size());
  d[0] = d[1] = reinterpret_cast<int64_t>(data);
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    d[3 + i] = shape[i];
    d[3 + shape.size() + i] = stride;
    stride *= shape[i];
  }
  return d;
}

// The lane-ordered partial parameter gradients depend on where the vector
// loop starts in each row, which streaming stores take from dx's address:
// the entry is called directly with dx at every 2-byte offset of a 32-byte
// vector (a Session allocates its own outputs).
TEST(Grad, LanePartialsAtEveryOutputAlignment) {
  GradCase c = rowsEvenOdd(makeGrad("ln", {5, 48}, {1}, {1}), 2, true, "");
  auto executable = jitCompileSource(gradGraph(c), "grad.mlir", {"infer"});
  ASSERT_TRUE(bool(executable)) << llvm::toString(executable.takeError());
  const EntryInfo *entry = (*executable)->manifest().findEntry("f", "infer");
  ASSERT_NE(entry, nullptr);
  auto fn = (*executable)->lookup(*entry);
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());

  std::mt19937_64 rng(23);
  ref::Shape stats{5}, params{48};
  Input dy = randomInput(rng, c.shape, DType::BF16);
  Input x = randomInput(rng, c.shape, DType::BF16, 0.7, 2.0);
  Input w = randomInput(rng, params, DType::BF16, 1.0, 0.5);
  ref::Moments m = ref::moments(x.values, c.shape, c.spec);
  Input mean = makeInput(m.mean, stats, DType::F32);
  Input rstd = makeInput(m.rstd, stats, DType::F32);
  ref::Gradients want =
      ref::normalizeGrad(dy.values, x.values, c.shape, c.spec, &w.values);

  for (int64_t shift = 0; shift < 16; ++shift) {
    // dx starts `shift` bf16 elements past a 64-byte boundary.
    std::vector<uint16_t> dxStorage(5 * 48 + 64), dw(48), db(48);
    auto address = reinterpret_cast<uintptr_t>(dxStorage.data());
    uint16_t *dx =
        reinterpret_cast<uint16_t *>((address + 63) / 64 * 64) + shift;
    std::vector<std::vector<int64_t>> table{
        descriptor(dy.array.data.data(), c.shape),
        descriptor(x.array.data.data(), c.shape),
        descriptor(mean.array.data.data(), stats),
        descriptor(rstd.array.data.data(), stats),
        descriptor(w.array.data.data(), params),
        descriptor(dx, c.shape),
        descriptor(dw.data(), params),
        descriptor(db.data(), params)};
    std::vector<void *> args;
    for (auto &d : table)
      args.push_back(d.data());
    (*fn)(args.data());
    auto doubles = [](const uint16_t *bits, size_t n) {
      std::vector<double> values;
      for (size_t i = 0; i < n; ++i)
        values.push_back(ref::fromBf16Bits(bits[i]));
      return values;
    };
    std::string at = " at dx offset " + std::to_string(shift);
    Tolerance tol{5e-2, 1.6e-2};
    expectClose(doubles(dx, 5 * 48), want.dx, tol, "dx" + at);
    expectClose(doubles(dw.data(), 48), want.dscale, tol, "dscale" + at);
    expectClose(doubles(db.data(), 48), want.dbias, tol, "dbias" + at);
  }
}
} // namespace
