//===- StreamingStores.cpp - Streaming stores LLVM's x86 backend keeps ----===//
//
// Non-temporal stores of bf16 / f16 vectors rewritten as vmovntdq in
// optimized LLVM IR for x86 (see StreamingStores.h).
//
//===----------------------------------------------------------------------===//

#include "codegen/StreamingStores.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"

/// The stores that x86 code generation would emit as regular stores: a
/// whole xmm / ymm / zmm of 16-bit floats, aligned to its size.
static bool isDroppedStream(llvm::StoreInst &store) {
  auto *type =
      llvm::dyn_cast<llvm::FixedVectorType>(store.getValueOperand()->getType());
  if (!type || !store.getMetadata(llvm::LLVMContext::MD_nontemporal) ||
      !(type->getElementType()->isBFloatTy() ||
        type->getElementType()->isHalfTy()))
    return false;
  uint64_t bytes = type->getNumElements() * 2;
  return (bytes == 16 || bytes == 32 || bytes == 64) &&
         store.getAlign().value() >= bytes && store.isSimple();
}

unsigned mlir::norm::streamHalfPrecisionStores(llvm::Module &module,
                                               const llvm::TargetMachine &tm) {
  // vmovntdq with a VEX or EVEX encoding, for xmm, ymm and zmm alike.
  if (!tm.getTargetTriple().isX86() ||
      !tm.getMCSubtargetInfo()->checkFeatures("+avx"))
    return 0;
  llvm::SmallVector<llvm::StoreInst *> stores;
  for (llvm::Function &fn : module)
    for (llvm::BasicBlock &block : fn)
      for (llvm::Instruction &inst : block)
        if (auto *store = llvm::dyn_cast<llvm::StoreInst>(&inst))
          if (isDroppedStream(*store))
            stores.push_back(store);
  for (llvm::StoreInst *store : stores) {
    llvm::IRBuilder<> b(store);
    // As i64 lanes: a register type on every x86 with the vector's width,
    // unlike f16 vectors without AVX512-FP16.
    auto *type =
        llvm::cast<llvm::FixedVectorType>(store->getValueOperand()->getType());
    llvm::Value *value = b.CreateBitCast(
        store->getValueOperand(),
        llvm::FixedVectorType::get(b.getInt64Ty(), type->getNumElements() / 4));
    auto *asmType = llvm::FunctionType::get(
        b.getVoidTy(), {store->getPointerOperandType(), value->getType()},
        /*isVarArg=*/false);
    // AT&T operand order: the register, then the memory written ("=*m").
    auto *movnt = llvm::InlineAsm::get(asmType, "vmovntdq ${1}, $0", "=*m,v",
                                       /*hasSideEffects=*/true);
    llvm::CallInst *call =
        b.CreateCall(movnt, {store->getPointerOperand(), value});
    call->addParamAttr(0, llvm::Attribute::get(module.getContext(),
                                               llvm::Attribute::ElementType,
                                               value->getType()));
    store->eraseFromParent();
  }
  return stores.size();
}
