//===- Passes.h - Passes of normc -------------------------------*- C++ -*-===//
//
// Declares the norm passes (generated from Passes.td) and their registration.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_PASSES_PASSES_H
#define NORMC_PASSES_PASSES_H

#include "dialect/NormOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace norm {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace norm
} // namespace mlir

#endif // NORMC_PASSES_PASSES_H
