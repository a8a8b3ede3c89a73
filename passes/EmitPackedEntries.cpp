//===- EmitPackedEntries.cpp - One calling convention for every entry -----===//
//
// The norm-emit-packed-entries pass: wraps each `_mlir_ciface_<name>` in
// `normc_<name>(ptr)`, which reads its arguments (pointers to memref
// descriptors) from an array of pointers.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMEMITPACKEDENTRIESPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;

namespace {
struct NormEmitPackedEntriesPass final
    : mlir::norm::impl::NormEmitPackedEntriesPassBase<
          NormEmitPackedEntriesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto voidType = LLVM::LLVMVoidType::get(ctx);
    SmallVector<LLVM::LLVMFuncOp> interfaces;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func.getName().starts_with("_mlir_ciface_") && !func.isExternal())
        interfaces.push_back(func);
    OpBuilder b(ctx);
    for (LLVM::LLVMFuncOp callee : interfaces) {
      StringRef name = callee.getName().drop_front(strlen("_mlir_ciface_"));
      LLVM::LLVMFunctionType calleeType = callee.getFunctionType();
      if (!isa<LLVM::LLVMVoidType>(calleeType.getReturnType()) ||
          llvm::any_of(calleeType.getParams(),
                       [&](Type t) { return t != ptr; })) {
        callee.emitError("C interface '")
            << callee.getName()
            << "' does not take only descriptor pointers and return void";
        return signalPassFailure();
      }
      b.setInsertionPointToEnd(module.getBody());
      Location loc = callee.getLoc();
      auto packed = LLVM::LLVMFuncOp::create(
          b, loc, ("normc_" + name).str(),
          LLVM::LLVMFunctionType::get(voidType, {ptr}));
      Block *entry = packed.addEntryBlock(b);
      b.setInsertionPointToStart(entry);
      SmallVector<Value> args;
      for (unsigned i = 0, e = calleeType.getNumParams(); i < e; ++i) {
        Value slot = LLVM::GEPOp::create(
            b, loc, ptr, ptr, entry->getArgument(0),
            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
        args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
      }
      LLVM::CallOp::create(b, loc, callee, args);
      LLVM::ReturnOp::create(b, loc, ValueRange());
    }
  }
};
} // namespace
