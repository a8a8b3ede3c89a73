//===- CopyAliasedResults.cpp - One value per returned tensor -------------===//
//
// The norm-copy-aliased-results pass: copies returned tensors that are
// function arguments or already returned, so that each result becomes its
// own output buffer after bufferization.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMCOPYALIASEDRESULTSPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;

namespace {
struct NormCopyAliasedResultsPass final
    : mlir::norm::impl::NormCopyAliasedResultsPassBase<
          NormCopyAliasedResultsPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      llvm::SmallPtrSet<Value, 8> seen;
      SmallVector<Value> operands(ret.getOperands());
      bool changed = false;
      for (Value &v : operands) {
        auto type = dyn_cast<RankedTensorType>(v.getType());
        bool aliased = isa<BlockArgument>(v) || !seen.insert(v).second;
        if (!type || !aliased)
          continue;
        Value empty = tensor::EmptyOp::create(b, ret.getLoc(), type.getShape(),
                                              type.getElementType());
        v = linalg::CopyOp::create(b, ret.getLoc(), v, empty).getResult(0);
        changed = true;
      }
      if (changed)
        ret->setOperands(operands);
    });
  }
};
} // namespace
