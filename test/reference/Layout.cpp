//===- Layout.cpp - Shapes and index maps of the reference ----------------===//
//
// Validates a normalization spec against an input shape and derives the
// statistics and parameter shapes and the element -> statistic and
// element -> parameter index maps that every other reference file uses; also
// a NumPy-style transpose for tests that compare layouts.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

using namespace normc::ref;

namespace {
/// Throws std::invalid_argument with `message`.
[[noreturn]] void fail(const std::string &message) {
  throw std::invalid_argument("normc::ref: " + message);
}

/// Checks that `axes` are distinct axes of a rank-`rank` tensor.
void checkAxes(const std::vector<int64_t> &axes, int64_t rank,
               const char *what) {
  std::vector<bool> seen(rank, false);
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= rank)
      fail(std::string(what) + " axis " + std::to_string(axis) +
           " out of range for rank " + std::to_string(rank));
    if (seen[axis])
      fail(std::string(what) + " axis " + std::to_string(axis) + " repeated");
    seen[axis] = true;
  }
}

/// Row-major strides of `shape`.
std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Groups the indices 0..owner.size()-1 by owner (ascending within each
/// owner), `count` per owner.
std::vector<int64_t> groupBy(const std::vector<int64_t> &owner,
                             int64_t numOwners, int64_t count) {
  std::vector<int64_t> members(owner.size());
  std::vector<int64_t> next(numOwners);
  for (int64_t o = 0; o < numOwners; ++o)
    next[o] = o * count;
  for (size_t i = 0; i < owner.size(); ++i)
    members[next[owner[i]]++] = static_cast<int64_t>(i);
  return members;
}
} // namespace

int64_t normc::ref::numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      fail("negative dimension " + std::to_string(d));
    n *= d;
  }
  return n;
}

void normc::ref::validate(const Shape &shape, const Spec &spec) {
  int64_t rank = static_cast<int64_t>(shape.size());
  numElements(shape);
  checkAxes(spec.reduce, rank, "reduce");
  checkAxes(spec.params, rank, "params");
  if (!spec.groups)
    return;
  auto [axis, count] = *spec.groups;
  if (axis < 0 || axis >= rank)
    fail("groups axis " + std::to_string(axis) + " out of range");
  if (std::find(spec.reduce.begin(), spec.reduce.end(), axis) ==
      spec.reduce.end())
    fail("groups axis " + std::to_string(axis) + " is not a reduction axis");
  if (count <= 0 || shape[axis] % count != 0)
    fail("group count " + std::to_string(count) + " does not divide " +
         std::to_string(shape[axis]));
}

Shape normc::ref::statsShape(const Shape &shape, const Spec &spec) {
  validate(shape, spec);
  Shape result;
  for (int64_t a = 0, e = static_cast<int64_t>(shape.size()); a < e; ++a) {
    if (spec.groups && spec.groups->first == a)
      result.push_back(spec.groups->second);
    else if (std::find(spec.reduce.begin(), spec.reduce.end(), a) ==
             spec.reduce.end())
      result.push_back(shape[a]);
  }
  return result;
}

Shape normc::ref::paramShape(const Shape &shape, const Spec &spec) {
  validate(shape, spec);
  Shape result;
  for (int64_t a : spec.params)
    result.push_back(shape[a]);
  return result;
}

int64_t normc::ref::countPerStat(const Shape &shape, const Spec &spec) {
  validate(shape, spec);
  int64_t count = 1;
  for (int64_t a : spec.reduce)
    count *= shape[a];
  if (spec.groups)
    count /= spec.groups->second;
  return count;
}

