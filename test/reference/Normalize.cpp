//===- Normalize.cpp - Reference moments and normalization ----------------===//
//
// The forward computation of `norm.moments`, `norm.normalize` and
// `norm.apply` in double: two-pass mean and biased variance per reduction set
// (pairwise sums), then y = (x - mean) * rstd * scale + bias.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <cmath>
#include <stdexcept>
#include <string>

using namespace normc::ref;

namespace {

/// Moments of `x` over the reduction sets of `layout`.
Moments computeMoments(const std::vector<double> &x, const Layout &layout,
                       const Spec &spec) {
  int64_t numStats = numElements(layout.statsShape);
  int64_t count = layout.countPerStat;
  Moments result;
  result.mean.assign(numStats, 0.0);
  result.var.resize(numStats);
  result.rstd.resize(numStats);
  std::vector<double> terms(count);
  for (int64_t s = 0; s < numStats; ++s) {
    const int64_t *members = layout.statMembers.data() + s * count;
    double mean = 0.0;
    if (spec.center) {
      for (int64_t i = 0; i < count; ++i)
        terms[i] = x[members[i]];
      mean = pairwiseSum(terms) / static_cast<double>(count);
    }
    for (int64_t i = 0; i < count; ++i) {
      double d = x[members[i]] - mean;
      terms[i] = d * d;
    }
    result.mean[s] = mean;
    result.var[s] = pairwiseSum(terms) / static_cast<double>(count);
    result.rstd[s] = 1.0 / std::sqrt(result.var[s] + spec.epsilon);
  }
  return result;
}

/// y = (x - mean) * rstd * scale + bias; `mean` null when not centered.
std::vector<double>
applyImpl(const std::vector<double> &x, const Layout &layout,
          const std::vector<double> *mean, const std::vector<double> &rstd,
          const std::vector<double> *scale, const std::vector<double> *bias) {
  int64_t numParams = numElements(layout.paramShape);
  if (scale)
    checkSize(*scale, numParams, "scale");
  if (bias)
    checkSize(*bias, numParams, "bias");
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t s = layout.statOf[i];
    double v = (mean ? x[i] - (*mean)[s] : x[i]) * rstd[s];
    if (scale)
      v *= (*scale)[layout.paramOf[i]];
    if (bias)
      v += (*bias)[layout.paramOf[i]];
    y[i] = v;
  }
  return y;
}
} // namespace

Moments normc::ref::moments(const std::vector<double> &x, const Shape &shape,
                            const Spec &spec) {
  Layout layout = makeLayout(shape, spec);
  checkSize(x, numElements(shape), "x");
  return computeMoments(x, layout, spec);
}

std::vector<double> normc::ref::normalize(const std::vector<double> &x,
                                          const Shape &shape, const Spec &spec,
                                          const std::vector<double> *scale,
                                          const std::vector<double> *bias,
                                          Moments *saved) {
  Layout layout = makeLayout(shape, spec);
  checkSize(x, numElements(shape), "x");
  Moments stats = computeMoments(x, layout, spec);
  std::vector<double> y = applyImpl(
      x, layout, spec.center ? &stats.mean : nullptr, stats.rstd, scale, bias);
  if (saved)
    *saved = std::move(stats);
  return y;
}

std::vector<double> normc::ref::applyStats(const std::vector<double> &x,
                                           const Shape &shape, const Spec &spec,
                                           const std::vector<double> &mean,
                                           const std::vector<double> &var,
                                           const std::vector<double> *scale,
                                           const std::vector<double> *bias) {
  Layout layout = makeLayout(shape, spec);
  checkSize(x, numElements(shape), "x");
  std::vector<double> rstd = rstdOf(mean, var, layout, spec);
  return applyImpl(x, layout, spec.center ? &mean : nullptr, rstd, scale, bias);
}
