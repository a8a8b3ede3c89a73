//===- GraphOps.cpp - Verification of the graph ops -----------------------===//
//
// Verifiers of the ops that surround normalizations in real blocks:
// norm.conv2d, norm.activation and norm.add.
//
//===----------------------------------------------------------------------===//

#include "dialect/ConvShape.h"
#include "dialect/NormOps.h"

using namespace mlir;
using namespace mlir::norm;

LogicalResult Conv2DOp::verify() {
  if (failed(verifyFloatTensor(*this, getInput().getType(), "input")) ||
      failed(verifyFloatTensor(*this, getFilter().getType(), "filter")))
    return failure();
  auto input = cast<RankedTensorType>(getInput().getType());
  auto filter = cast<RankedTensorType>(getFilter().getType());
  if (input.getRank() != 4)
    return emitOpError() << "input must have rank 4, got rank "
                         << input.getRank();
  if (filter.getRank() != 4)
    return emitOpError() << "filter must have rank 4, got rank "
                         << filter.getRank();
  if (filter.getElementType() != input.getElementType())
    return emitOpError() << "filter element type " << filter.getElementType()
                         << " must match the input's "
                         << input.getElementType();
  FailureOr<ConvShape> shape = ConvShape::get(*this);
  if (failed(shape))
    return failure();
  auto expected = RankedTensorType::get(shape->getOutputShape(getLayout()),
                                        input.getElementType());
  if (getOutput().getType() != expected)
    return emitOpError() << "result type " << getOutput().getType()
                         << " does not match the expected " << expected;
  if (Value bias = getBias()) {
    auto biasType =
        RankedTensorType::get({shape->outChannels}, input.getElementType());
    if (bias.getType() != biasType)
      return emitOpError() << "bias type " << bias.getType()
                           << " does not match the expected " << biasType;
  }
  return success();
}

LogicalResult Conv2DGradOp::verify() {
  if (failed(verifyFloatTensor(*this, getInput().getType(), "input")) ||
      failed(verifyFloatTensor(*this, getFilter().getType(), "filter")) ||
      failed(verifyFloatTensor(*this, getOutputGrad().getType(),
                               "output gradient")))
    return failure();
  auto input = cast<RankedTensorType>(getInput().getType());
  auto filter = cast<RankedTensorType>(getFilter().getType());
  if (input.getRank() != 4 || filter.getRank() != 4)
    return emitOpError("input and filter must have rank 4");
  FailureOr<ConvShape> shape = ConvShape::get(*this);
  if (failed(shape))
    return failure();
  Type element = input.getElementType();
  auto output =
      RankedTensorType::get(shape->getOutputShape(getLayout()), element);
  if (getOutputGrad().getType() != output)
    return emitOpError() << "output gradient type " << getOutputGrad().getType()
                         << " does not match the convolution's output "
                         << output;
  if (getInputGrad().getType() != input || getFilterGrad().getType() != filter)
    return emitOpError("input and filter gradients must have the types of "
                       "the input and the filter");
  auto bias = RankedTensorType::get({shape->outChannels}, element);
  if (getBiasGrad().getType() != bias)
    return emitOpError() << "bias gradient type " << getBiasGrad().getType()
                         << " does not match the expected " << bias;
  return success();
}

LogicalResult ActivationOp::verify() {
  if (failed(verifyFloatTensor(*this, getInput().getType(), "input")))
    return failure();
  if (getAlpha() && getKind() != ActivationKind::leaky_relu)
    return emitOpError("'alpha' only applies to leaky_relu");
  return success();
}

LogicalResult ActivationGradOp::verify() {
  if (failed(verifyFloatTensor(*this, getInput().getType(), "input")))
    return failure();
  if (getAlpha() && getKind() != ActivationKind::leaky_relu)
    return emitOpError("'alpha' only applies to leaky_relu");
  return success();
}

LogicalResult AddOp::verify() {
  return verifyFloatTensor(*this, getLhs().getType(), "operand");
}
