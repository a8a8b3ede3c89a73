//===- NormOps.cpp - Verification of the core norm ops --------------------===//
//
// Specs and verifiers of norm.normalize, norm.moments, norm.apply,
// norm.normalize_grad, norm.update_running and norm.running_stats, plus the
// resolution of running-statistics symbols.
//
//===----------------------------------------------------------------------===//

#include "dialect/NormOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallBitVector.h"
#include <array>
#include <cmath>

using namespace mlir;
using namespace mlir::norm;

#define GET_OP_CLASSES
#include "dialect/NormOps.cpp.inc"

/// Fills the reduction part of a spec from op attributes.
static NormSpec makeSpec(ArrayRef<int64_t> reduce,
                         std::optional<ArrayRef<int64_t>> params,
                         GroupsAttr groups) {
  NormSpec spec;
  spec.reduce.assign(reduce.begin(), reduce.end());
  if (params)
    spec.params.assign(params->begin(), params->end());
  if (groups)
    spec.groups = GroupSplit{groups.getAxis(), groups.getCount()};
  return spec;
}

NormalizeOp mlir::norm::buildNormalize(OpBuilder &builder, Location loc,
                                       const NormSpec &spec, Value x,
                                       Value scale, Value bias,
                                       bool withStats) {
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<Type> resultTypes{xType};
  if (withStats) {
    auto statsType =
        RankedTensorType::get(spec.getStatsShape(xType.getShape()),
                              spec.getStatsElementType(xType.getElementType()));
    resultTypes.append(2, statsType);
  }
  MLIRContext *ctx = builder.getContext();
  GroupsAttr groups;
  if (spec.groups)
    groups = GroupsAttr::get(ctx, spec.groups->axis, spec.groups->count);
  return NormalizeOp::create(
      builder, loc, resultTypes, x, scale, bias,
      builder.getDenseI64ArrayAttr(spec.reduce),
      spec.params.empty() ? DenseI64ArrayAttr()
                          : builder.getDenseI64ArrayAttr(spec.params),
      groups, builder.getBoolAttr(spec.center),
      builder.getF64FloatAttr(spec.epsilon),
      spec.statsType ? TypeAttr::get(spec.statsType) : TypeAttr(),
      spec.zeroCenteredScale ? builder.getUnitAttr() : UnitAttr(),
      cast_if_present<RunningAttr>(spec.running));
}

FailureOr<RunningStatsOp>
mlir::norm::verifyRunningStatsUse(Operation *op,
                                  SymbolTableCollection &symbolTable,
                                  const NormSpec &spec, RankedTensorType x) {
  auto running = cast<RunningAttr>(spec.running);
  auto decl = symbolTable.lookupNearestSymbolFrom<RunningStatsOp>(
      op, running.getState());
  if (!decl)
    return op->emitOpError() << "running statistics " << running.getState()
                             << " do not name a norm.running_stats declaration";
  auto expected =
      RankedTensorType::get(spec.getParamShape(x.getShape()),
                            spec.getStatsElementType(x.getElementType()));
  if (decl.getStatsType() != expected)
    return op->emitOpError()
           << "running statistics " << running.getState() << " have type "
           << decl.getStatsType() << " but this layer needs " << expected;
  return decl;
}

//===----------------------------------------------------------------------===//
// NormalizeOp
//===----------------------------------------------------------------------===//

NormSpec NormalizeOp::getSpec() {
  NormSpec spec = makeSpec(getReduce(), getParams(), getGroupsAttr());
  spec.center = getCenter();
  spec.epsilon = getEpsilon().convertToDouble();
  if (std::optional<Type> type = getStatsType())
    spec.statsType = *type;
  spec.running = getRunningAttr();
  spec.zeroCenteredScale = getZeroCenteredScale();
  return spec;
}

LogicalResult NormalizeOp::verify() {
  return verifyNormalization(*this, getSpec(), getX(), getScale(), getBias(),
                             getY(), getStats());
}

LogicalResult
NormalizeOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  NormSpec spec = getSpec();
  if (!spec.running)
    return success();
  return verifyRunningStatsUse(*this, symbolTable, spec,
                               cast<RankedTensorType>(getX().getType()));
}

