//===- NormToLinalg.cpp - Statistics and their application as linalg -----===//
//
// Builds norm.moments, norm.apply, norm.rstd and norm.update_running as
// linalg.generic ops. A group split is made explicit with tensor.expand_shape
// so that every statistic is a plain reduction over some dimensions.
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/ExpandedView.h"
#include "codegen/linalg/LinalgBuilders.h"
#include "codegen/linalg/LinalgUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::norm;

namespace {
/// Sum over the reduced dimensions of f(x[, mean]) into an f64 tensor.
Value reduceSum(OpBuilder &b, Location loc, const ExpandedView &view, Value x,
                Value mean,
                function_ref<Value(OpBuilder &, Location, Value, Value)> term) {
  MLIRContext *ctx = b.getContext();
  Type f64 = b.getF64Type();
  Value init = filledTensor(b, loc, view.statsShape(), f64, 0.0);
  SmallVector<Value> inputs{x};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(view.rank())};
  if (mean) {
    inputs.push_back(mean);
    maps.push_back(view.statsMap(ctx));
  }
  maps.push_back(view.statsMap(ctx));
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, view.iterators(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value value = convertFloat(nb, nloc, args[0], f64);
        Value t = term(nb, nloc, value, mean ? args[1] : Value());
        Value sum = arith::AddFOp::create(nb, nloc, args.back(), t);
        linalg::YieldOp::create(nb, nloc, sum);
      });
  return generic.getResult(0);
}
} // namespace

SmallVector<Value> mlir::norm::buildMoments(OpBuilder &b, MomentsOp op) {
  Location loc = op.getLoc();
  NormSpec spec = op.getSpec();
  auto xType = cast<RankedTensorType>(op.getX().getType());
  ExpandedView view(spec, xType.getShape());
  Value x = view.expand(b, loc, op.getX());
  Type statsElement = getElementTypeOrSelf(op.getMean().getType());
  double inverseCount = 1.0 / spec.getReductionSize(xType.getShape());
  SmallVector<int64_t> shape = view.statsShape();
  auto scale = [&](OpBuilder &nb, Location nloc, Value v) {
    return arith::MulFOp::create(
        nb, nloc, v, floatConstant(nb, nloc, nb.getF64Type(), inverseCount));
  };

  Value mean64;
  Value squares;
  if (spec.center) {
    Value sum =
        reduceSum(b, loc, view, x, Value(),
                  [](OpBuilder &, Location, Value v, Value) { return v; });
    mean64 = elementwise(b, loc, sum, shape, b.getF64Type(),
                         [&](OpBuilder &nb, Location nloc, ValueRange a) {
                           return SmallVector<Value>{scale(nb, nloc, a[0])};
                         })[0];
    squares =
        reduceSum(b, loc, view, x, mean64,
                  [](OpBuilder &nb, Location nloc, Value v, Value m) {
                    Value d = arith::SubFOp::create(nb, nloc, v, m);
                    return arith::MulFOp::create(nb, nloc, d, d).getResult();
                  });
  } else {
    mean64 = filledTensor(b, loc, shape, b.getF64Type(), 0.0);
    squares =
        reduceSum(b, loc, view, x, Value(),
                  [](OpBuilder &nb, Location nloc, Value v, Value) {
                    return arith::MulFOp::create(nb, nloc, v, v).getResult();
                  });
  }
  return elementwise(
      b, loc, ValueRange{mean64, squares}, shape, {statsElement, statsElement},
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value var = scale(nb, nloc, a[1]);
        return SmallVector<Value>{convertFloat(nb, nloc, a[0], statsElement),
                                  convertFloat(nb, nloc, var, statsElement)};
      });
}

Value mlir::norm::buildRstd(OpBuilder &b, Location loc, Value var,
                            double epsilon) {
  auto type = cast<RankedTensorType>(var.getType());
  Type element = type.getElementType();
  return elementwise(b, loc, var, type.getShape(), element,
                     [&](OpBuilder &nb, Location nloc, ValueRange a) {
                       Value eps = floatConstant(nb, nloc, element, epsilon);
                       Value sum = arith::AddFOp::create(nb, nloc, a[0], eps);
                       return SmallVector<Value>{
                           math::RsqrtOp::create(nb, nloc, sum)};
                     })[0];
}

