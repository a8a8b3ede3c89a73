//===- EmitCInterface.cpp - C-callable wrappers for every function --------===//
//
// The norm-emit-c-interface pass: tags defined functions with
// llvm.emit_c_interface before func-to-llvm.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMEMITCINTERFACEPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;

namespace {
struct NormEmitCInterfacePass final
    : mlir::norm::impl::NormEmitCInterfacePassBase<NormEmitCInterfacePass> {
  using Base::Base;

  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        func->setAttr("llvm.emit_c_interface", unit);
  }
};
} // namespace
