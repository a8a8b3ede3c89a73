//===- ConvertNormToLinalg.cpp - Norm ops to linalg on tensors ------------===//
//
// The convert-norm-to-linalg pass: splits norm.normalize into its moments
// and their application, then replaces every norm op by the linalg built in
// codegen/linalg. Ops that cannot be lowered yet are reported, not skipped.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "codegen/linalg/LinalgBuilders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_CONVERTNORMTOLINALGPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

LogicalResult mlir::norm::splitNormalize(RewriterBase &rewriter,
                                         NormalizeOp op) {
  if (op.getRunningAttr())
    return op.emitOpError(
        "refers to running statistics: run norm-specialize-mode first");
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  NormSpec spec = op.getSpec();
  auto xType = cast<RankedTensorType>(op.getX().getType());
  auto statsType =
      RankedTensorType::get(spec.getStatsShape(xType.getShape()),
                            spec.getStatsElementType(xType.getElementType()));
  auto moments = MomentsOp::create(
      rewriter, loc, statsType, statsType, op.getX(), op.getReduceAttr(),
      op.getGroupsAttr(), rewriter.getBoolAttr(spec.center));
  Value mean = spec.center ? moments.getMean() : Value();
  auto apply = ApplyOp::create(
      rewriter, loc, xType, op.getX(), mean, moments.getVar(), op.getScale(),
      op.getBias(), op.getReduceAttr(), op.getParamsAttr(), op.getGroupsAttr(),
      op.getEpsilonAttr(), op.getZeroCenteredScaleAttr());
  for (NamedAttribute attr : op->getDiscardableAttrs()) {
    apply->setAttr(attr.getName(), attr.getValue());
    moments->setAttr(attr.getName(), attr.getValue());
  }
  SmallVector<Value> results{apply.getY()};
  if (!op.getStats().empty()) {
    results.push_back(moments.getMean());
    results.push_back(
        RstdOp::create(rewriter, loc, moments.getVar(), op.getEpsilonAttr()));
  }
  rewriter.replaceOp(op, results);
  return success();
}

/// The memory-saving gradient divides by the scale: when the scale is an
/// argument of the function, tag it `norm.nonzero` so that the runtime
/// rejects a zero with a clear error instead of returning Inf / NaN.
static void markNonZeroScale(NormalizeGradOp op) {
  auto arg = dyn_cast_if_present<BlockArgument>(op.getScale());
  if (!op.getFromOutput() || !arg)
    return;
  if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
    func.setArgAttr(arg.getArgNumber(), "norm.nonzero",
                    UnitAttr::get(op.getContext()));
}

/// Replaces one norm op by linalg; fails with a diagnostic if unsupported.
static LogicalResult lowerOp(IRRewriter &rewriter, Operation *op) {
  rewriter.setInsertionPoint(op);
  SmallVector<Value> results;
  if (auto moments = dyn_cast<MomentsOp>(op))
    results = buildMoments(rewriter, moments);
  else if (auto apply = dyn_cast<ApplyOp>(op))
    results = {buildApply(rewriter, apply)};
  else if (auto rstd = dyn_cast<RstdOp>(op))
    results = {buildRstd(rewriter, op->getLoc(), rstd.getVar(),
                         rstd.getEpsilon().convertToDouble())};
  else if (auto update = dyn_cast<UpdateRunningOp>(op))
    results = buildUpdateRunning(rewriter, update);
  else if (auto activation = dyn_cast<ActivationOp>(op))
    results = {buildActivation(rewriter, activation)};
  else if (auto grad = dyn_cast<ActivationGradOp>(op))
    results = {buildActivationGrad(rewriter, grad)};
  else if (auto add = dyn_cast<AddOp>(op))
    results = {buildAdd(rewriter, add)};
  else if (auto grad = dyn_cast<NormalizeGradOp>(op)) {
    markNonZeroScale(grad);
    results = buildNormalizeGrad(rewriter, grad);
  } else if (auto convGrad = dyn_cast<Conv2DGradOp>(op))
    results = buildConv2DGrad(rewriter, convGrad);
  else if (auto conv = dyn_cast<Conv2DOp>(op))
    results = {buildConv2D(rewriter, conv)};
  else
    return op->emitOpError("cannot be lowered to linalg yet");
  rewriter.replaceOp(op, results);
  return success();
}

namespace {
struct ConvertNormToLinalgPass final
    : mlir::norm::impl::ConvertNormToLinalgPassBase<ConvertNormToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet named(&getContext());
    populateNamedToGenericPatterns(named);
    if (failed(applyPatternsGreedily(getOperation(), std::move(named))))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    SmallVector<NormalizeOp> normalizes;
    getOperation()->walk([&](NormalizeOp op) { normalizes.push_back(op); });
    for (NormalizeOp op : normalizes)
      if (failed(splitNormalize(rewriter, op)))
        return signalPassFailure();
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<NormDialect>(op->getDialect()) && !isa<RunningStatsOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops)
      if (failed(lowerOp(rewriter, op)))
        return signalPassFailure();
  }
};
} // namespace