//===----------------------------------------------------------------------===//
// MomentsOp
//===----------------------------------------------------------------------===//

NormSpec MomentsOp::getSpec() {
  NormSpec spec = makeSpec(getReduce(), std::nullopt, getGroupsAttr());
  spec.center = getCenter();
  spec.statsType = getElementTypeOrSelf(getMean().getType());
  return spec;
}

LogicalResult MomentsOp::verify() {
  if (failed(verifyFloatTensor(*this, getX().getType(), "input")))
    return failure();
  auto xType = cast<RankedTensorType>(getX().getType());
  NormSpec spec = getSpec();
  if (failed(verifyReduction(*this, spec, xType)) ||
      failed(
          verifyStatsType(*this, spec, xType, getMean().getType(), "mean")) ||
      failed(verifyStatsType(*this, spec, xType, getVar().getType(), "var")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ApplyOp
//===----------------------------------------------------------------------===//

NormSpec ApplyOp::getSpec() {
  NormSpec spec = makeSpec(getReduce(), getParams(), getGroupsAttr());
  spec.center = static_cast<bool>(getMean());
  spec.epsilon = getEpsilon().convertToDouble();
  spec.statsType = getElementTypeOrSelf(getVar().getType());
  spec.zeroCenteredScale = getZeroCenteredScale();
  return spec;
}

LogicalResult ApplyOp::verify() {
  NormSpec spec = getSpec();
  if (failed(verifyNormalization(*this, spec, getX(), getScale(), getBias(),
                                 getY(), ValueRange())))
    return failure();
  auto xType = cast<RankedTensorType>(getX().getType());
  if (failed(verifyStatsType(*this, spec, xType, getVar().getType(), "var")))
    return failure();
  if (getMean() &&
      failed(verifyStatsType(*this, spec, xType, getMean().getType(), "mean")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// NormalizeGradOp
//===----------------------------------------------------------------------===//

NormSpec NormalizeGradOp::getSpec() {
  NormSpec spec = makeSpec(getReduce(), getParams(), getGroupsAttr());
  // The memory-saving form reads an already centered output; its spec is
  // that of the forward normalization, which centered unless it was RMS.
  spec.center = getFromOutput() ? getCenter() : static_cast<bool>(getMean());
  spec.statsType = getElementTypeOrSelf(getRstd().getType());
  spec.zeroCenteredScale = getZeroCenteredScale();
  return spec;
}

LogicalResult NormalizeGradOp::verify() {
  NormSpec spec = getSpec();
  if (failed(verifyNormalization(*this, spec, getX(), getScale(), Value(),
                                 getDx(), ValueRange())))
    return failure();
  auto xType = cast<RankedTensorType>(getX().getType());
  if (getDy().getType() != xType)
    return emitOpError() << "output gradient type " << getDy().getType()
                         << " must match the input type " << xType;
  if (failed(verifyStatsType(*this, spec, xType, getRstd().getType(), "rstd")))
    return failure();
  if (getMean() &&
      failed(verifyStatsType(*this, spec, xType, getMean().getType(), "mean")))
    return failure();
  if (!getCenter() && !getFromOutput())
    return emitOpError("'center' is only used with from_output (otherwise "
                       "the mean operand says whether to center)");
  if (getBias() && !getFromOutput())
    return emitOpError("a bias operand is only used with from_output");
  if (getFromOutput()) {
    if (!getScale())
      return emitOpError("from_output needs the scale to recover the "
                         "normalized input from the output");
    if (getMean())
      return emitOpError("from_output takes no mean (the output is already "
                         "centered)");
    if (failed(verifyParamType(*this, spec, xType, getScale().getType(),
                               "scale")) ||
        (getBias() && failed(verifyParamType(*this, spec, xType,
                                             getBias().getType(), "bias"))))
      return failure();
    DenseFPElementsAttr constant;
    if (matchPattern(getScale(), m_Constant(&constant))) {
      double offset = getZeroCenteredScale() ? 1.0 : 0.0;
      for (auto [i, v] : llvm::enumerate(constant.getValues<APFloat>()))
        if (v.convertToDouble() + offset == 0.0)
          return emitOpError()
                 << "from_output: the scale is zero at index " << i
                 << ", so the normalized input cannot be recovered from the "
                    "output";
    }
  }
  ValueRange grads = getParamGrads();
  if (!grads.empty() && grads.size() != 2)
    return emitOpError()
           << "expects 0 or 2 parameter gradients (dscale, dbias), got "
           << grads.size();
  if (!grads.empty() && spec.params.empty())
    return emitOpError("parameter gradients require parameter axes ('params')");
  const std::array<StringRef, 2> names = {"dscale", "dbias"};
  for (auto [value, name] : llvm::zip(grads, names))
    if (failed(verifyParamType(*this, spec, xType, value.getType(), name)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// RstdOp
//===----------------------------------------------------------------------===//

LogicalResult RstdOp::verify() {
  Type element = getElementTypeOrSelf(getVar().getType());
  if (!element.isF32() && !element.isF64())
    return emitOpError() << "statistics must be f32 or f64, got " << element;
  double epsilon = getEpsilon().convertToDouble();
  if (!(epsilon > 0.0) || !std::isfinite(epsilon))
    return emitOpError() << "epsilon must be positive and finite, got "
                         << epsilon;
  return success();
}

//===----------------------------------------------------------------------===//
// UpdateRunningOp
//===----------------------------------------------------------------------===//

LogicalResult UpdateRunningOp::verify() {
  auto running = cast<RankedTensorType>(getRunningMean().getType());
  auto batch = cast<RankedTensorType>(getBatchMean().getType());
  Type element = running.getElementType();
  if (!element.isF32() && !element.isF64())
    return emitOpError() << "running statistics must be f32 or f64, got "
                         << element;
  if (batch.getElementType() != element)
    return emitOpError() << "batch statistics element type "
                         << batch.getElementType()
                         << " must match the running statistics' " << element;
  ArrayRef<int64_t> averaged = getAverageAxes();
  if (failed(verifyAxes(*this, averaged, batch.getRank(), "averaged")))
    return failure();
  SmallVector<int64_t> kept;
  for (auto [axis, size] : llvm::enumerate(batch.getShape()))
    if (!llvm::is_contained(averaged, static_cast<int64_t>(axis)))
      kept.push_back(size);
  if (!batch.hasStaticShape() || !running.hasStaticShape() ||
      running.getShape() != ArrayRef<int64_t>(kept))
    return emitOpError() << "batch statistics " << batch
                         << " do not match running statistics " << running
                         << " after averaging the axes in 'average_axes'";
  int64_t count = getCountAttr().getInt();
  if (count <= 1)
    return emitOpError() << "Expected more than 1 value per channel when "
                            "training, got count "
                         << count;
  std::optional<APFloat> momentum = getMomentum();
  if (momentum) {
    double m = momentum->convertToDouble();
    if (!(m >= 0.0 && m <= 1.0))
      return emitOpError() << "momentum must be in [0, 1], got " << m;
  } else if (getConvention() == MomentumConvention::onnx) {
    return emitOpError("the ONNX convention needs an explicit momentum");
  } else if (!getCountBatches()) {
    return emitOpError(
        "the cumulative average needs count_batches (the number of batches)");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RunningStatsOp
//===----------------------------------------------------------------------===//

LogicalResult RunningStatsOp::verify() {
  RankedTensorType type = getStatsType();
  if (!type.getElementType().isF32() && !type.getElementType().isF64())
    return emitOpError() << "running statistics must be f32 or f64, got "
                         << type.getElementType();
  if (!type.hasStaticShape())
    return emitOpError() << "running statistics must have a static shape, got "
                         << type;
  for (auto [attr, name] : {std::pair(getInitialMeanAttr(), "initial_mean"),
                            std::pair(getInitialVarAttr(), "initial_var")}) {
    if (attr && attr.getType() != type)
      return emitOpError() << name << " has type " << attr.getType()
                           << " but the statistics have type " << type;
  }
  int64_t initialCount = getInitialCountAttr().getInt();
  if (initialCount < 0)
    return emitOpError() << "initial_count must be non-negative, got "
                         << initialCount;
  return success();
}
