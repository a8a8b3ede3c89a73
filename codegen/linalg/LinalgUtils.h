//===- LinalgUtils.h - Small helpers for building linalg --------*- C++ -*-===//
//
// Float conversions, constants, filled tensors and elementwise generics used
// by the norm-to-linalg builders.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_LINALG_LINALGUTILS_H
#define NORMC_CODEGEN_LINALG_LINALGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {

/// Extends or truncates the float (or float vector) `value` to `type` (for
/// a vector, `type` may name just the element type).
Value convertFloat(OpBuilder &b, Location loc, Value value, Type type);
/// A float constant of `type` (splat when `type` is a vector).
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);
/// A tensor of `shape` x `element` filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type element, double value);
/// An uninitialised tensor of `shape` x `element` (a destination).
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type element);
/// The compute type of an element type: f32 for f16/bf16/f32, else itself.
Type computeType(Type element);

/// Body of an elementwise generic: scalar inputs in, scalar results out.
using ScalarFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

/// A parallel linalg.generic over identically shaped `inputs`, producing
/// one tensor of `shape` per entry in `resultElements`.
SmallVector<Value> elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                               ArrayRef<int64_t> shape,
                               ArrayRef<Type> resultElements, ScalarFn body);

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_LINALG_LINALGUTILS_H
