//===- RunningStats.cpp - Reference running-statistics update -------------===//
//
// One training step's update of running mean / variance / num_batches_tracked
// from batch statistics, in PyTorch's convention (momentum on the new value,
// Bessel-corrected variance, momentum = none as a cumulative average) or
// ONNX's (momentum on the old value, population variance). Batch statistics
// with axes that the running statistics lack (InstanceNorm's per-sample
// statistics) are averaged over those axes first: the update is affine in
// the batch statistics, so averaging the per-sample updated running values,
// as PyTorch's instance_norm does, gives the same result.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <algorithm>
#include <stdexcept>
#include <string>

using namespace normc::ref;

namespace {
[[noreturn]] void fail(const std::string &message) {
  throw std::invalid_argument("normc::ref: " + message);
}

/// Averages the entries of `stats` that share a running-statistics index:
/// statistic i belongs to entry `target[i]` of `numTargets`.
std::vector<double> averageInto(const std::vector<double> &stats,
                                const std::vector<int64_t> &target,
                                int64_t numTargets) {
  std::vector<std::vector<double>> terms(numTargets);
  for (size_t i = 0; i < stats.size(); ++i)
    terms[target[i]].push_back(stats[i]);
  std::vector<double> result(numTargets);
  for (int64_t t = 0; t < numTargets; ++t)
    result[t] = pairwiseSum(terms[t]) / static_cast<double>(terms[t].size());
  return result;
}
} // namespace

void normc::ref::updateRunning(RunningState &state, const Moments &batch,
                               const Shape &statsShape, const Spec &spec,
                               int64_t countPerStat,
                               std::optional<double> momentum, bool onnx) {
  // Rebuild an input shape consistent with `statsShape`: reduced axes get
  // size 1, a grouped axis its group count. Then map statistics axes back to
  // input axes.
  int64_t rank = static_cast<int64_t>(statsShape.size() + spec.reduce.size()) -
                 (spec.groups ? 1 : 0);
  if (rank < 0)
    fail("statistics shape does not match the spec");
  auto isReduced = [&](int64_t a) {
    return std::find(spec.reduce.begin(), spec.reduce.end(), a) !=
           spec.reduce.end();
  };
  Shape inputShape(rank, 1);
  std::vector<int64_t> statAxisOf(rank, -1);
  int64_t statAxis = 0;
  for (int64_t a = 0; a < rank; ++a) {
    bool grouped = spec.groups && spec.groups->first == a;
    if (isReduced(a) && !grouped)
      continue;
    if (statAxis >= static_cast<int64_t>(statsShape.size()))
      fail("statistics shape does not match the spec");
    inputShape[a] = statsShape[statAxis];
    statAxisOf[a] = statAxis++;
  }
  if (statAxis != static_cast<int64_t>(statsShape.size()) ||
      ::normc::ref::statsShape(inputShape, spec) != statsShape)
    fail("statistics shape does not match the spec");
  for (int64_t p : spec.params)
    if (isReduced(p))
      fail("params axis " + std::to_string(p) +
           " is reduced: no running statistics per parameter");

  int64_t numStats = numElements(statsShape);
  if (static_cast<int64_t>(batch.mean.size()) != numStats ||
      static_cast<int64_t>(batch.var.size()) != numStats)
    fail("batch statistics do not have the statistics shape");
  Shape runningShape = paramShape(inputShape, spec);
  int64_t numRunning = numElements(runningShape);
  if (static_cast<int64_t>(state.mean.size()) != numRunning ||
      static_cast<int64_t>(state.var.size()) != numRunning)
    fail("running statistics do not have the parameter shape");
  if (!onnx && countPerStat <= 1)
    throw std::invalid_argument(
        "Expected more than 1 value per channel when training");

  // Running index of every statistic.
  std::vector<int64_t> runningStrides(runningShape.size(), 1);
  for (int64_t k = static_cast<int64_t>(runningShape.size()) - 2; k >= 0; --k)
    runningStrides[k] = runningStrides[k + 1] * runningShape[k + 1];
  std::vector<int64_t> target(numStats);
  std::vector<int64_t> index(statsShape.size(), 0);
  for (int64_t s = 0; s < numStats; ++s) {
    int64_t t = 0;
    for (size_t k = 0; k < spec.params.size(); ++k)
      t += index[statAxisOf[spec.params[k]]] * runningStrides[k];
    target[s] = t;
    for (int64_t d = static_cast<int64_t>(statsShape.size()) - 1; d >= 0; --d) {
      if (++index[d] < statsShape[d])
        break;
      index[d] = 0;
    }
  }
  std::vector<double> mean = averageInto(batch.mean, target, numRunning);
  std::vector<double> var = averageInto(batch.var, target, numRunning);

  // PyTorch's InstanceNorm (per-instance statistics averaged over the batch)
  // never increments num_batches_tracked; with momentum=None the count is
  // needed and kept (normc's extension, PyTorch has no such InstanceNorm).
  bool perInstance = numStats != numRunning;
  if (!perInstance || !momentum)
    state.count += 1;
  if (onnx) {
    double m = momentum.value_or(0.9);
    for (int64_t t = 0; t < numRunning; ++t) {
      state.mean[t] = m * state.mean[t] + (1.0 - m) * mean[t];
      state.var[t] = m * state.var[t] + (1.0 - m) * var[t];
    }
    return;
  }
  double m = momentum ? *momentum : 1.0 / static_cast<double>(state.count);
  double bessel =
      static_cast<double>(countPerStat) / static_cast<double>(countPerStat - 1);
  for (int64_t t = 0; t < numRunning; ++t) {
    state.mean[t] = (1.0 - m) * state.mean[t] + m * mean[t];
    state.var[t] = (1.0 - m) * state.var[t] + m * var[t] * bessel;
  }
}
