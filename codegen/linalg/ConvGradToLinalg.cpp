//===- ConvGradToLinalg.cpp - Gradients of a convolution as linalg --------===//
//
// Builds norm.conv2d_grad as linalg.generic ops over the same grouped view
// as the forward convolution (channels split into groups):
//   dbias[o]   = sum over n, oh, ow of dy
//   dfilter    = sum over n, oh, ow of dy * padded input (at oh*s + kh*d)
//   dinput     = a full correlation of the stride-dilated, padded dy with the
//                filter, cropped to the unpadded input
// accumulated in f32 (f64 for f64 data).
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/LinalgBuilders.h"
#include "codegen/linalg/LinalgUtils.h"
#include "dialect/ConvShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::norm;

namespace {
using IT = utils::IteratorType;

/// Accumulates a * b (converted to `acc`) into `init` over `iterators`.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value init, ArrayRef<AffineMap> maps,
                         ArrayRef<IT> iterators, Type acc) {
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{lhs, rhs}, init, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value p = arith::MulFOp::create(
                   nb, nloc, convertFloat(nb, nloc, a[0], acc),
                   convertFloat(nb, nloc, a[1], acc));
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(nb, nloc, a[2], p).getResult());
             })
      .getResult(0);
}

/// Converts `value` (shape `shape`, accumulator type) to `element`.
Value toElement(OpBuilder &b, Location loc, Value value,
                ArrayRef<int64_t> shape, Type element) {
  return elementwise(b, loc, value, shape, element,
                     [&](OpBuilder &nb, Location nloc, ValueRange a) {
                       return SmallVector<Value>{
                           convertFloat(nb, nloc, a[0], element)};
                     })[0];
}
} // namespace

