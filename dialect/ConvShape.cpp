//===- ConvShape.cpp - Sizes of a 2-D convolution -------------------------===//
//
// Reads a norm.conv2d's sizes for either layout (NCHW/OIHW or NHWC/HWIO)
// and checks strides, padding, dilation, groups and the kernel extent.
//
//===----------------------------------------------------------------------===//

#include "dialect/ConvShape.h"

using namespace mlir;
using namespace mlir::norm;

/// Output extent of one spatial axis, or a non-positive value when the
/// (dilated) kernel does not fit into the padded input.
static int64_t outputExtent(int64_t in, int64_t padLo, int64_t padHi,
                            int64_t kernel, int64_t stride, int64_t dilation) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t padded = in + padLo + padHi;
  if (span > padded)
    return 0;
  return (padded - span) / stride + 1;
}

FailureOr<ConvShape> ConvShape::get(Conv2DOp op) {
  return get(op, cast<RankedTensorType>(op.getInput().getType()),
             cast<RankedTensorType>(op.getFilter().getType()), op.getLayout(),
             op.getStrides(), op.getPadding(), op.getDilations(),
             op.getGroups());
}

FailureOr<ConvShape> ConvShape::get(Conv2DGradOp op) {
  return get(op, cast<RankedTensorType>(op.getInput().getType()),
             cast<RankedTensorType>(op.getFilter().getType()), op.getLayout(),
             op.getStrides(), op.getPadding(), op.getDilations(),
             op.getGroups());
}

FailureOr<ConvShape> ConvShape::get(Operation *op, RankedTensorType inType,
                                    RankedTensorType filterType, Layout layout,
                                    ArrayRef<int64_t> strides,
                                    ArrayRef<int64_t> padding,
                                    ArrayRef<int64_t> dilations,
                                    int64_t groups) {
  ArrayRef<int64_t> in = inType.getShape();
  ArrayRef<int64_t> f = filterType.getShape();
  ConvShape s;
  int64_t filterInChannels;
  if (layout == Layout::nchw) {
    s.batch = in[0], s.inChannels = in[1], s.inHeight = in[2],
    s.inWidth = in[3];
    s.outChannels = f[0], filterInChannels = f[1], s.kernelHeight = f[2],
    s.kernelWidth = f[3];
  } else {
    s.batch = in[0], s.inHeight = in[1], s.inWidth = in[2],
    s.inChannels = in[3];
    s.kernelHeight = f[0], s.kernelWidth = f[1], filterInChannels = f[2],
    s.outChannels = f[3];
  }
  if (strides.size() != 2 ||
      llvm::any_of(strides, [](int64_t v) { return v <= 0; }))
    return op->emitOpError("strides must be two positive integers");
  if (dilations.size() != 2 ||
      llvm::any_of(dilations, [](int64_t v) { return v <= 0; }))
    return op->emitOpError("dilations must be two positive integers");
  if (padding.size() != 4 ||
      llvm::any_of(padding, [](int64_t v) { return v < 0; }))
    return op->emitOpError("padding must be four non-negative integers "
                           "[top, left, bottom, right]");
  s.strideH = strides[0], s.strideW = strides[1];
  s.dilationH = dilations[0], s.dilationW = dilations[1];
  s.padTop = padding[0], s.padLeft = padding[1], s.padBottom = padding[2],
  s.padRight = padding[3];
  s.groups = groups;
  if (s.groups <= 0)
    return op->emitOpError() << "groups must be positive, got " << s.groups;
  if (s.inChannels % s.groups != 0)
    return op->emitOpError() << "input channels " << s.inChannels
                             << " are not divisible by groups " << s.groups;
  if (s.outChannels % s.groups != 0)
    return op->emitOpError() << "output channels " << s.outChannels
                             << " are not divisible by groups " << s.groups;
  if (filterInChannels != s.inChannels / s.groups)
    return op->emitOpError()
           << "filter has " << filterInChannels
           << " input channels per group, expected " << s.inChannels / s.groups;
  s.outHeight = outputExtent(s.inHeight, s.padTop, s.padBottom, s.kernelHeight,
                             s.strideH, s.dilationH);
  s.outWidth = outputExtent(s.inWidth, s.padLeft, s.padRight, s.kernelWidth,
                            s.strideW, s.dilationW);
  if (s.outHeight <= 0 || s.outWidth <= 0)
    return op->emitOpError(
        "the dilated kernel is larger than the padded input");
  return s;
}

SmallVector<int64_t> ConvShape::getOutputShape(Layout layout) const {
  if (layout == Layout::nchw)
    return {batch, outChannels, outHeight, outWidth};
  return {batch, outHeight, outWidth, outChannels};
}
