//===- ReferenceTest.cpp - Tests of the float64 reference -----------------===//
//
// Checks the reference implementation against hand-computed cases,
// independent formulations (explicit loops over the reduction sets, a
// scatter-form convolution, long-double sums, central finite differences)
// and invariants (zero mean / unit variance, GroupNorm special cases, layout
// equivalences, PyTorch's running-statistics rules, NaN propagation,
// round-to-nearest-even of f16 / bf16).
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

using namespace normc::ref;

namespace {

/// `n` samples of scale * N(0, 1) + offset from a fixed seed.
std::vector<double> randomNormal(size_t n, uint64_t seed, double scale = 1.0,
                                 double offset = 0.0) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> values(n);
  for (double &v : values)
    v = offset + scale * normal(engine);
  return values;
}

/// `n` samples of U(lo, hi) from a fixed seed.
std::vector<double> randomUniform(size_t n, uint64_t seed, double lo,
                                  double hi) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(lo, hi);
  std::vector<double> values(n);
  for (double &v : values)
    v = uniform(engine);
  return values;
}

/// |actual - expected| <= tol * max(1, |expected|).
::testing::AssertionResult closeTo(double actual, double expected, double tol) {
  double bound = tol * std::max(1.0, std::fabs(expected));
  if (std::fabs(actual - expected) <= bound)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << actual << " vs expected " << expected << " (diff "
         << actual - expected << ", bound " << bound << ")";
}

/// Element-wise closeTo over two vectors of the same size.
::testing::AssertionResult allClose(const std::vector<double> &actual,
                                    const std::vector<double> &expected,
                                    double tol) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure()
           << "sizes " << actual.size() << " vs " << expected.size();
  for (size_t i = 0; i < actual.size(); ++i) {
    ::testing::AssertionResult r = closeTo(actual[i], expected[i], tol);
    if (!r)
      return r << " at index " << i;
  }
  return ::testing::AssertionSuccess();
}

/// Spec shorthand.
Spec makeSpec(std::vector<int64_t> reduce, std::vector<int64_t> params,
              std::optional<std::pair<int64_t, int64_t>> groups = std::nullopt,
              bool center = true, double epsilon = 1e-5) {
  Spec spec;
  spec.reduce = std::move(reduce);
  spec.params = std::move(params);
  spec.groups = groups;
  spec.center = center;
  spec.epsilon = epsilon;
  return spec;
}

//===----------------------------------------------------------------------===//
// Shapes and layouts
//===----------------------------------------------------------------------===//

TEST(ReferenceShapes, StatsAndParamShapes) {
  Spec bn = makeSpec({0, 2, 3}, {1});
  EXPECT_EQ(statsShape({2, 3, 4, 5}, bn), (Shape{3}));
  EXPECT_EQ(paramShape({2, 3, 4, 5}, bn), (Shape{3}));
  EXPECT_EQ(countPerStat({2, 3, 4, 5}, bn), 40);

  Spec gn = makeSpec({1, 2, 3}, {1}, std::make_pair(int64_t{1}, int64_t{3}));
  EXPECT_EQ(statsShape({2, 6, 4, 4}, gn), (Shape{2, 3}));
  EXPECT_EQ(paramShape({2, 6, 4, 4}, gn), (Shape{6}));
  EXPECT_EQ(countPerStat({2, 6, 4, 4}, gn), 32);

  Spec ghost = makeSpec({0, 2, 3}, {1}, std::make_pair(int64_t{0}, int64_t{2}));
  EXPECT_EQ(statsShape({8, 3, 2, 2}, ghost), (Shape{2, 3}));
  EXPECT_EQ(countPerStat({8, 3, 2, 2}, ghost), 16);

  // Parameter dimensions follow the order of `params`.
  Spec swapped = makeSpec({0}, {2, 1});
  EXPECT_EQ(statsShape({2, 3, 4}, swapped), (Shape{3, 4}));
  EXPECT_EQ(paramShape({2, 3, 4}, swapped), (Shape{4, 3}));
}

TEST(ReferenceShapes, LayoutIndexMaps) {
  // GroupNorm(3) on 2x6x4x4: element (n=1, c=4, h=2, w=3) is in group
  // 4 / 2 = 2 of sample 1 and uses parameter 4.
  Shape shape = {2, 6, 4, 4};
  Spec gn = makeSpec({1, 2, 3}, {1}, std::make_pair(int64_t{1}, int64_t{3}));
  Layout layout = makeLayout(shape, gn);
  int64_t element = ((1 * 6 + 4) * 4 + 2) * 4 + 3;
  EXPECT_EQ(layout.statOf[element], 1 * 3 + 2);
  EXPECT_EQ(layout.paramOf[element], 4);
  EXPECT_EQ(layout.countPerParam, 32);
  // Every statistic owns countPerStat distinct members that map back to it.
  std::vector<int> seen(layout.statOf.size(), 0);
  for (size_t i = 0; i < layout.statMembers.size(); ++i) {
    int64_t member = layout.statMembers[i];
    ++seen[member];
    EXPECT_EQ(layout.statOf[member],
              static_cast<int64_t>(i) / layout.countPerStat);
  }
  for (int s : seen)
    EXPECT_EQ(s, 1);

  // Parameters in swapped order: parameter index = w * 3 + c.
  Layout swapped = makeLayout({2, 3, 4}, makeSpec({0}, {2, 1}));
  EXPECT_EQ(swapped.paramOf[(1 * 3 + 2) * 4 + 1], 1 * 3 + 2);
}

TEST(ReferenceShapes, InvalidSpecsThrow) {
  Shape shape = {2, 6, 4, 4};
  // Grouped axis not reduced.
  EXPECT_THROW(
      validate(shape,
               makeSpec({2, 3}, {1}, std::make_pair(int64_t{1}, int64_t{3}))),
      std::invalid_argument);
  // Group count does not divide the axis.
  EXPECT_THROW(
      validate(shape, makeSpec({1, 2, 3}, {1},
                               std::make_pair(int64_t{1}, int64_t{4}))),
      std::invalid_argument);
  EXPECT_THROW(validate(shape, makeSpec({1, 4}, {})), std::invalid_argument);
  EXPECT_THROW(validate(shape, makeSpec({1, 1}, {})), std::invalid_argument);
  EXPECT_THROW(validate(shape, makeSpec({1}, {-1})), std::invalid_argument);
  std::vector<double> x(2 * 6 * 4 * 4, 1.0), badScale(5, 1.0);
  EXPECT_THROW(normalize(x, shape, makeSpec({0, 2, 3}, {1}), &badScale),
               std::invalid_argument);
  EXPECT_THROW(normalize(std::vector<double>(3), shape, makeSpec({3}, {3})),
               std::invalid_argument);
}

