//===- NormSpec.cpp - Shape rules and checks of normalizations ------------===//
//
// Implements the shape rules of NormSpec and the verification helpers that
// every norm op calls, so one invariant has one diagnostic everywhere.
//
//===----------------------------------------------------------------------===//

#include "dialect/NormSpec.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include <cmath>

using namespace mlir;
using namespace mlir::norm;

/// Prints `[a, b, c]` into a diagnostic-friendly string.
static std::string formatList(ArrayRef<int64_t> values) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(values, os);
  os << "]";
  return text;
}

bool NormSpec::isReduced(int64_t axis) const {
  return llvm::is_contained(reduce, axis);
}

Type NormSpec::getStatsElementType(Type inputElement) const {
  if (statsType)
    return statsType;
  if (inputElement.isF64())
    return inputElement;
  return Float32Type::get(inputElement.getContext());
}

SmallVector<int64_t> NormSpec::getStatsShape(ArrayRef<int64_t> x) const {
  SmallVector<int64_t> shape;
  for (auto [axis, size] : llvm::enumerate(x)) {
    if (groups && groups->axis == static_cast<int64_t>(axis))
      shape.push_back(groups->count);
    else if (!isReduced(axis))
      shape.push_back(size);
  }
  return shape;
}

SmallVector<int64_t> NormSpec::getParamShape(ArrayRef<int64_t> x) const {
  return llvm::map_to_vector(params, [&](int64_t axis) { return x[axis]; });
}

int64_t NormSpec::getReductionSize(ArrayRef<int64_t> x) const {
  int64_t size = 1;
  for (int64_t axis : reduce) {
    int64_t extent = x[axis];
    if (groups && groups->axis == axis)
      extent /= groups->count;
    size *= extent;
  }
  return size;
}

LogicalResult mlir::norm::verifyFloatTensor(Operation *op, Type type,
                                            StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return op->emitOpError()
           << what << " must be a ranked tensor, got " << type;
  Type element = tensor.getElementType();
  if (!element.isF16() && !element.isBF16() && !element.isF32() &&
      !element.isF64())
    return op->emitOpError()
           << what << " element type must be f16, bf16, f32 or f64, got "
           << element;
  if (!tensor.hasStaticShape())
    return op->emitOpError()
           << what << " must have a static shape, got " << type;
  return success();
}

LogicalResult mlir::norm::verifyAxes(Operation *op, ArrayRef<int64_t> axes,
                                     int64_t rank, StringRef what) {
  llvm::SmallBitVector seen(rank);
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= rank)
      return op->emitOpError()
             << what << " axis " << axis << " is out of range for a rank-"
             << rank << " input";
    if (seen.test(axis))
      return op->emitOpError() << what << " axis " << axis << " is repeated";
    seen.set(axis);
  }
  return success();
}

LogicalResult mlir::norm::verifyReduction(Operation *op, const NormSpec &spec,
                                          RankedTensorType x) {
  int64_t rank = x.getRank();
  if (spec.reduce.empty())
    return op->emitOpError("reduction axes must not be empty");
  if (failed(verifyAxes(op, spec.reduce, rank, "reduction")))
    return failure();
  for (int64_t axis : spec.reduce)
    if (x.getDimSize(axis) == 0)
      return op->emitOpError()
             << "reduction axis " << axis << " is empty (size 0)";
  if (spec.groups) {
    const GroupSplit &g = *spec.groups;
    if (g.axis < 0 || g.axis >= rank)
      return op->emitOpError()
             << "group axis " << g.axis << " is out of range for a rank-"
             << rank << " input";
    if (g.count <= 0)
      return op->emitOpError()
             << "group count must be positive, got " << g.count;
    if (!spec.isReduced(g.axis))
      return op->emitOpError()
             << "group axis " << g.axis << " must be a reduction axis";
    if (x.getDimSize(g.axis) % g.count != 0)
      return op->emitOpError()
             << "group count " << g.count << " does not divide axis " << g.axis
             << " of size " << x.getDimSize(g.axis);
  }
  if (!(spec.epsilon > 0.0) || !std::isfinite(spec.epsilon))
    return op->emitOpError()
           << "epsilon must be positive and finite, got " << spec.epsilon;
  if (spec.statsType && !spec.statsType.isF32() && !spec.statsType.isF64())
    return op->emitOpError()
           << "statistics type must be f32 or f64, got " << spec.statsType;
  return success();
}

