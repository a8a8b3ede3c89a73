//===- Bf16Bits.h - f32 <-> bf16 as integer ops on i32 lanes ----*- C++ -*-===//
//
// bf16 is the upper half of an f32. These helpers convert between them with
// integer arithmetic, for CPUs without native bf16 conversions: the rounding
// used by norm-expand-bf16-truncation, and the even/odd lane split that lets
// the kernels widen and narrow 16-bit vectors without shuffles.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_CPU_BF16BITS_H
#define NORMC_CODEGEN_CPU_BF16BITS_H

#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {

/// The bits of f32 `value` (scalar or vector) rounded to the nearest bf16,
/// ties to even, as i32 with the bf16 in the upper 16 bits (the lower ones
/// are garbage). A NaN becomes 0x7FC0 with `canonicalNaN` (c10::BFloat16's
/// NaN; a blend with a constant), else a quiet NaN of the same sign and
/// payload. Only the even/odd narrowing uses the constant: followed by a
/// plain narrowing, LLVM sinks that blend below the truncation to i16 and
/// legalizes it lane by lane (NHWC BatchNorm bf16 2-3x slower).
Value roundedBf16Bits(OpBuilder &b, Location loc, Value value,
                      bool canonicalNaN);

/// f32 `value` (scalar or vector) to bf16 in memory order: roundedBf16Bits
/// with the NaN payload kept, then the upper halves narrowed.
Value truncateToBf16(OpBuilder &b, Location loc, Value value);

/// A vector<2n x bf16> as vector<2n x f32> holding its even elements, then
/// its odd ones: two integer ops per pair of lanes, no shuffle.
Value widenBf16EvenOdd(OpBuilder &b, Location loc, Value bf16Vector);
/// The inverse of widenBf16EvenOdd with rounding: vector<2n x f32> of even
/// elements, then odd ones, to vector<2n x bf16> in memory order.
Value narrowEvenOddToBf16(OpBuilder &b, Location loc, Value f32Vector);

/// f32 vectors between memory order and even-then-odd order (shuffles).
Value deinterleaveEvenOdd(OpBuilder &b, Location loc, Value vector);
Value interleaveEvenOdd(OpBuilder &b, Location loc, Value vector);

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_CPU_BF16BITS_H