TEST(ReferenceShapes, PermuteTransposes) {
  std::vector<double> x = {0, 1, 2, 3, 4, 5}; // 2x3
  Shape outShape;
  std::vector<double> t = permute(x, {2, 3}, {1, 0}, &outShape);
  EXPECT_EQ(outShape, (Shape{3, 2}));
  EXPECT_EQ(t, (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

//===----------------------------------------------------------------------===//
// Forward: hand-computed cases
//===----------------------------------------------------------------------===//

TEST(ReferenceNormalize, LayerNormHandComputed) {
  std::vector<double> x = {1, 2, 3, 4};
  Moments saved;
  std::vector<double> y =
      normalize(x, {4}, makeSpec({0}, {0}), nullptr, nullptr, &saved);
  double denom = std::sqrt(1.25 + 1e-5);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(closeTo(y[i], (x[i] - 2.5) / denom, 1e-15)) << i;
  ASSERT_EQ(saved.mean.size(), 1u);
  EXPECT_DOUBLE_EQ(saved.mean[0], 2.5);
  EXPECT_DOUBLE_EQ(saved.var[0], 1.25);
  EXPECT_DOUBLE_EQ(saved.rstd[0], 1.0 / denom);
}

TEST(ReferenceNormalize, LayerNormAffineTwoRows) {
  std::vector<double> x = {1, 2, 4, -1, 0, 5};
  std::vector<double> scale = {2, 0.5, -1}, bias = {0.1, 0.2, 0.3};
  double eps = 1e-3;
  std::vector<double> y = normalize(
      x, {2, 3}, makeSpec({1}, {1}, std::nullopt, true, eps), &scale, &bias);
  // Row 0: mean 7/3, var ((16 + 1 + 25) / 9) / 3 = 14/9.
  // Row 1: mean 4/3, var ((49 + 16 + 121) / 9) / 3 = 62/9.
  double mean[2] = {7.0 / 3.0, 4.0 / 3.0}, var[2] = {14.0 / 9.0, 62.0 / 9.0};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      double expected =
          (x[r * 3 + c] - mean[r]) / std::sqrt(var[r] + eps) * scale[c] +
          bias[c];
      EXPECT_TRUE(closeTo(y[r * 3 + c], expected, 1e-14)) << r << "," << c;
    }
}

TEST(ReferenceNormalize, RmsNormHandComputed) {
  std::vector<double> x = {1, 2, 3, 4};
  Moments saved;
  std::vector<double> y =
      normalize(x, {4}, makeSpec({0}, {0}, std::nullopt, /*center=*/false),
                nullptr, nullptr, &saved);
  // E[x^2] = 30 / 4 = 7.5.
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(closeTo(y[i], x[i] / std::sqrt(7.5 + 1e-5), 1e-15)) << i;
  EXPECT_EQ(saved.mean[0], 0.0);
  EXPECT_DOUBLE_EQ(saved.var[0], 7.5);
}

TEST(ReferenceNormalize, BatchNormHandComputed) {
  // N=2, C=2, H=1, W=2: channel 0 holds {1,2,3,4}, channel 1 {10,20,30,40}.
  std::vector<double> x = {1, 2, 10, 20, 3, 4, 30, 40};
  std::vector<double> scale = {1, 2}, bias = {0, 1};
  Moments saved;
  std::vector<double> y = normalize(x, {2, 2, 1, 2}, makeSpec({0, 2, 3}, {1}),
                                    &scale, &bias, &saved);
  EXPECT_EQ(saved.mean, (std::vector<double>{2.5, 25}));
  EXPECT_EQ(saved.var, (std::vector<double>{1.25, 125}));
  double r0 = 1 / std::sqrt(1.25 + 1e-5), r1 = 1 / std::sqrt(125 + 1e-5);
  std::vector<double> expected = {
      -1.5 * r0, -0.5 * r0, -15 * r1 * 2 + 1, -5 * r1 * 2 + 1,
      0.5 * r0,  1.5 * r0,  5 * r1 * 2 + 1,   15 * r1 * 2 + 1};
  EXPECT_TRUE(allClose(y, expected, 1e-15));
}

TEST(ReferenceNormalize, ApplyStatsRunningInference) {
  // BatchNorm inference: statistics are the running ones, per channel.
  Shape shape = {2, 3, 2, 2};
  std::vector<double> x = randomNormal(24, 7);
  std::vector<double> rm = {0.5, -1, 2}, rv = {1.5, 0.25, 4};
  std::vector<double> w = {1, -2, 0.5}, b = {0, 0.5, -1};
  std::vector<double> y =
      applyStats(x, shape, makeSpec({0, 2, 3}, {1}), rm, rv, &w, &b);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 4; ++i) {
        int idx = (n * 3 + c) * 4 + i;
        double expected =
            (x[idx] - rm[c]) / std::sqrt(rv[c] + 1e-5) * w[c] + b[c];
        EXPECT_TRUE(closeTo(y[idx], expected, 1e-14)) << idx;
      }
}

TEST(ReferenceNormalize, ApplyStatsWithBatchMomentsMatchesNormalize) {
  Shape shape = {3, 4, 5};
  Spec spec = makeSpec({0, 2}, {1});
  std::vector<double> x = randomNormal(60, 11, 2.0, 1.0);
  std::vector<double> w = randomNormal(4, 12), b = randomNormal(4, 13);
  Moments m = moments(x, shape, spec);
  EXPECT_TRUE(allClose(applyStats(x, shape, spec, m.mean, m.var, &w, &b),
                       normalize(x, shape, spec, &w, &b), 1e-15));
  // RMS: applyStats ignores the mean.
  Spec rms = makeSpec({2}, {2}, std::nullopt, false);
  Moments mr = moments(x, shape, rms);
  EXPECT_TRUE(allClose(applyStats(x, shape, rms, {}, mr.var),
                       normalize(x, shape, rms), 1e-15));
}

TEST(ReferenceNormalize, UncenteredMoments) {
  std::vector<double> x = randomNormal(30, 3, 1.0, 5.0);
  Moments m = moments(x, {5, 6}, makeSpec({1}, {}, std::nullopt, false));
  for (int r = 0; r < 5; ++r) {
    double sq = 0;
    for (int c = 0; c < 6; ++c)
      sq += x[r * 6 + c] * x[r * 6 + c];
    EXPECT_EQ(m.mean[r], 0.0);
    EXPECT_TRUE(closeTo(m.var[r], sq / 6, 1e-14));
  }
}

//===----------------------------------------------------------------------===//
// Forward: invariants against explicit reduction sets
//===----------------------------------------------------------------------===//

/// A normalization on N,C,H,W = 3,4,5,6 and the test's own definition of its
/// reduction sets.
struct SetCase {
  const char *name;
  Spec spec;
  std::function<int64_t(int64_t, int64_t, int64_t, int64_t)> setOf;
};

TEST(ReferenceNormalize, ZeroMeanUnitVarianceOverEachReductionSet) {
  const int64_t N = 3, C = 4, H = 5, W = 6;
  Shape shape = {N, C, H, W};
  std::vector<SetCase> cases = {
      {"batch_norm", makeSpec({0, 2, 3}, {1}),
       [](int64_t, int64_t c, int64_t, int64_t) { return c; }},
      {"layer_norm_chw", makeSpec({1, 2, 3}, {1, 2, 3}),
       [](int64_t n, int64_t, int64_t, int64_t) { return n; }},
      {"layer_norm_w", makeSpec({3}, {3}),
       [=](int64_t n, int64_t c, int64_t h, int64_t) {
         return (n * C + c) * H + h;
       }},
      {"instance_norm", makeSpec({2, 3}, {1}),
       [=](int64_t n, int64_t c, int64_t, int64_t) { return n * C + c; }},
      {"group_norm_2", makeSpec({1, 2, 3}, {1}, std::make_pair(1, 2)),
       [](int64_t n, int64_t c, int64_t, int64_t) { return n * 2 + c / 2; }},
      {"ghost_batch_norm_3", makeSpec({0, 2, 3}, {1}, std::make_pair(0, 3)),
       [=](int64_t n, int64_t c, int64_t, int64_t) { return n * C + c; }},
      {"rms_norm_w", makeSpec({3}, {3}, std::nullopt, false),
       [=](int64_t n, int64_t c, int64_t h, int64_t) {
         return (n * C + c) * H + h;
       }},
  };
  std::vector<double> x = randomNormal(N * C * H * W, 21, 3.0, 0.5);
  // Give every channel and sample a different offset and spread.
  for (int64_t i = 0; i < N * C * H * W; ++i)
    x[i] = x[i] * (1 + 0.1 * (i % 7)) + 0.3 * (i / 30);
  for (const SetCase &tc : cases) {
    SCOPED_TRACE(tc.name);
    std::vector<double> y = normalize(x, shape, tc.spec);
    std::map<int64_t, long double> sumX, sumY;
    std::map<int64_t, int64_t> count;
    auto forEach = [&](auto fn) {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t w = 0; w < W; ++w)
              fn(tc.setOf(n, c, h, w), ((n * C + c) * H + h) * W + w);
    };
    forEach([&](int64_t s, int64_t i) {
      sumX[s] += x[i];
      sumY[s] += y[i];
      ++count[s];
    });
    std::map<int64_t, long double> ssX, ssY;
    forEach([&](int64_t s, int64_t i) {
      long double mx = tc.spec.center ? sumX[s] / count[s] : 0.0L;
      long double my = tc.spec.center ? sumY[s] / count[s] : 0.0L;
      ssX[s] += (x[i] - mx) * (x[i] - mx);
      ssY[s] += (y[i] - my) * (y[i] - my);
    });
    for (auto &[s, n] : count) {
      double varX = static_cast<double>(ssX[s] / n);
      double varY = static_cast<double>(ssY[s] / n);
      if (tc.spec.center)
        EXPECT_TRUE(closeTo(static_cast<double>(sumY[s] / n), 0.0, 1e-13));
      // Unit variance up to epsilon: var(y) = var(x) / (var(x) + eps).
      EXPECT_TRUE(closeTo(varY, varX / (varX + 1e-5), 1e-13)) << "set " << s;
    }
    // And element-wise against the test's own statistics.
    forEach([&](int64_t s, int64_t i) {
      double mean =
          tc.spec.center ? static_cast<double>(sumX[s] / count[s]) : 0.0;
      double var = static_cast<double>(ssX[s] / count[s]);
      EXPECT_TRUE(closeTo(y[i], (x[i] - mean) / std::sqrt(var + 1e-5), 1e-13))
          << "element " << i;
    });
  }
}

