//===- GraphToLinalg.cpp - Graph ops as linalg ----------------------------===//
//
// Builds norm.activation, norm.add and norm.conv2d as linalg.generic ops.
// Activations of f16/bf16 data are computed in f32; NaN propagates as in
// PyTorch (relu / relu6 use IEEE maximum / minimum). The convolution is a
// direct one (groups as an explicit dimension, zero padding by tensor.pad);
// its speed is a later concern.
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/LinalgBuilders.h"
#include "codegen/linalg/LinalgUtils.h"
#include "dialect/ConvShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include <cmath>

using namespace mlir;
using namespace mlir::norm;

/// The activation `kind` applied to the compute-type scalar (or vector) `x`.
Value mlir::norm::activate(OpBuilder &b, Location loc, ActivationKind kind,
                           double alpha, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  auto sigmoid = [&](Value v) {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(b, loc, c(1.0),
                                 arith::AddFOp::create(b, loc, c(1.0), e))
        .getResult();
  };
  switch (kind) {
  case ActivationKind::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case ActivationKind::relu6:
    return arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, x, c(0.0)), c(6.0));
  case ActivationKind::leaky_relu: {
    Value positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
    Value scaled = arith::MulFOp::create(b, loc, x, c(alpha));
    return arith::SelectOp::create(b, loc, positive, x, scaled);
  }
  case ActivationKind::gelu_erf: {
    Value e = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, c(1.0), e));
  }
  case ActivationKind::gelu_tanh: {
    Value cube =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, cube, c(0.044715)));
    Value t = math::TanhOp::create(
        b, loc, arith::MulFOp::create(b, loc, inner, c(std::sqrt(2.0 / M_PI))));
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, c(1.0), t));
  }
  case ActivationKind::silu:
    return arith::MulFOp::create(b, loc, x, sigmoid(x));
  case ActivationKind::sigmoid:
    return sigmoid(x);
  case ActivationKind::tanh:
    return math::TanhOp::create(b, loc, x);
  }
  llvm_unreachable("unknown activation");
}

/// f'(x) * dy for the activation `kind`, on compute-type scalars.
static Value activateGrad(OpBuilder &b, Location loc, ActivationKind kind,
                          double alpha, Value dy, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  auto mul = [&](Value a, Value v) {
    return arith::MulFOp::create(b, loc, a, v).getResult();
  };
  auto add = [&](Value a, Value v) {
    return arith::AddFOp::create(b, loc, a, v).getResult();
  };
  auto sub = [&](Value a, Value v) {
    return arith::SubFOp::create(b, loc, a, v).getResult();
  };
  auto gt = [&](Value a, Value v) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a, v)
        .getResult();
  };
  auto select = [&](Value cond, Value a, Value v) {
    return arith::SelectOp::create(b, loc, cond, a, v).getResult();
  };
  switch (kind) {
  case ActivationKind::relu:
    return select(gt(x, c(0.0)), dy, c(0.0));
  case ActivationKind::relu6: {
    Value inside = arith::AndIOp::create(b, loc, gt(x, c(0.0)), gt(c(6.0), x));
    return select(inside, dy, c(0.0));
  }
  case ActivationKind::leaky_relu:
    return select(gt(x, c(0.0)), dy, mul(dy, c(alpha)));
  case ActivationKind::gelu_erf: {
    // Phi(x) + x * phi(x).
    Value cdf = mul(
        c(0.5), add(c(1.0), math::ErfOp::create(b, loc, mul(x, c(M_SQRT1_2)))));
    Value pdf = mul(c(1.0 / std::sqrt(2.0 * M_PI)),
                    math::ExpOp::create(b, loc, mul(c(-0.5), mul(x, x))));
    return mul(dy, add(cdf, mul(x, pdf)));
  }
  case ActivationKind::gelu_tanh: {
    double k = std::sqrt(2.0 / M_PI);
    Value x2 = mul(x, x);
    Value u = mul(c(k), add(x, mul(c(0.044715), mul(x2, x))));
    Value th = math::TanhOp::create(b, loc, u);
    Value du = mul(c(k), add(c(1.0), mul(c(3.0 * 0.044715), x2)));
    Value d = add(mul(c(0.5), add(c(1.0), th)),
                  mul(mul(c(0.5), x), mul(sub(c(1.0), mul(th, th)), du)));
    return mul(dy, d);
  }
  case ActivationKind::silu:
  case ActivationKind::sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    Value sg = arith::DivFOp::create(b, loc, c(1.0), add(c(1.0), e));
    Value ds = mul(sg, sub(c(1.0), sg));
    if (kind == ActivationKind::sigmoid)
      return mul(dy, ds);
    return mul(dy, add(sg, mul(x, ds)));
  }
  case ActivationKind::tanh: {
    Value th = math::TanhOp::create(b, loc, x);
    return mul(dy, sub(c(1.0), mul(th, th)));
  }
  }
  llvm_unreachable("unknown activation");
}

