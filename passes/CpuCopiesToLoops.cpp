//===- CpuCopiesToLoops.cpp - memref.copy without a runtime library -------===//
//
// The norm-cpu-copies-to-loops pass: rewrites memref.copy as linalg.copy so
// that compiled graphs do not call MLIR's `memrefCopy` runtime function.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMCPUCOPIESTOLOOPSPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;

namespace {
struct CopyToLinalg final : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                op.getTarget());
    return success();
  }
};

struct NormCpuCopiesToLoopsPass final
    : mlir::norm::impl::NormCpuCopiesToLoopsPassBase<NormCpuCopiesToLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