TEST(ReferenceNormalize, GroupNormOneGroupEqualsLayerNorm) {
  const int64_t N = 2, C = 4, H = 3, W = 3;
  Shape shape = {N, C, H, W};
  std::vector<double> x = randomNormal(N * C * H * W, 31, 2.0, -1.0);
  std::vector<double> w = randomNormal(C, 32), b = randomNormal(C, 33);
  std::vector<double> gn = normalize(
      x, shape, makeSpec({1, 2, 3}, {1}, std::make_pair(1, 1)), &w, &b);
  // LayerNorm over C,H,W with the per-channel parameters broadcast.
  std::vector<double> lw, lb;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < H * W; ++i) {
      lw.push_back(w[c]);
      lb.push_back(b[c]);
    }
  std::vector<double> ln =
      normalize(x, shape, makeSpec({1, 2, 3}, {1, 2, 3}), &lw, &lb);
  EXPECT_TRUE(allClose(gn, ln, 1e-14));
}

TEST(ReferenceNormalize, GroupNormPerChannelEqualsInstanceNorm) {
  const int64_t N = 2, C = 4, H = 3, W = 5;
  Shape shape = {N, C, H, W};
  std::vector<double> x = randomNormal(N * C * H * W, 41, 0.5, 3.0);
  std::vector<double> w = randomNormal(C, 42), b = randomNormal(C, 43);
  Moments gnStats, inStats;
  std::vector<double> gn =
      normalize(x, shape, makeSpec({1, 2, 3}, {1}, std::make_pair(1, C)), &w,
                &b, &gnStats);
  std::vector<double> in =
      normalize(x, shape, makeSpec({2, 3}, {1}), &w, &b, &inStats);
  EXPECT_TRUE(allClose(gn, in, 1e-14));
  EXPECT_TRUE(allClose(gnStats.mean, inStats.mean, 1e-14));
  EXPECT_TRUE(allClose(gnStats.var, inStats.var, 1e-14));
}

TEST(ReferenceNormalize, GhostBatchNormEqualsBatchNormPerVirtualBatch) {
  const int64_t N = 6, C = 2, H = 2, W = 3, V = 2; // 3 virtual batches of 2
  Shape shape = {N, C, H, W};
  std::vector<double> x = randomNormal(N * C * H * W, 51, 1.5, 2.0);
  std::vector<double> w = {1.5, -0.5}, b = {0.25, 1};
  std::vector<double> ghost = normalize(
      x, shape, makeSpec({0, 2, 3}, {1}, std::make_pair(0, N / V)), &w, &b);
  int64_t slice = V * C * H * W;
  for (int64_t v = 0; v < N / V; ++v) {
    std::vector<double> part(x.begin() + v * slice,
                             x.begin() + (v + 1) * slice);
    std::vector<double> bn =
        normalize(part, {V, C, H, W}, makeSpec({0, 2, 3}, {1}), &w, &b);
    std::vector<double> got(ghost.begin() + v * slice,
                            ghost.begin() + (v + 1) * slice);
    EXPECT_TRUE(allClose(got, bn, 1e-14)) << "virtual batch " << v;
  }
}

