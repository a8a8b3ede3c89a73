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

/// f32 (or wider) -> bf16, rounded to nearest even, NaN kept quiet, with
/// integer ops and no select: arith.truncf's expansion selects between bf16
/// values, which x86 without AVX512-BF16 legalizes lane by lane through
/// __truncsfbf2 (measured: bf16 kernels at 12 % of the copy probe).
static Value truncateToBF16(OpBuilder &b, Location loc, Value value) {
  auto like = [&](Type element) -> Type {
    if (auto vector = dyn_cast<VectorType>(value.getType()))
      return vector.clone(element);
    return element;
  };
  auto constant = [&](Type element, int64_t v) -> Value {
    Type t = like(element);
    if (auto vector = dyn_cast<VectorType>(t))
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vector, b.getIntegerAttr(element, v)));
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(element, v));
  };
  if (!getElementTypeOrSelf(value.getType()).isF32())
    value = arith::TruncFOp::create(b, loc, like(b.getF32Type()), value);
  Type i32 = b.getI32Type(), i16 = b.getI16Type();
  Value bits = arith::BitcastOp::create(b, loc, like(i32), value);
  Value sixteen = constant(i32, 16);
  Value lsb = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, sixteen), constant(i32, 1));
  Value rounded = arith::AddIOp::create(
      b, loc, bits, arith::AddIOp::create(b, loc, lsb, constant(i32, 0x7FFF)));
  // NaN: the bits with the quiet bit set, blended in by a mask; all in i32
  // lanes (the compare's own width), then one narrowing of the high halves.
  Value nan = arith::OrIOp::create(b, loc, bits, constant(i32, 0x400000));
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
  Value mask = arith::ExtSIOp::create(b, loc, like(i32), isNaN);
  Value chosen = arith::XOrIOp::create(
      b, loc, rounded,
      arith::AndIOp::create(b, loc, arith::XOrIOp::create(b, loc, rounded, nan),
                            mask));
  Value blended = arith::TruncIOp::create(
      b, loc, like(i16), arith::ShRUIOp::create(b, loc, chosen, sixteen));
  return arith::BitcastOp::create(b, loc, like(b.getBF16Type()), blended);
}

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
  if (toElement.isBF16())
    return truncateToBF16(b, loc, value);
  // f64 -> f16 / bf16 goes through f32: LLVM has no inline lowering for it
  // (it would call a compiler-rt builtin).
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