Value mlir::norm::buildActivationGrad(OpBuilder &b, ActivationGradOp op) {
  auto type = cast<RankedTensorType>(op.getInput().getType());
  Type element = type.getElementType();
  Type compute = computeType(element);
  ActivationKind kind = op.getKind();
  double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 0.01;
  return elementwise(
      b, op.getLoc(), ValueRange{op.getOutputGrad(), op.getInput()},
      type.getShape(), element, [&](OpBuilder &nb, Location loc, ValueRange a) {
        Value dy = convertFloat(nb, loc, a[0], compute);
        Value x = convertFloat(nb, loc, a[1], compute);
        Value dx = activateGrad(nb, loc, kind, alpha, dy, x);
        return SmallVector<Value>{convertFloat(nb, loc, dx, element)};
      })[0];
}

Value mlir::norm::buildActivation(OpBuilder &b, ActivationOp op) {
  auto type = cast<RankedTensorType>(op.getInput().getType());
  Type element = type.getElementType();
  Type compute = computeType(element);
  ActivationKind kind = op.getKind();
  double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 0.01;
  return elementwise(b, op.getLoc(), op.getInput(), type.getShape(), element,
                     [&](OpBuilder &nb, Location loc, ValueRange a) {
                       Value x = convertFloat(nb, loc, a[0], compute);
                       Value y = activate(nb, loc, kind, alpha, x);
                       return SmallVector<Value>{
                           convertFloat(nb, loc, y, element)};
                     })[0];
}

Value mlir::norm::buildAdd(OpBuilder &b, AddOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  return elementwise(
      b, op.getLoc(), ValueRange{op.getLhs(), op.getRhs()}, type.getShape(),
      type.getElementType(), [](OpBuilder &nb, Location loc, ValueRange a) {
        return SmallVector<Value>{arith::AddFOp::create(nb, loc, a[0], a[1])};
      })[0];
}

