//===- Gradients.cpp - Reference normalization gradients ------------------===//
//
// The backward of `norm.normalize` / `norm.apply` (`norm.normalize_grad`) in
// double. With g = dy * scale and xhat = (x - mean) * rstd:
//  - batch statistics (training), where mean and rstd depend on x:
//      dx = rstd * (g - E[g] - xhat * E[g * xhat])
//    over each reduction set (RMSNorm drops the E[g] term);
//  - fixed statistics (inference): dx = rstd * g;
// and dscale = sum(dy * xhat), dbias = sum(dy) over the non-params axes.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <cmath>
#include <stdexcept>
#include <string>

using namespace normc::ref;

namespace {

/// Sums `values` over each parameter entry's members.
std::vector<double> sumPerParam(const std::vector<double> &values,
                                const Layout &layout) {
  int64_t numParams = numElements(layout.paramShape);
  int64_t count = layout.countPerParam;
  std::vector<double> result(numParams), terms(count);
  for (int64_t p = 0; p < numParams; ++p) {
    const int64_t *members = layout.paramMembers.data() + p * count;
    for (int64_t i = 0; i < count; ++i)
      terms[i] = values[members[i]];
    result[p] = pairwiseSum(terms);
  }
  return result;
}

/// The shared part of both variants: given per-statistic mean (null when not
/// centered) and rstd, fills g = dy * scale, xhat, dscale and dbias.
Gradients prepare(const std::vector<double> &dy, const std::vector<double> &x,
                  const Layout &layout, const std::vector<double> *mean,
                  const std::vector<double> &rstd,
                  const std::vector<double> *scale, std::vector<double> &g,
                  std::vector<double> &xhat) {
  if (scale)
    checkSize(*scale, numElements(layout.paramShape), "scale");
  size_t numel = x.size();
  g.resize(numel);
  xhat.resize(numel);
  std::vector<double> dyXhat(numel);
  for (size_t i = 0; i < numel; ++i) {
    int64_t s = layout.statOf[i];
    xhat[i] = (mean ? x[i] - (*mean)[s] : x[i]) * rstd[s];
    g[i] = scale ? dy[i] * (*scale)[layout.paramOf[i]] : dy[i];
    dyXhat[i] = dy[i] * xhat[i];
  }
  Gradients result;
  result.dscale = sumPerParam(dyXhat, layout);
  result.dbias = sumPerParam(dy, layout);
  return result;
}
} // namespace

Gradients normc::ref::normalizeGrad(const std::vector<double> &dy,
                                    const std::vector<double> &x,
                                    const Shape &shape, const Spec &spec,
                                    const std::vector<double> *scale) {
  Layout layout = makeLayout(shape, spec);
  checkSize(x, numElements(shape), "x");
  checkSize(dy, numElements(shape), "dy");
  Moments stats = moments(x, shape, spec);
  std::vector<double> g, xhat;
  Gradients result = prepare(dy, x, layout, spec.center ? &stats.mean : nullptr,
                             stats.rstd, scale, g, xhat);

  int64_t numStats = numElements(layout.statsShape);
  int64_t count = layout.countPerStat;
  std::vector<double> meanG(numStats), meanGXhat(numStats), terms(count);
  for (int64_t s = 0; s < numStats; ++s) {
    const int64_t *members = layout.statMembers.data() + s * count;
    for (int64_t i = 0; i < count; ++i)
      terms[i] = g[members[i]];
    meanG[s] = pairwiseSum(terms) / static_cast<double>(count);
    for (int64_t i = 0; i < count; ++i)
      terms[i] = g[members[i]] * xhat[members[i]];
    meanGXhat[s] = pairwiseSum(terms) / static_cast<double>(count);
  }
  result.dx.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t s = layout.statOf[i];
    double centered = spec.center ? g[i] - meanG[s] : g[i];
    result.dx[i] = stats.rstd[s] * (centered - xhat[i] * meanGXhat[s]);
  }
  return result;
}

Gradients normc::ref::normalizeGradFixed(const std::vector<double> &dy,
                                         const std::vector<double> &x,
                                         const Shape &shape, const Spec &spec,
                                         const std::vector<double> &mean,
                                         const std::vector<double> &var,
                                         const std::vector<double> *scale) {
  Layout layout = makeLayout(shape, spec);
  checkSize(x, numElements(shape), "x");
  checkSize(dy, numElements(shape), "dy");
  std::vector<double> rstd = rstdOf(mean, var, layout, spec);
  std::vector<double> g, xhat;
  Gradients result = prepare(dy, x, layout, spec.center ? &mean : nullptr, rstd,
                             scale, g, xhat);
  result.dx.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    result.dx[i] = rstd[layout.statOf[i]] * g[i];
  return result;
}
