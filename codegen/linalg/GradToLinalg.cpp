//===- GradToLinalg.cpp - Gradients of a normalization as linalg ----------===//
//
// Builds norm.normalize_grad as linalg.generic ops:
//   xhat = (x - mean) * rstd           (RMS: x * rstd)
//   g    = dy * scale
//   dx   = rstd * (g - E[g] - xhat * E[g * xhat])    (batch statistics;
//          RMS drops E[g]; fixed statistics: dx = rstd * g)
//   dscale = sum(dy * xhat), dbias = sum(dy) over the non-parameter axes.
// Sums are accumulated in f64.
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/ExpandedView.h"
#include "codegen/linalg/LinalgBuilders.h"
#include "codegen/linalg/LinalgUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::norm;

namespace {
/// The operands of a normalize_grad in the expanded view, with their maps.
struct GradOperands {
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  int dy = -1, x = -1, mean = -1, rstd = -1, scale = -1, bias = -1;
  /// `x` holds the forward output y: xhat = (y - bias) / scale.
  bool fromOutput = false;
  /// The scale is used as (1 + scale).
  bool zeroCentered = false;

  int add(Value v, AffineMap map) {
    values.push_back(v);
    maps.push_back(map);
    return values.size() - 1;
  }
};

/// Scalar helpers inside a generic body, computing in f64.
struct GradScalars {
  OpBuilder &b;
  Location loc;
  ValueRange args;
  const GradOperands &ops;

  Value f64(int index) const {
    return convertFloat(b, loc, args[index], b.getF64Type());
  }
  /// The scale as the output used it: (1 + scale) when zero-centered.
  Value effectiveScale() const {
    Value s = f64(ops.scale);
    if (ops.zeroCentered)
      s = arith::AddFOp::create(b, loc, s,
                                floatConstant(b, loc, b.getF64Type(), 1.0));
    return s;
  }
  /// (x - mean) * rstd, or x * rstd without a mean; from the output,
  /// (y - bias) / scale.
  Value xhat() const {
    if (ops.fromOutput) {
      Value y = f64(ops.x);
      if (ops.bias >= 0)
        y = arith::SubFOp::create(b, loc, y, f64(ops.bias));
      return arith::DivFOp::create(b, loc, y, effectiveScale());
    }
    Value centered = f64(ops.x);
    if (ops.mean >= 0)
      centered = arith::SubFOp::create(b, loc, centered, f64(ops.mean));
    return arith::MulFOp::create(b, loc, centered, f64(ops.rstd));
  }
  /// dy * scale.
  Value g() const {
    Value dy = f64(ops.dy);
    if (ops.scale >= 0)
      dy = arith::MulFOp::create(b, loc, dy, effectiveScale());
    return dy;
  }
};

/// Accumulates `terms` (f64 scalars) into tensors of `shape` with `outMap`.
SmallVector<Value>
reduceInto(OpBuilder &b, Location loc, const ExpandedView &view,
           const GradOperands &ops, ArrayRef<int64_t> shape, AffineMap outMap,
           ArrayRef<utils::IteratorType> iterators, unsigned count,
           function_ref<SmallVector<Value>(const GradScalars &)> terms) {
  Type f64 = b.getF64Type();
  SmallVector<Value> inits;
  SmallVector<Type> types;
  for (unsigned i = 0; i < count; ++i) {
    inits.push_back(filledTensor(b, loc, shape, f64, 0.0));
    types.push_back(inits.back().getType());
  }
  SmallVector<AffineMap> maps = ops.maps;
  maps.append(count, outMap);
  auto generic = linalg::GenericOp::create(
      b, loc, types, ops.values, inits, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        GradScalars s{nb, nloc, args, ops};
        SmallVector<Value> t = terms(s);
        SmallVector<Value> sums;
        for (unsigned i = 0; i < count; ++i)
          sums.push_back(arith::AddFOp::create(
              nb, nloc, args[ops.values.size() + i], t[i]));
        linalg::YieldOp::create(nb, nloc, sums);
      });
  return SmallVector<Value>(generic.getResults().begin(),
                            generic.getResults().end());
}
} // namespace