Layout normc::ref::makeLayout(const Shape &shape, const Spec &spec) {
  Layout layout;
  layout.statsShape = statsShape(shape, spec);
  layout.paramShape = paramShape(shape, spec);
  layout.countPerStat = countPerStat(shape, spec);
  int64_t numel = numElements(shape);
  int64_t numStats = numElements(layout.statsShape);
  int64_t numParams = numElements(layout.paramShape);
  layout.countPerParam = numParams == 0 ? 0 : numel / numParams;

  // Per input axis: its weight in the statistic index and in the parameter
  // index, and the divisor that maps a grouped axis to its group.
  int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> statWeight(rank, 0), paramWeight(rank, 0),
      divisor(rank, 1);
  std::vector<int64_t> statStrides = stridesOf(layout.statsShape);
  std::vector<int64_t> paramStrides = stridesOf(layout.paramShape);
  int64_t statAxis = 0;
  for (int64_t a = 0; a < rank; ++a) {
    bool reduced = std::find(spec.reduce.begin(), spec.reduce.end(), a) !=
                   spec.reduce.end();
    bool grouped = spec.groups && spec.groups->first == a;
    if (grouped)
      divisor[a] = shape[a] / spec.groups->second;
    if (!reduced || grouped)
      statWeight[a] = statStrides[statAxis++];
  }
  for (size_t k = 0; k < spec.params.size(); ++k)
    paramWeight[spec.params[k]] = paramStrides[k];

  layout.statOf.resize(numel);
  layout.paramOf.resize(numel);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < numel; ++i) {
    int64_t stat = 0, param = 0;
    for (int64_t a = 0; a < rank; ++a) {
      stat += index[a] / divisor[a] * statWeight[a];
      param += index[a] * paramWeight[a];
    }
    layout.statOf[i] = stat;
    layout.paramOf[i] = param;
    for (int64_t a = rank - 1; a >= 0; --a) {
      if (++index[a] < shape[a])
        break;
      index[a] = 0;
    }
  }
  layout.statMembers = groupBy(layout.statOf, numStats, layout.countPerStat);
  layout.paramMembers =
      groupBy(layout.paramOf, numParams, layout.countPerParam);
  return layout;
}

std::vector<double> normc::ref::permute(const std::vector<double> &x,
                                        const Shape &shape,
                                        const std::vector<int64_t> &perm,
                                        Shape *outShape) {
  int64_t rank = static_cast<int64_t>(shape.size());
  if (static_cast<int64_t>(perm.size()) != rank)
    fail("permutation rank does not match the tensor rank");
  checkAxes(perm, rank, "permutation");
  int64_t numel = numElements(shape);
  if (static_cast<int64_t>(x.size()) != numel)
    fail("tensor size does not match its shape");
  Shape resultShape(rank);
  for (int64_t i = 0; i < rank; ++i)
    resultShape[i] = shape[perm[i]];
  std::vector<int64_t> inStrides = stridesOf(shape);
  std::vector<double> result(numel);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < numel; ++i) {
    int64_t source = 0;
    for (int64_t d = 0; d < rank; ++d)
      source += index[d] * inStrides[perm[d]];
    result[i] = x[source];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < resultShape[d])
        break;
      index[d] = 0;
    }
  }
  if (outShape)
    *outShape = resultShape;
  return result;
}

void normc::ref::checkSize(const std::vector<double> &values, int64_t expected,
                           const char *what) {
  if (static_cast<int64_t>(values.size()) != expected)
    throw std::invalid_argument(std::string("normc::ref: ") + what + " has " +
                                std::to_string(values.size()) +
                                " elements, expected " +
                                std::to_string(expected));
}

std::vector<double> normc::ref::rstdOf(const std::vector<double> &mean,
                                       const std::vector<double> &var,
                                       const Layout &layout, const Spec &spec) {
  int64_t numStats = numElements(layout.statsShape);
  if (spec.center)
    checkSize(mean, numStats, "mean");
  checkSize(var, numStats, "var");
  std::vector<double> rstd(numStats);
  for (int64_t s = 0; s < numStats; ++s)
    rstd[s] = 1.0 / std::sqrt(var[s] + spec.epsilon);
  return rstd;
}