Value mlir::norm::buildApply(OpBuilder &b, ApplyOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  NormSpec spec = op.getSpec();
  auto xType = cast<RankedTensorType>(op.getX().getType());
  ExpandedView view(spec, xType.getShape());
  Type statsElement = getElementTypeOrSelf(op.getVar().getType());
  Value rstd = buildRstd(b, loc, op.getVar(), spec.epsilon);

  SmallVector<Value> inputs{view.expand(b, loc, op.getX())};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(view.rank())};
  auto addInput = [&](Value v, AffineMap map) {
    if (!v)
      return;
    inputs.push_back(v);
    maps.push_back(map);
  };
  addInput(op.getMean(), view.statsMap(ctx));
  addInput(rstd, view.statsMap(ctx));
  addInput(view.expandParam(b, loc, op.getScale()), view.paramMap(ctx));
  addInput(view.expandParam(b, loc, op.getBias()), view.paramMap(ctx));
  maps.push_back(b.getMultiDimIdentityMap(view.rank()));
  Value init = emptyTensor(b, loc, view.shape, xType.getElementType());
  bool hasMean = static_cast<bool>(op.getMean());
  bool hasScale = static_cast<bool>(op.getScale());
  bool zeroCentered = spec.zeroCenteredScale;
  bool hasBias = static_cast<bool>(op.getBias());
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps,
      SmallVector<utils::IteratorType>(view.rank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        unsigned i = 0;
        Value y = convertFloat(nb, nloc, args[i++], statsElement);
        if (hasMean)
          y = arith::SubFOp::create(nb, nloc, y, args[i++]);
        y = arith::MulFOp::create(nb, nloc, y, args[i++]);
        if (hasScale) {
          Value s = convertFloat(nb, nloc, args[i++], statsElement);
          if (zeroCentered)
            s = arith::AddFOp::create(
                nb, nloc, s, floatConstant(nb, nloc, statsElement, 1.0));
          y = arith::MulFOp::create(nb, nloc, y, s);
        }
        if (hasBias)
          y = arith::AddFOp::create(
              nb, nloc, y, convertFloat(nb, nloc, args[i++], statsElement));
        linalg::YieldOp::create(
            nb, nloc, convertFloat(nb, nloc, y, xType.getElementType()));
      });
  return view.collapse(b, loc, generic.getResult(0), xType);
}

/// Average of `stats` over `axes` (InstanceNorm's per-sample statistics).
static Value averageOver(OpBuilder &b, Location loc, Value stats,
                         ArrayRef<int64_t> axes) {
  if (axes.empty())
    return stats;
  auto type = cast<RankedTensorType>(stats.getType());
  Type element = type.getElementType();
  SmallVector<int64_t> kept;
  SmallVector<AffineExpr> exprs;
  SmallVector<utils::IteratorType> iterators;
  int64_t count = 1;
  for (auto [axis, size] : llvm::enumerate(type.getShape())) {
    bool averaged = llvm::is_contained(axes, int64_t(axis));
    iterators.push_back(averaged ? utils::IteratorType::reduction
                                 : utils::IteratorType::parallel);
    if (averaged) {
      count *= size;
    } else {
      kept.push_back(size);
      exprs.push_back(b.getAffineDimExpr(axis));
    }
  }
  Value init = filledTensor(b, loc, kept, element, 0.0);
  AffineMap out = AffineMap::get(type.getRank(), 0, exprs, b.getContext());
  Value sum =
      linalg::GenericOp::create(
          b, loc, init.getType(), stats, init,
          {b.getMultiDimIdentityMap(type.getRank()), out}, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            linalg::YieldOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, a[0], a[1]).getResult());
          })
          .getResult(0);
  return elementwise(b, loc, sum, kept, element,
                     [&](OpBuilder &nb, Location nloc, ValueRange a) {
                       Value n = floatConstant(nb, nloc, element, count);
                       return SmallVector<Value>{
                           arith::DivFOp::create(nb, nloc, a[0], n)};
                     })[0];
}

SmallVector<Value> mlir::norm::buildUpdateRunning(OpBuilder &b,
                                                  UpdateRunningOp op) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getRunningMean().getType());
  Type element = type.getElementType();
  Value mean = averageOver(b, loc, op.getBatchMean(), op.getAverageAxes());
  Value var = averageOver(b, loc, op.getBatchVar(), op.getAverageAxes());

  Value count = tensor::ExtractOp::create(b, loc, op.getNumBatchesTracked(),
                                          ValueRange{});
  Value one = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1));
  Value newCount = arith::AddIOp::create(b, loc, count, one);
  Value newCountTensor = op.getCountBatches()
                             ? tensor::FromElementsOp::create(
                                   b, loc, op.getNumBatchesTracked().getType(),
                                   ValueRange{newCount})
                                   .getResult()
                             : op.getNumBatchesTracked();
  Value momentum;
  if (std::optional<APFloat> m = op.getMomentum()) {
    momentum = floatConstant(b, loc, element, m->convertToDouble());
  } else {
    Value steps = arith::SIToFPOp::create(b, loc, element, newCount);
    momentum = arith::DivFOp::create(
        b, loc, floatConstant(b, loc, element, 1.0), steps);
  }
  bool onnx = op.getConvention() == MomentumConvention::onnx;
  int64_t n = op.getCountAttr().getInt();
  double correction = onnx ? 1.0 : double(n) / double(n - 1);
  SmallVector<Value> updated = elementwise(
      b, loc, ValueRange{op.getRunningMean(), op.getRunningVar(), mean, var},
      type.getShape(), {element, element},
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value oneF = floatConstant(nb, nloc, element, 1.0);
        Value rest = arith::SubFOp::create(nb, nloc, oneF, momentum);
        // PyTorch: old * (1 - m) + new * m; ONNX: old * m + new * (1 - m).
        Value oldWeight = onnx ? momentum : rest;
        Value newWeight = onnx ? rest : momentum;
        auto blend = [&](Value old, Value fresh) {
          Value o = arith::MulFOp::create(nb, nloc, old, oldWeight);
          Value f = arith::MulFOp::create(nb, nloc, fresh, newWeight);
          return arith::AddFOp::create(nb, nloc, o, f).getResult();
        };
        Value unbiased = arith::MulFOp::create(
            nb, nloc, a[3], floatConstant(nb, nloc, element, correction));
        return SmallVector<Value>{blend(a[0], a[2]), blend(a[1], unbiased)};
      });
  return {updated[0], updated[1], newCountTensor};
}