TEST(ReferenceNormalize, NhwcBatchNormEqualsNchwAfterTransposition) {
  Shape nchw = {2, 3, 4, 5};
  std::vector<double> x = randomNormal(120, 61, 1.0, 4.0);
  std::vector<double> w = {1, 2, 3}, b = {-1, 0, 1};
  Moments sNchw, sNhwc;
  std::vector<double> y =
      normalize(x, nchw, makeSpec({0, 2, 3}, {1}), &w, &b, &sNchw);
  Shape nhwc;
  std::vector<double> xt = permute(x, nchw, {0, 2, 3, 1}, &nhwc);
  std::vector<double> yt =
      normalize(xt, nhwc, makeSpec({0, 1, 2}, {3}), &w, &b, &sNhwc);
  EXPECT_TRUE(allClose(permute(yt, nhwc, {0, 3, 1, 2}), y, 1e-14));
  EXPECT_TRUE(allClose(sNhwc.mean, sNchw.mean, 1e-14));
  EXPECT_TRUE(allClose(sNhwc.var, sNchw.var, 1e-14));
}

TEST(ReferenceNormalize, LargeMeanMomentsAreAccurate) {
  // 1e4 + N(0, 1): a one-pass E[x^2] - E[x]^2 in double would lose about
  // 8 digits; two-pass pairwise sums must match long double to ~1e-15.
  const size_t n = 1000003;
  std::vector<double> x = randomNormal(n, 71, 1.0, 1e4);
  Moments m = moments(x, {static_cast<int64_t>(n)}, makeSpec({0}, {}));
  long double sum = 0;
  for (double v : x)
    sum += v;
  long double mean = sum / n;
  long double ss = 0;
  for (double v : x)
    ss += (v - mean) * (v - mean);
  double var = static_cast<double>(ss / n);
  EXPECT_TRUE(closeTo(m.mean[0], static_cast<double>(mean), 1e-14));
  EXPECT_LE(std::fabs(m.var[0] - var), 1e-12 * var)
      << m.var[0] << " vs " << var;

  // The same data as 1000003 rows of one BatchNorm channel.
  Moments bn =
      moments(x, {static_cast<int64_t>(n), 1, 1}, makeSpec({0, 2}, {1}));
  EXPECT_LE(std::fabs(bn.var[0] - var), 1e-12 * var);
}

TEST(ReferenceNormalize, NaNAndInfPropagate) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // LayerNorm over rows of 4: a NaN in row 1 and +Inf in row 2.
  std::vector<double> x = {1, 2, 3, 4, 5, 6, nan, 8, 1, inf, 2, 3, 0, 1, 0, 1};
  Moments saved;
  std::vector<double> y =
      normalize(x, {4, 4}, makeSpec({1}, {1}), nullptr, nullptr, &saved);
  EXPECT_TRUE(std::isnan(saved.mean[1]));
  EXPECT_TRUE(std::isnan(saved.var[1]));
  EXPECT_TRUE(std::isinf(saved.mean[2]) && saved.mean[2] > 0);
  for (int c = 0; c < 4; ++c) {
    EXPECT_TRUE(std::isnan(y[4 + c])) << c;
    EXPECT_TRUE(std::isnan(y[8 + c])) << c;
  }
  // The other rows are unaffected.
  std::vector<double> rest = {1, 2, 3, 4, 0, 1, 0, 1};
  std::vector<double> yRest = normalize(rest, {2, 4}, makeSpec({1}, {1}));
  for (int c = 0; c < 4; ++c) {
    EXPECT_DOUBLE_EQ(y[c], yRest[c]);
    EXPECT_DOUBLE_EQ(y[12 + c], yRest[4 + c]);
  }
  // BatchNorm: a NaN in channel 1 poisons channel 1 only.
  std::vector<double> bx = randomNormal(2 * 2 * 3, 81);
  bx[1 * 3 + 1] = nan; // n=0, c=1
  std::vector<double> by = normalize(bx, {2, 2, 3}, makeSpec({0, 2}, {1}));
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(std::isfinite(by[(n * 2 + 0) * 3 + i]));
      EXPECT_TRUE(std::isnan(by[(n * 2 + 1) * 3 + i]));
    }
  // RMSNorm with Inf: E[x^2] = Inf, outputs x * 0 or Inf * 0 = 0 / NaN.
  std::vector<double> ry =
      normalize({1, inf}, {2}, makeSpec({0}, {0}, std::nullopt, false));
  EXPECT_EQ(ry[0], 0.0);
  EXPECT_TRUE(std::isnan(ry[1]));
}

//===----------------------------------------------------------------------===//
// Running statistics
//===----------------------------------------------------------------------===//

/// Batch moments with only mean and var set.
Moments batchMoments(std::vector<double> mean, std::vector<double> var) {
  Moments m;
  m.mean = std::move(mean);
  m.var = std::move(var);
  return m;
}

TEST(ReferenceRunning, ThreeUpdatesWithMomentum) {
  Spec bn = makeSpec({0, 2, 3}, {1});
  RunningState state{{0, 0}, {1, 1}, 0};
  std::vector<Moments> batches = {batchMoments({1, -2}, {4, 0.5}),
                                  batchMoments({3, 0}, {2, 1.5}),
                                  batchMoments({-1, 5}, {0.25, 9})};
  const int64_t count = 10;
  double rm[2] = {0, 0}, rv[2] = {1, 1};
  for (const Moments &b : batches) {
    updateRunning(state, b, {2}, bn, count, 0.1);
    for (int c = 0; c < 2; ++c) {
      rm[c] = 0.9 * rm[c] + 0.1 * b.mean[c];
      rv[c] = 0.9 * rv[c] + 0.1 * b.var[c] * 10.0 / 9.0;
    }
  }
  EXPECT_EQ(state.count, 3);
  for (int c = 0; c < 2; ++c) {
    EXPECT_TRUE(closeTo(state.mean[c], rm[c], 1e-15));
    EXPECT_TRUE(closeTo(state.var[c], rv[c], 1e-15));
  }
  // First channel written out: 0.1*(-1) + 0.09*3 + 0.081*1.
  EXPECT_TRUE(closeTo(state.mean[0], -0.1 + 0.27 + 0.081, 1e-15));
}

TEST(ReferenceRunning, CumulativeAverageWithoutMomentum) {
  Spec bn = makeSpec({0, 2, 3}, {1});
  RunningState state{{0.7, -3}, {1, 1}, 0};
  const int steps = 5;
  const int64_t count = 6;
  std::vector<double> meanSum(2, 0), varSum(2, 0);
  for (int k = 0; k < steps; ++k) {
    Moments b = batchMoments(randomNormal(2, 100 + k),
                             randomUniform(2, 200 + k, 0.1, 3));
    updateRunning(state, b, {2}, bn, count, std::nullopt);
    for (int c = 0; c < 2; ++c) {
      meanSum[c] += b.mean[c];
      varSum[c] += b.var[c] * count / (count - 1);
    }
    EXPECT_EQ(state.count, k + 1);
  }
  for (int c = 0; c < 2; ++c) {
    EXPECT_TRUE(closeTo(state.mean[c], meanSum[c] / steps, 1e-14));
    EXPECT_TRUE(closeTo(state.var[c], varSum[c] / steps, 1e-14));
  }
}