Value mlir::norm::buildConv2D(OpBuilder &b, Conv2DOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  ConvShape s = *ConvShape::get(op);
  bool nchw = op.getLayout() == Layout::nchw;
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  Type element = inType.getElementType();
  Type acc = computeType(element);
  int64_t g = s.groups, cg = s.inChannels / g, fg = s.outChannels / g;

  // Zero padding, then split channels into (groups, channels per group).
  SmallVector<int64_t> low(4, 0), high(4, 0);
  int64_t hAxis = nchw ? 2 : 1, wAxis = nchw ? 3 : 2;
  low[hAxis] = s.padTop, low[wAxis] = s.padLeft;
  high[hAxis] = s.padBottom, high[wAxis] = s.padRight;
  SmallVector<int64_t> padded(inType.getShape());
  padded[hAxis] += s.padTop + s.padBottom;
  padded[wAxis] += s.padLeft + s.padRight;
  Value input = op.getInput();
  if (llvm::any_of(low, [](int64_t v) { return v; }) ||
      llvm::any_of(high, [](int64_t v) { return v; }))
    input = tensor::PadOp::create(
        b, loc, RankedTensorType::get(padded, element), input,
        getAsIndexOpFoldResult(ctx, low), getAsIndexOpFoldResult(ctx, high),
        floatConstant(b, loc, element, 0.0), /*nofold=*/false);
  SmallVector<int64_t> inShape, filterShape, outShape;
  SmallVector<ReassociationIndices> inGroups, filterGroups, outGroups;
  auto filterType = cast<RankedTensorType>(op.getFilter().getType());
  if (nchw) {
    inShape = {s.batch, g, cg, padded[2], padded[3]};
    inGroups = {{0}, {1, 2}, {3}, {4}};
    filterShape = {g, fg, cg, s.kernelHeight, s.kernelWidth};
    filterGroups = {{0, 1}, {2}, {3}, {4}};
    outShape = {s.batch, g, fg, s.outHeight, s.outWidth};
    outGroups = {{0}, {1, 2}, {3}, {4}};
  } else {
    inShape = {s.batch, padded[1], padded[2], g, cg};
    inGroups = {{0}, {1}, {2}, {3, 4}};
    filterShape = {s.kernelHeight, s.kernelWidth, cg, g, fg};
    filterGroups = {{0}, {1}, {2}, {3, 4}};
    outShape = {s.batch, s.outHeight, s.outWidth, g, fg};
    outGroups = {{0}, {1}, {2}, {3, 4}};
  }
  input = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(inShape, element), input, inGroups);
  Value filter = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(filterShape, filterType.getElementType()),
      op.getFilter(), filterGroups);

  // Loop dims: n, g, f, oh, ow (parallel), c, kh, kw (reduction).
  AffineExpr n, gi, f, oh, ow, c, kh, kw;
  bindDims(ctx, n, gi, f, oh, ow, c, kh, kw);
  AffineExpr ih = oh * s.strideH + kh * s.dilationH;
  AffineExpr iw = ow * s.strideW + kw * s.dilationW;
  SmallVector<AffineExpr> inExprs, filterExprs, outExprs;
  if (nchw) {
    inExprs = {n, gi, c, ih, iw};
    filterExprs = {gi, f, c, kh, kw};
    outExprs = {n, gi, f, oh, ow};
  } else {
    inExprs = {n, ih, iw, gi, c};
    filterExprs = {kh, kw, c, gi, f};
    outExprs = {n, oh, ow, gi, f};
  }
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(8, 0, exprs, ctx);
  };
  using IT = utils::IteratorType;
  SmallVector<IT> iterators(5, IT::parallel);
  iterators.append(3, IT::reduction);
  Value init = filledTensor(b, loc, outShape, acc, 0.0);
  Value sum =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{input, filter}, init,
          {map(inExprs), map(filterExprs), map(outExprs)}, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            Value x = convertFloat(nb, nloc, a[0], acc);
            Value w = convertFloat(nb, nloc, a[1], acc);
            Value p = arith::MulFOp::create(nb, nloc, x, w);
            linalg::YieldOp::create(
                nb, nloc, arith::AddFOp::create(nb, nloc, a[2], p).getResult());
          })
          .getResult(0);

  // Bias and conversion back to the element type, then merge the groups.
  auto outType = cast<RankedTensorType>(op.getType());
  Value result;
  if (Value bias = op.getBias()) {
    Value biasView = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({g, fg}, element), bias,
        SmallVector<ReassociationIndices>{{0, 1}});
    AffineMap identity = b.getMultiDimIdentityMap(5);
    AffineMap biasMap =
        nchw ? AffineMap::get(
                   5, 0, {b.getAffineDimExpr(1), b.getAffineDimExpr(2)}, ctx)
             : AffineMap::get(
                   5, 0, {b.getAffineDimExpr(3), b.getAffineDimExpr(4)}, ctx);
    Value out = emptyTensor(b, loc, outShape, element);
    result =
        linalg::GenericOp::create(
            b, loc, out.getType(), ValueRange{sum, biasView}, out,
            {identity, biasMap, identity}, SmallVector<IT>(5, IT::parallel),
            [&](OpBuilder &nb, Location nloc, ValueRange a) {
              Value bv = convertFloat(nb, nloc, a[1], acc);
              Value y = arith::AddFOp::create(nb, nloc, a[0], bv);
              linalg::YieldOp::create(nb, nloc,
                                      convertFloat(nb, nloc, y, element));
            })
            .getResult(0);
  } else {
    result = elementwise(b, loc, sum, outShape, element,
                         [&](OpBuilder &nb, Location nloc, ValueRange a) {
                           return SmallVector<Value>{
                               convertFloat(nb, nloc, a[0], element)};
                         })[0];
  }
  return tensor::CollapseShapeOp::create(b, loc, outType, result, outGroups);
}
