//===- Summation.cpp - Pairwise summation of the reference ----------------===//
//
// Cascade (pairwise) summation: the rounding error grows with log2(n) instead
// of n, which keeps a million-element mean and variance accurate to about
// 1e-15 relative, and unlike compensated (Kahan) summation an Inf among the
// terms gives Inf, not NaN, as in PyTorch.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

double normc::ref::pairwiseSum(const double *values, size_t n) {
  // Below this size a plain loop: its error is at most kBlock ulps.
  constexpr size_t kBlock = 8;
  if (n <= kBlock) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
      sum += values[i];
    return sum;
  }
  size_t half = n / 2;
  return pairwiseSum(values, half) + pairwiseSum(values + half, n - half);
}

double normc::ref::pairwiseSum(const std::vector<double> &values) {
  return pairwiseSum(values.data(), values.size());
}
