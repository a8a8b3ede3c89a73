//===- Passes.h - Passes of normc -------------------------------*- C++ -*-===//
//
// Declares the norm passes (generated from Passes.td) and their registration.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_PASSES_PASSES_H
#define NORMC_PASSES_PASSES_H

#include "dialect/NormOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace norm {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// norm.normalize (without running statistics) -> norm.moments +
/// norm.apply (+ norm.rstd for saved statistics). Discardable attributes
/// (a norm.cpu_schedule) move to the moments and the apply.
LogicalResult splitNormalize(RewriterBase &rewriter, NormalizeOp op);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace norm
} // namespace mlir

#endif // NORMC_PASSES_PASSES_H
