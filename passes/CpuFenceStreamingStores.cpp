//===- CpuFenceStreamingStores.cpp - Fences after streaming stores --------===//
//
// The norm-cpu-fence-streaming-stores pass: a seq_cst llvm.fence at the end
// of every OpenMP loop iteration that issues non-temporal vector stores, so
// that the stores are globally visible when the parallel loop completes.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMCPUFENCESTREAMINGSTORESPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
struct NormCpuFenceStreamingStoresPass
    : public norm::impl::NormCpuFenceStreamingStoresPassBase<
          NormCpuFenceStreamingStoresPass> {
  void runOnOperation() override {
    getOperation()->walk([](omp::LoopNestOp loop) {
      bool streams = false;
      loop.getRegion().walk(
          [&](vector::StoreOp store) { streams |= store.getNontemporal(); });
      if (!streams || !loop.getRegion().hasOneBlock())
        return;
      OpBuilder b(loop.getRegion().front().getTerminator());
      LLVM::FenceOp::create(b, loop.getLoc(), LLVM::AtomicOrdering::seq_cst);
    });
  }
};
} // namespace
