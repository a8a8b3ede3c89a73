//===- NormOps.h - Operations of the norm dialect ---------------*- C++ -*-===//
//
// Declares the norm operations generated from NormOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_DIALECT_NORMOPS_H
#define NORMC_DIALECT_NORMOPS_H

#include "dialect/NormDialect.h"
#include "dialect/NormSpec.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/NormOps.h.inc"

namespace mlir {
namespace norm {

/// Builds the generic `norm.normalize` for `spec` on `x` with optional
/// `scale` / `bias`; `withStats` adds the mean and rstd results.
NormalizeOp buildNormalize(OpBuilder &builder, Location loc,
                           const NormSpec &spec, Value x, Value scale,
                           Value bias, bool withStats);

/// Resolves the running statistics a normalization refers to; emits a
/// diagnostic at `op` when the symbol is missing or its type does not fit
/// `spec` on input type `x`.
FailureOr<RunningStatsOp>
verifyRunningStatsUse(Operation *op, SymbolTableCollection &symbolTable,
                      const NormSpec &spec, RankedTensorType x);

/// Adds the patterns that rewrite every named normalization into the generic
/// `norm.normalize` (also registered as their canonicalizations).
void populateNamedToGenericPatterns(RewritePatternSet &patterns);

} // namespace norm
} // namespace mlir

#endif // NORMC_DIALECT_NORMOPS_H