TEST(ReferenceRunning, OnnxConvention) {
  Spec bn = makeSpec({0, 2, 3}, {1});
  RunningState state{{1, 2}, {3, 4}, 7};
  updateRunning(state, batchMoments({5, 6}, {0.5, 2}), {2}, bn, 10, 0.8,
                /*onnx=*/true);
  EXPECT_EQ(state.count, 8);
  EXPECT_TRUE(closeTo(state.mean[0], 0.8 * 1 + 0.2 * 5, 1e-15));
  EXPECT_TRUE(closeTo(state.mean[1], 0.8 * 2 + 0.2 * 6, 1e-15));
  // Population variance: no Bessel correction.
  EXPECT_TRUE(closeTo(state.var[0], 0.8 * 3 + 0.2 * 0.5, 1e-15));
  EXPECT_TRUE(closeTo(state.var[1], 0.8 * 4 + 0.2 * 2, 1e-15));
  // Default ONNX momentum 0.9, and one value per channel is allowed.
  RunningState one{{0}, {1}, 0};
  updateRunning(one, batchMoments({2}, {0}), {1}, bn, 1, std::nullopt, true);
  EXPECT_TRUE(closeTo(one.mean[0], 0.2, 1e-15));
  EXPECT_TRUE(closeTo(one.var[0], 0.9, 1e-15));
}

TEST(ReferenceRunning, OneValuePerChannelIsAnError) {
  Spec bn = makeSpec({0, 2, 3}, {1});
  RunningState state{{0, 0}, {1, 1}, 4};
  try {
    updateRunning(state, batchMoments({1, 2}, {0, 0}), {2}, bn, 1, 0.1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(),
                 "Expected more than 1 value per channel when training");
  }
  // The state is untouched.
  EXPECT_EQ(state.count, 4);
  EXPECT_EQ(state.mean, (std::vector<double>{0, 0}));
  EXPECT_EQ(state.var, (std::vector<double>{1, 1}));
}

TEST(ReferenceRunning, UpdateFromRealBatchUsesUnbiasedVariance) {
  Shape shape = {4, 3, 2, 2};
  Spec bn = makeSpec({0, 2, 3}, {1});
  std::vector<double> x = randomNormal(48, 91, 2.0, 1.0);
  Moments m = moments(x, shape, bn);
  RunningState state{{0, 0, 0}, {1, 1, 1}, 0};
  updateRunning(state, m, statsShape(shape, bn), bn, countPerStat(shape, bn),
                0.1);
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 4; ++i)
        sum += x[(n * 3 + c) * 4 + i];
    double mean = sum / 16, ss = 0;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 4; ++i) {
        double d = x[(n * 3 + c) * 4 + i] - mean;
        ss += d * d;
      }
    EXPECT_TRUE(closeTo(state.mean[c], 0.1 * mean, 1e-14));
    EXPECT_TRUE(closeTo(state.var[c], 0.9 + 0.1 * ss / 15, 1e-14));
  }
}

TEST(ReferenceRunning, InstanceNormAveragesPerSampleUpdates) {
  // PyTorch's instance_norm updates a copy of the running statistics per
  // sample and averages the copies; the update is affine in the batch
  // statistics, so that equals one update with the averaged statistics.
  const int64_t N = 3, C = 2, count = 20;
  Spec in = makeSpec({2, 3}, {1});
  Spec perSample = makeSpec({0, 2, 3}, {1}); // statistics shape {C}
  std::vector<double> mean = randomNormal(N * C, 301),
                      var = randomUniform(N * C, 302, 0.5, 2);
  for (std::optional<double> momentum :
       {std::optional<double>(0.1), std::optional<double>()}) {
    RunningState start{{0.3, -0.2}, {1.1, 0.9}, 2};
    RunningState state = start;
    updateRunning(state, batchMoments(mean, var), {N, C}, in, count, momentum);
    std::vector<double> avgMean(C, 0), avgVar(C, 0);
    for (int64_t n = 0; n < N; ++n) {
      RunningState copy = start;
      updateRunning(copy,
                    batchMoments({mean[n * C], mean[n * C + 1]},
                                 {var[n * C], var[n * C + 1]}),
                    {C}, perSample, count, momentum);
      for (int64_t c = 0; c < C; ++c) {
        avgMean[c] += copy.mean[c] / N;
        avgVar[c] += copy.var[c] / N;
      }
    }
    // PyTorch's InstanceNorm leaves num_batches_tracked alone; the
    // cumulative average (momentum None) needs the count.
    EXPECT_EQ(state.count, momentum ? 2 : 3);
    EXPECT_TRUE(allClose(state.mean, avgMean, 1e-14));
    EXPECT_TRUE(allClose(state.var, avgVar, 1e-14));
  }
}

