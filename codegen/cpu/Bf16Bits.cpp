//===- Bf16Bits.cpp - f32 <-> bf16 as integer ops on i32 lanes ------------===//
//
// Implements the integer bf16 rounding and the even/odd lane split.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Bf16Bits.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::norm;

/// `element` shaped like `like` (a vector of its lanes, or the scalar).
static Type shapedLike(Value like, Type element) {
  if (auto vector = dyn_cast<VectorType>(like.getType()))
    return vector.clone(element);
  return element;
}

static Value intConstant(OpBuilder &b, Location loc, Type type, int64_t v) {
  Type element = getElementTypeOrSelf(type);
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vector, b.getIntegerAttr(element, v)));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(element, v));
}

Value mlir::norm::roundedBf16Bits(OpBuilder &b, Location loc, Value value,
                                  bool canonicalNaN) {
  Type i32 = shapedLike(value, b.getI32Type());
  auto constant = [&](int64_t v) { return intConstant(b, loc, i32, v); };
  Value bits = arith::BitcastOp::create(b, loc, i32, value);
  Value lsb = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, constant(16)), constant(1));
  Value rounded = arith::AddIOp::create(
      b, loc, bits, arith::AddIOp::create(b, loc, lsb, constant(0x7FFF)));
  Value nan = canonicalNaN
                  ? constant(0x7FC00000)
                  : arith::OrIOp::create(b, loc, bits, constant(0x400000));
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
  // A blend in the i32 lanes, where the compare's mask lives: a select
  // between bf16 values is legalized lane by lane on x86 without
  // AVX512-BF16.
  Value mask = arith::ExtSIOp::create(b, loc, i32, isNaN);
  return arith::XOrIOp::create(
      b, loc, rounded,
      arith::AndIOp::create(b, loc, arith::XOrIOp::create(b, loc, rounded, nan),
                            mask));
}

Value mlir::norm::truncateToBf16(OpBuilder &b, Location loc, Value value) {
  Value bits = roundedBf16Bits(b, loc, value, /*canonicalNaN=*/false);
  Value high = arith::ShRUIOp::create(b, loc, bits,
                                      intConstant(b, loc, bits.getType(), 16));
  Value narrow =
      arith::TruncIOp::create(b, loc, shapedLike(value, b.getI16Type()), high);
  return arith::BitcastOp::create(b, loc, shapedLike(value, b.getBF16Type()),
                                  narrow);
}

/// Indices [from, from + step, from + 2 step, ...), `count` of them.
static SmallVector<int64_t> strided(int64_t from, int64_t step, int64_t count) {
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < count; ++i)
    mask.push_back(from + i * step);
  return mask;
}

Value mlir::norm::widenBf16EvenOdd(OpBuilder &b, Location loc,
                                   Value bf16Vector) {
  auto type = cast<VectorType>(bf16Vector.getType());
  int64_t lanes = type.getNumElements();
  auto pairs = VectorType::get({lanes / 2}, b.getI32Type());
  Value words = vector::BitCastOp::create(b, loc, pairs, bf16Vector);
  // Little endian: element 2i is the low half of word i, 2i + 1 the high.
  Value even =
      arith::ShLIOp::create(b, loc, words, intConstant(b, loc, pairs, 16));
  Value odd = arith::AndIOp::create(
      b, loc, words, intConstant(b, loc, pairs, int64_t(0xFFFF0000u)));
  Value both =
      vector::ShuffleOp::create(b, loc, even, odd, strided(0, 1, lanes));
  return arith::BitcastOp::create(
      b, loc, VectorType::get({lanes}, b.getF32Type()), both);
}

Value mlir::norm::narrowEvenOddToBf16(OpBuilder &b, Location loc,
                                      Value f32Vector) {
  int64_t lanes = cast<VectorType>(f32Vector.getType()).getNumElements();
  Value bits = roundedBf16Bits(b, loc, f32Vector, /*canonicalNaN=*/true);
  Value even =
      vector::ShuffleOp::create(b, loc, bits, bits, strided(0, 1, lanes / 2));
  Value odd = vector::ShuffleOp::create(b, loc, bits, bits,
                                        strided(lanes / 2, 1, lanes / 2));
  Type pairs = even.getType();
  Value words = arith::OrIOp::create(
      b, loc,
      arith::ShRUIOp::create(b, loc, even, intConstant(b, loc, pairs, 16)),
      arith::AndIOp::create(b, loc, odd,
                            intConstant(b, loc, pairs, int64_t(0xFFFF0000u))));
  return vector::BitCastOp::create(
      b, loc, VectorType::get({lanes}, b.getBF16Type()), words);
}

Value mlir::norm::deinterleaveEvenOdd(OpBuilder &b, Location loc,
                                      Value vector) {
  int64_t lanes = cast<VectorType>(vector.getType()).getNumElements();
  SmallVector<int64_t> mask = strided(0, 2, lanes / 2);
  llvm::append_range(mask, strided(1, 2, lanes / 2));
  return vector::ShuffleOp::create(b, loc, vector, vector, mask);
}

Value mlir::norm::interleaveEvenOdd(OpBuilder &b, Location loc, Value vector) {
  int64_t lanes = cast<VectorType>(vector.getType()).getNumElements();
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < lanes / 2; ++i)
    mask.append({i, i + lanes / 2});
  return vector::ShuffleOp::create(b, loc, vector, vector, mask);
}
