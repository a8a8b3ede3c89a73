//===- ConvShape.h - Sizes of a 2-D convolution -----------------*- C++ -*-===//
//
// Reads the sizes of a norm.conv2d (batch, channels, spatial extents, kernel,
// strides, padding, dilation, groups) independently of its layout, checks
// them, and computes the output shape. Used by the verifier, the lowering
// and the BatchNorm-into-conv folding.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_DIALECT_CONVSHAPE_H
#define NORMC_DIALECT_CONVSHAPE_H

#include "dialect/NormOps.h"

namespace mlir {
namespace norm {

/// Layout-independent sizes of a 2-D convolution.
struct ConvShape {
  int64_t batch, inChannels, inHeight, inWidth;
  int64_t outChannels, kernelHeight, kernelWidth;
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t padTop, padLeft, padBottom, padRight;
  int64_t groups;
  int64_t outHeight, outWidth;

  /// Reads and checks the sizes of `op`; emits a diagnostic on failure.
  static FailureOr<ConvShape> get(Conv2DOp op);
  /// The same for the convolution that `op`'s gradients belong to.
  static FailureOr<ConvShape> get(Conv2DGradOp op);
  /// Reads and checks the sizes of a convolution described by its parts.
  static FailureOr<ConvShape>
  get(Operation *op, RankedTensorType input, RankedTensorType filter,
      Layout layout, ArrayRef<int64_t> strides, ArrayRef<int64_t> padding,
      ArrayRef<int64_t> dilations, int64_t groups);
  /// The output shape in `layout` order.
  SmallVector<int64_t> getOutputShape(Layout layout) const;
};

} // namespace norm
} // namespace mlir

#endif // NORMC_DIALECT_CONVSHAPE_H
