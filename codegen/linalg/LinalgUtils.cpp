//===- LinalgUtils.cpp - Small helpers for building linalg ----------------===//
//
// Implements the float, constant and elementwise helpers of LinalgUtils.h.
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/LinalgUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::norm;

Value mlir::norm::convertFloat(OpBuilder &b, Location loc, Value value,
                               Type type) {
  Type from = value.getType();
  if (from == type)
    return value;
  // Vectors convert lane by lane: `type` may be the vector or its element.
  Type fromElement = getElementTypeOrSelf(from);
  Type toElement = getElementTypeOrSelf(type);
  if (auto vector = dyn_cast<VectorType>(from))
    type = vector.clone(toElement);
  if (fromElement == toElement)
    return value;
  if (fromElement.getIntOrFloatBitWidth() < toElement.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, type, value);
  // f64 -> f16 / bf16 goes through f32: LLVM has no inline lowering for it
  // (it would call a compiler-rt builtin). f32 -> bf16 stays arith.truncf:
  // the CPU backend expands it into integer ops for targets without
  // AVX512-BF16 (norm-expand-bf16-truncation).
  if (fromElement.isF64() && toElement.getIntOrFloatBitWidth() == 16) {
    Type f32 = b.getF32Type();
    if (auto vector = dyn_cast<VectorType>(type))
      f32 = vector.clone(f32);
    value = arith::TruncFOp::create(b, loc, f32, value);
  }
  return arith::TruncFOp::create(b, loc, type, value);
}

Value mlir::norm::floatConstant(OpBuilder &b, Location loc, Type type,
                                double value) {
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(vector,
                               b.getFloatAttr(vector.getElementType(), value)));
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value mlir::norm::emptyTensor(OpBuilder &b, Location loc,
                              ArrayRef<int64_t> shape, Type element) {
  return tensor::EmptyOp::create(b, loc, shape, element);
}

Value mlir::norm::filledTensor(OpBuilder &b, Location loc,
                               ArrayRef<int64_t> shape, Type element,
                               double value) {
  Value init = emptyTensor(b, loc, shape, element);
  Value scalar = floatConstant(b, loc, element, value);
  return linalg::FillOp::create(b, loc, scalar, init).getResult(0);
}

Type mlir::norm::computeType(Type element) {
  if (element.isF64())
    return element;
  return Float32Type::get(element.getContext());
}

SmallVector<Value> mlir::norm::elementwise(OpBuilder &b, Location loc,
                                           ValueRange inputs,
                                           ArrayRef<int64_t> shape,
                                           ArrayRef<Type> resultElements,
                                           ScalarFn body) {
  int64_t rank = shape.size();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> outputs;
  SmallVector<Type> resultTypes;
  for (Type element : resultElements) {
    outputs.push_back(emptyTensor(b, loc, shape, element));
    resultTypes.push_back(RankedTensorType::get(shape, element));
  }
  SmallVector<AffineMap> maps(inputs.size() + outputs.size(), identity);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, outputs, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> results =
            body(nb, nloc, args.take_front(inputs.size()));
        linalg::YieldOp::create(nb, nloc, results);
      });
  return SmallVector<Value>(generic.getResults().begin(),
                            generic.getResults().end());
}