TEST(ReferenceRunning, RejectsMismatchedShapes) {
  Spec bn = makeSpec({0, 2, 3}, {1});
  RunningState state{{0, 0, 0}, {1, 1, 1}, 0};
  EXPECT_THROW(
      updateRunning(state, batchMoments({1, 2}, {1, 1}), {2}, bn, 4, 0.1),
      std::invalid_argument);
  // LayerNorm's parameter axes are reduced: no running statistics.
  RunningState ln{{0}, {1}, 0};
  EXPECT_THROW(updateRunning(ln, batchMoments({1}, {1}), {1},
                             makeSpec({1}, {1}), 4, 0.1),
               std::invalid_argument);
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

TEST(ReferenceActivation, KnownValues) {
  EXPECT_EQ(activate(Activation::Relu, -1.5), 0.0);
  EXPECT_EQ(activate(Activation::Relu, 2.5), 2.5);
  EXPECT_EQ(activate(Activation::Relu6, 7.0), 6.0);
  EXPECT_EQ(activate(Activation::Relu6, 3.0), 3.0);
  EXPECT_EQ(activate(Activation::Relu6, -3.0), 0.0);
  EXPECT_DOUBLE_EQ(activate(Activation::LeakyRelu, -2.0), -0.02);
  EXPECT_DOUBLE_EQ(activate(Activation::LeakyRelu, -2.0, 0.2), -0.4);
  EXPECT_EQ(activate(Activation::LeakyRelu, 2.0), 2.0);
  // Values from Python's math module.
  EXPECT_TRUE(
      closeTo(activate(Activation::GeluErf, 1.0), 0.8413447460685429, 1e-15));
  EXPECT_TRUE(closeTo(activate(Activation::GeluErf, -1.0), -0.15865525393145707,
                      1e-15));
  EXPECT_TRUE(
      closeTo(activate(Activation::GeluTanh, 1.0), 0.8411919906082768, 1e-15));
  EXPECT_TRUE(
      closeTo(activate(Activation::Silu, 1.0), 0.7310585786300049, 1e-15));
  EXPECT_TRUE(
      closeTo(activate(Activation::Sigmoid, 1.0), 0.7310585786300049, 1e-15));
  EXPECT_EQ(activate(Activation::Sigmoid, 0.0), 0.5);
  EXPECT_TRUE(closeTo(activate(Activation::Tanh, 0.5), std::tanh(0.5), 0));
}

TEST(ReferenceActivation, Identities) {
  for (double x : randomNormal(200, 401, 4.0)) {
    // gelu(x) - gelu(-x) = x (erf is odd); same for the tanh form.
    EXPECT_TRUE(closeTo(activate(Activation::GeluErf, x) -
                            activate(Activation::GeluErf, -x),
                        x, 1e-14));
    EXPECT_TRUE(closeTo(activate(Activation::GeluTanh, x) -
                            activate(Activation::GeluTanh, -x),
                        x, 1e-14));
    // The tanh approximation stays within 1e-3 of the exact GELU.
    EXPECT_NEAR(activate(Activation::GeluTanh, x),
                activate(Activation::GeluErf, x), 1e-3);
    EXPECT_TRUE(closeTo(activate(Activation::Sigmoid, x) +
                            activate(Activation::Sigmoid, -x),
                        1.0, 1e-15));
    EXPECT_TRUE(closeTo(activate(Activation::Silu, x),
                        x * activate(Activation::Sigmoid, x), 1e-15));
    EXPECT_TRUE(closeTo(activate(Activation::Tanh, x),
                        2 * activate(Activation::Sigmoid, 2 * x) - 1, 1e-14));
  }
  std::vector<double> xs = {-1, 0.5, 8};
  EXPECT_EQ(activate(Activation::Relu6, xs), (std::vector<double>{0, 0.5, 6}));
}

TEST(ReferenceActivation, NaNPropagates) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Activation a :
       {Activation::Relu, Activation::Relu6, Activation::LeakyRelu,
        Activation::GeluErf, Activation::GeluTanh, Activation::Silu,
        Activation::Sigmoid, Activation::Tanh})
    EXPECT_TRUE(std::isnan(activate(a, nan))) << static_cast<int>(a);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(activate(Activation::Relu, inf), inf);
  EXPECT_EQ(activate(Activation::Relu6, inf), 6.0);
  EXPECT_EQ(activate(Activation::Sigmoid, -inf), 0.0);
  EXPECT_EQ(activate(Activation::Silu, inf), inf);
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// Scatter-form conv2d on NCHW / OIHW: every input element is pushed to the
/// outputs it contributes to (the reference gathers instead).
std::vector<double> scatterConv(const std::vector<double> &x, Shape xs,
                                const std::vector<double> &w, Shape ws,
                                const std::vector<double> *bias,
                                const ConvOptions &o, Shape outShape) {
  int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3];
  int64_t O = ws[0], CG = ws[1], KH = ws[2], KW = ws[3];
  int64_t OH = outShape[2], OW = outShape[3];
  int64_t G = o.groups;
  std::vector<double> out(N * O * OH * OW, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t wi = 0; wi < W; ++wi) {
          double v = x[((n * C + c) * H + h) * W + wi];
          int64_t g = c / CG;
          for (int64_t oc = g * (O / G); oc < (g + 1) * (O / G); ++oc)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                // h = oh * sh - pt + kh * dh  =>  oh = (h + pt - kh*dh) / sh.
                int64_t th = h + o.padding[0] - kh * o.dilation[0];
                int64_t tw = wi + o.padding[1] - kw * o.dilation[1];
                if (th < 0 || tw < 0 || th % o.stride[0] || tw % o.stride[1])
                  continue;
                int64_t oh = th / o.stride[0], ow = tw / o.stride[1];
                if (oh >= OH || ow >= OW)
                  continue;
                out[((n * O + oc) * OH + oh) * OW + ow] +=
                    v * w[((oc * CG + (c - g * CG)) * KH + kh) * KW + kw];
              }
        }
  if (bias)
    for (int64_t i = 0; i < N * O * OH * OW; ++i)
      out[i] += (*bias)[(i / (OH * OW)) % O];
  return out;
}

TEST(ReferenceConv, HandComputed) {
  // 3x3 input 1..9, 2x2 filter of ones: sums of 2x2 windows.
  std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<double> w = {1, 1, 1, 1};
  Tensor y = conv2d(x, {1, 1, 3, 3}, w, {1, 1, 2, 2}, nullptr, {});
  EXPECT_EQ(y.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.data, (std::vector<double>{12, 16, 24, 28}));
  // Padding 1 all round, stride 2, bias 0.5: windows centred on the corners.
  ConvOptions o;
  o.stride = {2, 2};
  o.padding = {1, 1, 1, 1};
  std::vector<double> w3(9, 1.0), bias = {0.5};
  Tensor z = conv2d(x, {1, 1, 3, 3}, w3, {1, 1, 3, 3}, &bias, o);
  EXPECT_EQ(z.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(z.data, (std::vector<double>{12.5, 16.5, 24.5, 28.5}));
}

TEST(ReferenceConv, MatchesScatterFormula) {
  struct Case {
    const char *name;
    Shape x, w;
    ConvOptions o;
    bool bias;
  };
  ConvOptions grouped;
  grouped.stride = {2, 1};
  grouped.padding = {1, 0, 2, 1};
  grouped.dilation = {2, 2};
  grouped.groups = 2;
  ConvOptions depthwise;
  depthwise.padding = {1, 1, 1, 1};
  depthwise.groups = 4;
  ConvOptions strided;
  strided.stride = {3, 2};
  strided.padding = {0, 2, 1, 0};
  std::vector<Case> cases = {
      {"grouped_strided_dilated_padded",
       {2, 4, 7, 6},
       {6, 2, 2, 3},
       grouped,
       true},
      {"depthwise", {1, 4, 5, 5}, {8, 1, 3, 3}, depthwise, true},
      {"dense_strided", {2, 3, 8, 7}, {5, 3, 3, 2}, strided, false},
  };
  uint64_t seed = 500;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<double> x = randomNormal(numElements(c.x), ++seed);
    std::vector<double> w = randomNormal(numElements(c.w), ++seed);
    std::vector<double> b = randomNormal(c.w[0], ++seed);
    Tensor y = conv2d(x, c.x, w, c.w, c.bias ? &b : nullptr, c.o);
    int64_t oh = (c.x[2] + c.o.padding[0] + c.o.padding[2] -
                  c.o.dilation[0] * (c.w[2] - 1) - 1) /
                     c.o.stride[0] +
                 1;
    int64_t ow = (c.x[3] + c.o.padding[1] + c.o.padding[3] -
                  c.o.dilation[1] * (c.w[3] - 1) - 1) /
                     c.o.stride[1] +
                 1;
    ASSERT_EQ(y.shape, (Shape{c.x[0], c.w[0], oh, ow}));
    EXPECT_TRUE(allClose(
        y.data,
        scatterConv(x, c.x, w, c.w, c.bias ? &b : nullptr, c.o, y.shape),
        1e-13));
  }
}