SmallVector<Value> mlir::norm::buildNormalizeGrad(OpBuilder &b,
                                                  NormalizeGradOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  NormSpec spec = op.getSpec();
  auto xType = cast<RankedTensorType>(op.getX().getType());
  ExpandedView view(spec, xType.getShape());
  AffineMap identity = b.getMultiDimIdentityMap(view.rank());
  GradOperands ops;
  ops.dy = ops.add(view.expand(b, loc, op.getDy()), identity);
  ops.x = ops.add(view.expand(b, loc, op.getX()), identity);
  if (op.getMean())
    ops.mean = ops.add(op.getMean(), view.statsMap(ctx));
  ops.rstd = ops.add(op.getRstd(), view.statsMap(ctx));
  if (op.getScale())
    ops.scale =
        ops.add(view.expandParam(b, loc, op.getScale()), view.paramMap(ctx));
  if (op.getBias())
    ops.bias =
        ops.add(view.expandParam(b, loc, op.getBias()), view.paramMap(ctx));
  ops.fromOutput = op.getFromOutput();
  ops.zeroCentered = spec.zeroCenteredScale;
  bool center = spec.center;
  bool batchStats = op.getBatchStats();
  double inverseCount = 1.0 / spec.getReductionSize(xType.getShape());

  // E[g] and E[g * xhat] over each reduction set (batch statistics only).
  SmallVector<Value> sums;
  if (batchStats)
    sums = reduceInto(b, loc, view, ops, view.statsShape(), view.statsMap(ctx),
                      view.iterators(), 2, [](const GradScalars &s) {
                        Value g = s.g();
                        return SmallVector<Value>{
                            g, arith::MulFOp::create(s.b, s.loc, g, s.xhat())};
                      });
  GradOperands dxOps = ops;
  int sumG = -1, sumGX = -1;
  if (batchStats) {
    sumG = dxOps.add(sums[0], view.statsMap(ctx));
    sumGX = dxOps.add(sums[1], view.statsMap(ctx));
  }
  Type element = xType.getElementType();
  Value init = emptyTensor(b, loc, view.shape, element);
  SmallVector<AffineMap> maps = dxOps.maps;
  maps.push_back(identity);
  Value dx =
      linalg::GenericOp::create(
          b, loc, init.getType(), dxOps.values, init, maps,
          SmallVector<utils::IteratorType>(view.rank(),
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            GradScalars s{nb, nloc, args, dxOps};
            Value v = s.g();
            if (batchStats) {
              auto mean = [&](int index) {
                return arith::MulFOp::create(
                    nb, nloc, s.f64(index),
                    floatConstant(nb, nloc, nb.getF64Type(), inverseCount));
              };
              if (center)
                v = arith::SubFOp::create(nb, nloc, v, mean(sumG));
              Value proj =
                  arith::MulFOp::create(nb, nloc, s.xhat(), mean(sumGX));
              v = arith::SubFOp::create(nb, nloc, v, proj);
            }
            v = arith::MulFOp::create(nb, nloc, v, s.f64(dxOps.rstd));
            linalg::YieldOp::create(nb, nloc,
                                    convertFloat(nb, nloc, v, element));
          })
          .getResult(0);
  SmallVector<Value> results{view.collapse(b, loc, dx, xType)};
  if (op.getParamGrads().empty())
    return results;

  // dscale = sum(dy * xhat), dbias = sum(dy) onto the parameters.
  SmallVector<AffineExpr> paramExprs = llvm::map_to_vector(
      view.paramDims(), [&](int64_t d) { return getAffineDimExpr(d, ctx); });
  AffineMap paramOut = AffineMap::get(view.rank(), 0, paramExprs, ctx);
  SmallVector<Value> paramSums =
      reduceInto(b, loc, view, ops, view.paramViewShape(), paramOut,
                 view.paramIterators(), 2, [](const GradScalars &s) {
                   Value dy = s.f64(s.ops.dy);
                   return SmallVector<Value>{
                       arith::MulFOp::create(s.b, s.loc, dy, s.xhat()), dy};
                 });
  for (auto [sum, grad] : llvm::zip(paramSums, op.getParamGrads())) {
    auto gradType = cast<RankedTensorType>(grad.getType());
    Type gradElement = gradType.getElementType();
    Value converted = elementwise(
        b, loc, sum, view.paramViewShape(), gradElement,
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          return SmallVector<Value>{convertFloat(nb, nloc, a[0], gradElement)};
        })[0];
    if (converted.getType() != gradType) {
      SmallVector<ReassociationIndices> groups;
      int64_t next = 0;
      for (int64_t axis : spec.params) {
        ReassociationIndices dims;
        for (size_t i = 0; i < view.reassociation[axis].size(); ++i)
          dims.push_back(next++);
        groups.push_back(dims);
      }
      converted =
          tensor::CollapseShapeOp::create(b, loc, gradType, converted, groups);
    }
    results.push_back(converted);
  }
  return results;
}