LogicalResult mlir::norm::verifyStatsType(Operation *op, const NormSpec &spec,
                                          RankedTensorType x, Type actual,
                                          StringRef what) {
  auto expected =
      RankedTensorType::get(spec.getStatsShape(x.getShape()),
                            spec.getStatsElementType(x.getElementType()));
  if (actual != expected)
    return op->emitOpError()
           << what << " type " << actual
           << " does not match the statistics type " << expected;
  return success();
}

LogicalResult mlir::norm::verifyParamType(Operation *op, const NormSpec &spec,
                                          RankedTensorType x, Type actual,
                                          StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(actual);
  SmallVector<int64_t> expected = spec.getParamShape(x.getShape());
  if (!tensor || tensor.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError()
           << what << " type " << actual << " does not match the input's shape "
           << formatList(expected) << " at parameter axes "
           << formatList(spec.params);
  Type element = tensor.getElementType();
  Type stats = spec.getStatsElementType(x.getElementType());
  if (element != x.getElementType() && element != stats)
    return op->emitOpError()
           << what << " element type must be the input's ("
           << x.getElementType() << ") or the statistics type (" << stats
           << "), got " << element;
  return success();
}

/// Checks the optional parameter axes and the scale / bias operands.
static LogicalResult verifyAffine(Operation *op, const NormSpec &spec,
                                  RankedTensorType x, Value scale, Value bias) {
  if (failed(verifyAxes(op, spec.params, x.getRank(), "parameter")))
    return failure();
  if (spec.zeroCenteredScale && !scale)
    return op->emitOpError("zero_centered_scale requires a scale operand");
  if ((scale || bias) && spec.params.empty())
    return op->emitOpError("scale and bias require parameter axes ('params')");
  if (scale && failed(verifyParamType(op, spec, x, scale.getType(), "scale")))
    return failure();
  if (bias && failed(verifyParamType(op, spec, x, bias.getType(), "bias")))
    return failure();
  return success();
}

LogicalResult mlir::norm::verifyNormalization(Operation *op,
                                              const NormSpec &spec, Value x,
                                              Value scale, Value bias, Value y,
                                              ValueRange stats) {
  if (failed(verifyFloatTensor(op, x.getType(), "input")))
    return failure();
  auto xType = cast<RankedTensorType>(x.getType());
  if (failed(verifyReduction(op, spec, xType)) ||
      failed(verifyAffine(op, spec, xType, scale, bias)))
    return failure();
  if (y.getType() != xType)
    return op->emitOpError() << "result type " << y.getType()
                             << " must match the input type " << xType;
  if (!stats.empty() && stats.size() != 2)
    return op->emitOpError()
           << "expects 0 or 2 statistics results (mean, rstd), got "
           << stats.size();
  if (!stats.empty() &&
      (failed(verifyStatsType(op, spec, xType, stats[0].getType(), "mean")) ||
       failed(verifyStatsType(op, spec, xType, stats[1].getType(), "rstd"))))
    return failure();
  if (spec.running) {
    if (!spec.center)
      return op->emitOpError(
          "running statistics require a centered normalization");
    if (spec.params.empty())
      return op->emitOpError(
          "running statistics require parameter axes ('params')");
    for (int64_t axis : spec.params)
      if (spec.isReduced(axis))
        return op->emitOpError()
               << "running statistics span the parameter axes, but parameter "
                  "axis "
               << axis << " is reduced";
  }
  return success();
}