TEST(ReferenceConv, NhwcEqualsNchwAfterTransposition) {
  Shape xs = {2, 4, 6, 5}, ws = {6, 2, 3, 2};
  ConvOptions o;
  o.stride = {2, 1};
  o.padding = {1, 2, 0, 1};
  o.dilation = {1, 2};
  o.groups = 2;
  std::vector<double> x = randomNormal(numElements(xs), 601);
  std::vector<double> w = randomNormal(numElements(ws), 602);
  std::vector<double> b = randomNormal(6, 603);
  Tensor nchw = conv2d(x, xs, w, ws, &b, o);
  Shape xt, wt;
  std::vector<double> xNhwc = permute(x, xs, {0, 2, 3, 1}, &xt);
  std::vector<double> wHwio = permute(w, ws, {2, 3, 1, 0}, &wt);
  o.layout = ConvLayout::NHWC;
  Tensor nhwc = conv2d(xNhwc, xt, wHwio, wt, &b, o);
  Shape back;
  std::vector<double> y = permute(nhwc.data, nhwc.shape, {0, 3, 1, 2}, &back);
  EXPECT_EQ(back, nchw.shape);
  EXPECT_TRUE(allClose(y, nchw.data, 1e-14));
}

TEST(ReferenceConv, InvalidShapesThrow) {
  std::vector<double> x(16), w(8);
  ConvOptions o;
  o.groups = 3;
  EXPECT_THROW(conv2d(x, {1, 4, 2, 2}, w, {2, 4, 1, 1}, nullptr, o),
               std::invalid_argument);
  o.groups = 1;
  EXPECT_THROW(conv2d(x, {1, 4, 2, 2}, w, {2, 2, 1, 2}, nullptr, o),
               std::invalid_argument);
  std::vector<double> big(4 * 9);
  EXPECT_THROW(conv2d(x, {1, 4, 2, 2}, big, {1, 4, 3, 3}, nullptr, o),
               std::invalid_argument);
}

//===----------------------------------------------------------------------===//
// Gradients: central finite differences
//===----------------------------------------------------------------------===//

/// A normalization to differentiate on N,C,H,W = 3,4,2,3.
struct GradCase {
  const char *name;
  Spec spec;
};

std::vector<GradCase> gradCases() {
  return {
      {"batch_norm", makeSpec({0, 2, 3}, {1})},
      {"layer_norm", makeSpec({2, 3}, {2, 3})},
      {"rms_norm", makeSpec({3}, {3}, std::nullopt, false)},
      {"group_norm", makeSpec({1, 2, 3}, {1}, std::make_pair(1, 2))},
      {"instance_norm", makeSpec({2, 3}, {1})},
      {"ghost_batch_norm", makeSpec({0, 2, 3}, {1}, std::make_pair(0, 3))},
  };
}

/// L = sum(dy * f()), accumulated in long double.
double dotLoss(const std::vector<double> &dy, const std::vector<double> &y) {
  long double sum = 0;
  for (size_t i = 0; i < y.size(); ++i)
    sum += static_cast<long double>(dy[i]) * y[i];
  return static_cast<double>(sum);
}

/// Central difference of `loss` along `v[i]`.
double centralDifference(std::vector<double> &v, size_t i,
                         const std::function<double()> &loss) {
  const double h = 1e-5;
  double saved = v[i];
  v[i] = saved + h;
  double plus = loss();
  v[i] = saved - h;
  double minus = loss();
  v[i] = saved;
  return (plus - minus) / (2 * h);
}

TEST(ReferenceGradients, BatchStatisticsMatchFiniteDifferences) {
  Shape shape = {3, 4, 2, 3};
  int64_t numel = numElements(shape);
  for (const GradCase &tc : gradCases())
    for (bool affine : {false, true}) {
      SCOPED_TRACE(std::string(tc.name) + (affine ? " affine" : ""));
      int64_t np = numElements(paramShape(shape, tc.spec));
      std::vector<double> x = randomNormal(numel, 700, 1.5, 0.5);
      std::vector<double> dy = randomNormal(numel, 701);
      // Without affine the scale is 1 and the bias 0; dscale / dbias do not
      // depend on their values, so they are checked in both cases.
      std::vector<double> scale(np, 1.0), bias(np, 0.0);
      if (affine) {
        scale = randomNormal(np, 702, 1.0, 0.5);
        bias = randomNormal(np, 703);
      }
      auto loss = [&] {
        return dotLoss(dy, normalize(x, shape, tc.spec, &scale, &bias));
      };
      Gradients g =
          normalizeGrad(dy, x, shape, tc.spec, affine ? &scale : nullptr);
      ASSERT_EQ(g.dx.size(), static_cast<size_t>(numel));
      ASSERT_EQ(g.dscale.size(), static_cast<size_t>(np));
      ASSERT_EQ(g.dbias.size(), static_cast<size_t>(np));
      for (int64_t i = 0; i < numel; ++i)
        EXPECT_TRUE(closeTo(g.dx[i], centralDifference(x, i, loss), 1e-6))
            << "dx[" << i << "]";
      for (int64_t p = 0; p < np; ++p) {
        EXPECT_TRUE(
            closeTo(g.dscale[p], centralDifference(scale, p, loss), 1e-6))
            << "dscale[" << p << "]";
        EXPECT_TRUE(closeTo(g.dbias[p], centralDifference(bias, p, loss), 1e-6))
            << "dbias[" << p << "]";
      }
    }
}

TEST(ReferenceGradients, FixedStatisticsMatchFiniteDifferences) {
  Shape shape = {3, 4, 2, 3};
  int64_t numel = numElements(shape);
  for (const GradCase &tc : gradCases()) {
    SCOPED_TRACE(tc.name);
    int64_t ns = numElements(statsShape(shape, tc.spec));
    int64_t np = numElements(paramShape(shape, tc.spec));
    std::vector<double> x = randomNormal(numel, 800, 1.5, 0.5);
    std::vector<double> dy = randomNormal(numel, 801);
    std::vector<double> mean = randomNormal(ns, 802, 0.3);
    std::vector<double> var = randomUniform(ns, 803, 0.5, 2.0);
    std::vector<double> scale = randomNormal(np, 804, 1.0, 0.5);
    std::vector<double> bias = randomNormal(np, 805);
    auto loss = [&] {
      return dotLoss(dy,
                     applyStats(x, shape, tc.spec, mean, var, &scale, &bias));
    };
    Gradients g = normalizeGradFixed(dy, x, shape, tc.spec, mean, var, &scale);
    for (int64_t i = 0; i < numel; ++i)
      EXPECT_TRUE(closeTo(g.dx[i], centralDifference(x, i, loss), 1e-6))
          << "dx[" << i << "]";
    for (int64_t p = 0; p < np; ++p) {
      EXPECT_TRUE(closeTo(g.dscale[p], centralDifference(scale, p, loss), 1e-6))
          << "dscale[" << p << "]";
      EXPECT_TRUE(closeTo(g.dbias[p], centralDifference(bias, p, loss), 1e-6))
          << "dbias[" << p << "]";
    }
  }
}