SmallVector<Value> mlir::norm::buildConv2DGrad(OpBuilder &b, Conv2DGradOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  ConvShape s = *ConvShape::get(op);
  bool nchw = op.getLayout() == Layout::nchw;
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto filterType = cast<RankedTensorType>(op.getFilter().getType());
  Type element = inType.getElementType();
  Type acc = computeType(element);
  int64_t g = s.groups, cg = s.inChannels / g, fg = s.outChannels / g;
  int64_t hp = s.inHeight + s.padTop + s.padBottom;
  int64_t wp = s.inWidth + s.padLeft + s.padRight;
  int64_t hAxis = nchw ? 2 : 1, wAxis = nchw ? 3 : 2;

  // Grouped views: input [N,G,C,H,W] / [N,H,W,G,C], dy [N,G,F,OH,OW] /
  // [N,OH,OW,G,F], filter [G,F,C,KH,KW] / [KH,KW,C,G,F].
  SmallVector<ReassociationIndices> actGroups =
      nchw ? SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}
           : SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}};
  SmallVector<ReassociationIndices> filterGroups =
      nchw ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}}
           : SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}};
  auto view = [&](ArrayRef<int64_t> nchwShape, ArrayRef<int64_t> nhwcShape) {
    return SmallVector<int64_t>(nchw ? nchwShape : nhwcShape);
  };
  SmallVector<int64_t> padded(inType.getShape());
  padded[hAxis] = hp;
  padded[wAxis] = wp;
  SmallVector<int64_t> low(4, 0), high(4, 0);
  low[hAxis] = s.padTop, low[wAxis] = s.padLeft;
  high[hAxis] = s.padBottom, high[wAxis] = s.padRight;
  Value zero = floatConstant(b, loc, element, 0.0);
  Value input = tensor::PadOp::create(
      b, loc, RankedTensorType::get(padded, element), op.getInput(),
      getAsIndexOpFoldResult(ctx, low), getAsIndexOpFoldResult(ctx, high), zero,
      /*nofold=*/false);
  input = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get(
          view({s.batch, g, cg, hp, wp}, {s.batch, hp, wp, g, cg}), element),
      input, actGroups);
  SmallVector<int64_t> dyShape =
      view({s.batch, g, fg, s.outHeight, s.outWidth},
           {s.batch, s.outHeight, s.outWidth, g, fg});
  Value dy = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(dyShape, element), op.getOutputGrad(),
      actGroups);
  SmallVector<int64_t> wShape =
      view({g, fg, cg, s.kernelHeight, s.kernelWidth},
           {s.kernelHeight, s.kernelWidth, cg, g, fg});
  Value filter = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(wShape, filterType.getElementType()),
      op.getFilter(), filterGroups);

  // Loop dims n, gi, f, oh, ow, c, kh, kw (as the forward convolution).
  AffineExpr n, gi, f, oh, ow, c, kh, kw;
  bindDims(ctx, n, gi, f, oh, ow, c, kh, kw);
  AffineExpr ih = oh * s.strideH + kh * s.dilationH;
  AffineExpr iw = ow * s.strideW + kw * s.dilationW;
  auto map8 = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(8, 0, e, ctx);
  };
  SmallVector<AffineExpr> inE = nchw
                                    ? SmallVector<AffineExpr>{n, gi, c, ih, iw}
                                    : SmallVector<AffineExpr>{n, ih, iw, gi, c};
  SmallVector<AffineExpr> dyE = nchw
                                    ? SmallVector<AffineExpr>{n, gi, f, oh, ow}
                                    : SmallVector<AffineExpr>{n, oh, ow, gi, f};
  SmallVector<AffineExpr> wE = nchw ? SmallVector<AffineExpr>{gi, f, c, kh, kw}
                                    : SmallVector<AffineExpr>{kh, kw, c, gi, f};

  // dfilter: reduce over n, oh, ow.
  SmallVector<IT> filterIts = {IT::reduction, IT::parallel,  IT::parallel,
                               IT::reduction, IT::reduction, IT::parallel,
                               IT::parallel,  IT::parallel};
  Value dwAcc = multiplyAccumulate(
      b, loc, dy, input, filledTensor(b, loc, wShape, acc, 0.0),
      {map8(dyE), map8(inE), map8(wE)}, filterIts, acc);
  Value dw = tensor::CollapseShapeOp::create(
      b, loc, filterType, toElement(b, loc, dwAcc, wShape, element),
      filterGroups);

  // dbias: reduce dy over n, oh, ow.
  SmallVector<int64_t> biasShape{g, fg};
  AffineMap dyMap5 = b.getMultiDimIdentityMap(5);
  AffineMap biasMap =
      nchw ? AffineMap::get(5, 0,
                            {b.getAffineDimExpr(1), b.getAffineDimExpr(2)}, ctx)
           : AffineMap::get(
                 5, 0, {b.getAffineDimExpr(3), b.getAffineDimExpr(4)}, ctx);
  SmallVector<IT> biasIts =
      nchw ? SmallVector<IT>{IT::reduction, IT::parallel, IT::parallel,
                             IT::reduction, IT::reduction}
           : SmallVector<IT>{IT::reduction, IT::reduction, IT::reduction,
                             IT::parallel, IT::parallel};
  Value biasInit = filledTensor(b, loc, biasShape, acc, 0.0);
  Value dbAcc =
      linalg::GenericOp::create(
          b, loc, biasInit.getType(), dy, biasInit, {dyMap5, biasMap}, biasIts,
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            linalg::YieldOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, a[1],
                                      convertFloat(nb, nloc, a[0], acc))
                    .getResult());
          })
          .getResult(0);
  Value db = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({s.outChannels}, element),
      toElement(b, loc, dbAcc, biasShape, element),
      SmallVector<ReassociationIndices>{{0, 1}});

  // dinput: dilate dy by the stride, pad by d * (k - 1), correlate with the
  // filter, crop the padding.
  int64_t ohd = (s.outHeight - 1) * s.strideH + 1;
  int64_t owd = (s.outWidth - 1) * s.strideW + 1;
  int64_t ph = s.dilationH * (s.kernelHeight - 1);
  int64_t pw = s.dilationW * (s.kernelWidth - 1);
  int64_t hAx = nchw ? 3 : 1, wAx = nchw ? 4 : 2;
  SmallVector<int64_t> dilShape(dyShape);
  dilShape[hAx] = ohd;
  dilShape[wAx] = owd;
  Value dilated = filledTensor(b, loc, dilShape, element, 0.0);
  SmallVector<int64_t> strides(5, 1);
  strides[hAx] = s.strideH;
  strides[wAx] = s.strideW;
  dilated = tensor::InsertSliceOp::create(
      b, loc, dy, dilated,
      getAsIndexOpFoldResult(ctx, SmallVector<int64_t>(5, 0)),
      getAsIndexOpFoldResult(ctx, dyShape),
      getAsIndexOpFoldResult(ctx, strides));
  SmallVector<int64_t> padLow(5, 0), padHigh(5, 0), dpShape(dilShape);
  padLow[hAx] = ph, padLow[wAx] = pw;
  padHigh[hAx] = hp - ohd, padHigh[wAx] = wp - owd;
  dpShape[hAx] = hp + ph;
  dpShape[wAx] = wp + pw;
  Value dyPadded = tensor::PadOp::create(
      b, loc, RankedTensorType::get(dpShape, element), dilated,
      getAsIndexOpFoldResult(ctx, padLow), getAsIndexOpFoldResult(ctx, padHigh),
      zero, /*nofold=*/false);
  // Loop dims n, gi, c, ih, iw (parallel), f, kh, kw (reduction).
  AffineExpr xn, xg, xc, xh, xw, xf, xkh, xkw;
  bindDims(ctx, xn, xg, xc, xh, xw, xf, xkh, xkw);
  AffineExpr jh = xh + ph - xkh * s.dilationH;
  AffineExpr jw = xw + pw - xkw * s.dilationW;
  SmallVector<AffineExpr> dpE =
      nchw ? SmallVector<AffineExpr>{xn, xg, xf, jh, jw}
           : SmallVector<AffineExpr>{xn, jh, jw, xg, xf};
  SmallVector<AffineExpr> w2E =
      nchw ? SmallVector<AffineExpr>{xg, xf, xc, xkh, xkw}
           : SmallVector<AffineExpr>{xkh, xkw, xc, xg, xf};
  SmallVector<AffineExpr> dxE =
      nchw ? SmallVector<AffineExpr>{xn, xg, xc, xh, xw}
           : SmallVector<AffineExpr>{xn, xh, xw, xg, xc};
  SmallVector<int64_t> dxShape =
      view({s.batch, g, cg, hp, wp}, {s.batch, hp, wp, g, cg});
  SmallVector<IT> dxIts(5, IT::parallel);
  dxIts.append(3, IT::reduction);
  Value dxAcc = multiplyAccumulate(
      b, loc, dyPadded, filter, filledTensor(b, loc, dxShape, acc, 0.0),
      {map8(dpE), map8(w2E), map8(dxE)}, dxIts, acc);
  Value dxPadded = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(padded, element),
      toElement(b, loc, dxAcc, dxShape, element), actGroups);
  SmallVector<int64_t> offsets(4, 0);
  offsets[hAxis] = s.padTop;
  offsets[wAxis] = s.padLeft;
  Value dx = tensor::ExtractSliceOp::create(
      b, loc, inType, dxPadded, getAsIndexOpFoldResult(ctx, offsets),
      getAsIndexOpFoldResult(ctx, inType.getShape()),
      getAsIndexOpFoldResult(ctx, SmallVector<int64_t>(4, 1)));
  return {dx, dw, db};
}
