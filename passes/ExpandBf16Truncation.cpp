//===- ExpandBf16Truncation.cpp - f32 -> bf16 as integer ops --------------===//
//
// The norm-expand-bf16-truncation pass: every arith.truncf to bf16 (scalar
// or vector) becomes round-to-nearest-even integer arithmetic with a quiet
// NaN. For CPUs without AVX512-BF16 only: there LLVM would legalize the
// truncation lane by lane through compiler-rt's __truncsfbf2, while CPUs
// with it (Zen 4 and later, Sapphire Rapids and later) convert 16 lanes in
// one instruction (vcvtneps2bf16), so the backend skips this pass for them.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "codegen/cpu/Bf16Bits.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMEXPANDBF16TRUNCATIONPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
/// f32 (f64 through f32) -> bf16 with integer ops and no select:
/// arith-expand's own bf16 expansion selects between bf16 values, which
/// x86 without AVX512-BF16 also legalizes lane by lane (measured: bf16
/// kernels at 12 % of the copy probe). The NaN case is blended in the i32
/// lanes (where the compare's mask lives), then the high halves narrow once.
struct ExpandTruncFToBF16 : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    if (!getElementTypeOrSelf(op.getType()).isBF16())
      return rewriter.notifyMatchFailure(op, "not a truncation to bf16");
    Location loc = op.getLoc();
    Value value = op.getIn();
    if (!getElementTypeOrSelf(value.getType()).isF32()) {
      Type f32 = rewriter.getF32Type();
      if (auto vector = dyn_cast<VectorType>(value.getType()))
        f32 = vector.clone(f32);
      value = arith::TruncFOp::create(rewriter, loc, f32, value);
    }
    rewriter.replaceOp(op, truncateToBf16(rewriter, loc, value));
    return success();
  }
};

struct NormExpandBf16TruncationPass
    : public norm::impl::NormExpandBf16TruncationPassBase<
          NormExpandBf16TruncationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandTruncFToBF16>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