TEST(ReferenceGradients, CenteredDxSumsToZeroPerReductionSet) {
  Shape shape = {4, 3, 5};
  Spec bn = makeSpec({0, 2}, {1});
  std::vector<double> x = randomNormal(60, 901), dy = randomNormal(60, 902);
  std::vector<double> w = {2, -1, 0.5};
  Gradients g = normalizeGrad(dy, x, shape, bn, &w);
  for (int c = 0; c < 3; ++c) {
    double sum = 0, sumDy = 0;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 5; ++i) {
        sum += g.dx[(n * 3 + c) * 5 + i];
        sumDy += dy[(n * 3 + c) * 5 + i];
      }
    EXPECT_NEAR(sum, 0.0, 1e-12);
    EXPECT_TRUE(closeTo(g.dbias[c], sumDy, 1e-14));
  }
}

//===----------------------------------------------------------------------===//
// float16 / bfloat16
//===----------------------------------------------------------------------===//

TEST(ReferenceFloatFormats, HalfRoundTripsEveryPattern) {
  for (uint32_t b = 0; b <= 0xFFFF; ++b) {
    uint16_t bits = static_cast<uint16_t>(b);
    double v = fromHalfBits(bits);
    if ((bits & 0x7C00) == 0x7C00 && (bits & 0x03FF)) {
      EXPECT_TRUE(std::isnan(v));
      EXPECT_TRUE(std::isnan(fromHalfBits(toHalfBits(v))));
      continue;
    }
    EXPECT_EQ(toHalfBits(v), bits) << std::hex << b;
  }
}

TEST(ReferenceFloatFormats, HalfKnownValues) {
  EXPECT_EQ(toHalfBits(1.0), 0x3C00);
  EXPECT_EQ(toHalfBits(-2.0), 0xC000);
  EXPECT_EQ(toHalfBits(65504.0), 0x7BFF);
  EXPECT_EQ(toHalfBits(0.1), 0x2E66);
  EXPECT_EQ(toHalfBits(std::ldexp(1.0, -24)), 0x0001);
  EXPECT_EQ(toHalfBits(std::ldexp(1.0, -14)), 0x0400);
  EXPECT_EQ(toHalfBits(-0.0), 0x8000);
  EXPECT_EQ(toHalfBits(std::numeric_limits<double>::infinity()), 0x7C00);
  EXPECT_EQ(fromHalfBits(0x3555), 0.333251953125);
  EXPECT_EQ(fromHalfBits(0xFBFF), -65504.0);
}

TEST(ReferenceFloatFormats, HalfRoundsToNearestEven) {
  // Ties between 1 and 1 + 2^-10 go to the even mantissa.
  EXPECT_EQ(toHalfBits(1.0 + std::ldexp(1.0, -11)), 0x3C00);
  EXPECT_EQ(toHalfBits(1.0 + 3 * std::ldexp(1.0, -11)), 0x3C02);
  // Just above a tie rounds up. Going through float first would round this
  // to the tie and then down: double rounding.
  EXPECT_EQ(toHalfBits(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)),
            0x3C01);
  // Overflow: 65520 is the tie between 65504 and 2^16, even is Inf.
  EXPECT_EQ(toHalfBits(65520.0), 0x7C00);
  EXPECT_EQ(toHalfBits(65519.99), 0x7BFF);
  // Subnormal ties: 2^-25 -> 0, 3 * 2^-25 -> 2 * 2^-24.
  EXPECT_EQ(toHalfBits(std::ldexp(1.0, -25)), 0x0000);
  EXPECT_EQ(toHalfBits(3 * std::ldexp(1.0, -25)), 0x0002);
  EXPECT_EQ(toHalfBits(std::ldexp(1.0, -25) * (1 + 1e-9)), 0x0001);
  // Largest subnormal plus half an ulp rounds into the smallest normal.
  EXPECT_EQ(toHalfBits(std::ldexp(1023.5, -24)), 0x0400);
  EXPECT_EQ(roundToHalf(2049.0), 2048.0);
  EXPECT_EQ(roundToHalf(2051.0), 2052.0);
}

TEST(ReferenceFloatFormats, Bf16RoundTripsEveryPattern) {
  for (uint32_t b = 0; b <= 0xFFFF; ++b) {
    uint16_t bits = static_cast<uint16_t>(b);
    double v = fromBf16Bits(bits);
    if ((bits & 0x7F80) == 0x7F80 && (bits & 0x007F)) {
      EXPECT_TRUE(std::isnan(v));
      continue;
    }
    EXPECT_EQ(toBf16Bits(v), bits) << std::hex << b;
    // bfloat16 is the top half of a float.
    float f = static_cast<float>(v);
    uint32_t fbits;
    std::memcpy(&fbits, &f, sizeof(f));
    EXPECT_EQ(fbits >> 16, b);
  }
}

TEST(ReferenceFloatFormats, Bf16RoundsToNearestEven) {
  EXPECT_EQ(toBf16Bits(1.0), 0x3F80);
  EXPECT_EQ(toBf16Bits(1.0 + std::ldexp(1.0, -8)), 0x3F80);
  EXPECT_EQ(toBf16Bits(1.0 + 3 * std::ldexp(1.0, -8)), 0x3F82);
  EXPECT_EQ(toBf16Bits(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)),
            0x3F81);
  EXPECT_EQ(toBf16Bits(-std::numeric_limits<double>::infinity()), 0xFF80);
  EXPECT_EQ(toBf16Bits(1e39), 0x7F80); // beyond bf16's max: Inf
  // Against the float bit trick (exact for values representable as float):
  // round the low 16 bits of the float to nearest even.
  std::mt19937 engine(1001);
  std::uniform_int_distribution<uint32_t> any(0, 0x7F7FFFFF);
  for (int i = 0; i < 100000; ++i) {
    uint32_t fbits = any(engine) | (i % 2 ? 0x80000000u : 0u);
    float f;
    std::memcpy(&f, &fbits, sizeof(f));
    uint32_t rounded = fbits + 0x7FFF + ((fbits >> 16) & 1);
    EXPECT_EQ(toBf16Bits(f), static_cast<uint16_t>(rounded >> 16))
        << std::hex << fbits;
  }
}

} // namespace
