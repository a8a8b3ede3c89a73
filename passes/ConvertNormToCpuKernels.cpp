//===- ConvertNormToCpuKernels.cpp - Scheduled norms to CPU kernels -------===//
//
// The convert-norm-to-cpu-kernels pass: every norm.apply that carries a
// norm.cpu_schedule, with the norm.moments of its input, a residual add
// before it and an activation after it when they can be fused, becomes one
// kernel on buffers (codegen/cpu). The kernel's outputs are allocated here
// and returned to the tensor world with `to_tensor restrict`; one-shot
// bufferization then turns returned outputs into the caller's buffers.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "codegen/cpu/KernelEmitter.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_CONVERTNORMTOCPUKERNELSPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
/// The ops one kernel replaces.
struct KernelMatch {
  ApplyOp apply;
  MomentsOp moments;       // statistics computed by the kernel, or null
  AddOp residual;          // input is lhs + rhs, or null
  ActivationOp activation; // fused epilogue, or null
};

AddOp fusableResidual(ApplyOp apply, MomentsOp moments) {
  auto add = apply.getX().getDefiningOp<AddOp>();
  if (!add || add.getLhs().getType() != add.getType() ||
      add.getRhs().getType() != add.getType())
    return {};
  for (Operation *user : add->getUsers())
    if (user != apply.getOperation() && user != moments.getOperation())
      return {};
  return add;
}

ActivationOp fusableActivation(ApplyOp apply) {
  if (!apply->hasOneUse())
    return {};
  auto activation = dyn_cast<ActivationOp>(*apply->getUsers().begin());
  if (!activation || activation.getType() != apply.getType())
    return {};
  return activation;
}

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// The contiguous 1-D buffer of tensor `t` (read only).
  Value input(Value t) {
    if (!t)
      return {};
    auto type = cast<RankedTensorType>(t.getType());
    Value m = bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()), t,
        /*read_only=*/true);
    return flat(m, type);
  }

  /// A new buffer of tensor type `type`: (buffer, flat view).
  std::pair<Value, Value> output(Type type) {
    auto tensor = cast<RankedTensorType>(type);
    Value m = memref::AllocOp::create(
        b, loc, MemRefType::get(tensor.getShape(), tensor.getElementType()));
    return {m, flat(m, tensor)};
  }

  Value asTensor(Value buffer, Type type) {
    return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                             b.getUnitAttr(), b.getUnitAttr());
  }

private:
  Value flat(Value m, RankedTensorType type) {
    int64_t n = type.getNumElements();
    return memref::ReinterpretCastOp::create(
        b, loc, MemRefType::get({n}, type.getElementType()), m, 0,
        ArrayRef<int64_t>{n}, ArrayRef<int64_t>{1});
  }

  OpBuilder &b;
  Location loc;
};

/// even_odd is a lane order of bf16 vectors: an error for other data.
LogicalResult checkEvenOdd(Operation *op, CpuScheduleAttr schedule,
                           const KernelPlan &plan) {
  if (schedule.getEvenOdd() && !plan.dataType.isBF16())
    return op->emitOpError("has a norm.cpu_schedule with even_odd, which "
                           "needs bf16 data, not ")
           << plan.dataType;
  return success();
}

LogicalResult convert(IRRewriter &rewriter, KernelMatch match) {
  ApplyOp apply = match.apply;
  auto schedule = apply->getAttrOfType<CpuScheduleAttr>(kCpuScheduleAttrName);
  auto xType = cast<RankedTensorType>(apply.getX().getType());
  std::optional<KernelPlan> plan = planNormalization(
      apply.getSpec(), xType, apply.getScale(), apply.getBias(),
      getElementTypeOrSelf(apply.getVar().getType()));
  if (!plan)
    return apply.emitOpError("has a norm.cpu_schedule but no CPU kernel can "
                             "run it (f64 data or statistics, or its axes "
                             "do not view as [outer, rows, mid, inner])");
  if (failed(checkEvenOdd(apply, schedule, *plan)))
    return failure();
  plan->computeStats = static_cast<bool>(match.moments);
  plan->residual = static_cast<bool>(match.residual);
  if (match.activation) {
    plan->activation = match.activation.getKind();
    if (auto alpha = match.activation.getAlpha())
      plan->activationAlpha = alpha->convertToDouble();
  }

  Location loc = apply.getLoc();
  rewriter.setInsertionPoint(apply);
  KernelBuilder kb(rewriter, loc);
  KernelBuffers buffers;
  if (match.residual) {
    buffers.x = kb.input(match.residual.getLhs());
    buffers.residual = kb.input(match.residual.getRhs());
  } else {
    buffers.x = kb.input(apply.getX());
  }
  buffers.scale = kb.input(apply.getScale());
  buffers.bias = kb.input(apply.getBias());
  auto [y, yFlat] = kb.output(apply.getType());
  buffers.y = yFlat;
  Value mean, var;
  if (match.moments) {
    std::tie(mean, buffers.meanOut) =
        kb.output(match.moments.getMean().getType());
    std::tie(var, buffers.varOut) = kb.output(match.moments.getVar().getType());
  } else {
    buffers.meanIn = kb.input(apply.getMean());
    buffers.varIn = kb.input(apply.getVar());
  }
  KernelEmitter(rewriter, loc, *plan, schedule, buffers).emit();

  Value result = kb.asTensor(y, apply.getType());
  if (match.activation) {
    rewriter.replaceOp(match.activation, result);
    rewriter.eraseOp(apply);
  } else {
    rewriter.replaceOp(apply, result);
  }
  if (match.moments) {
    rewriter.replaceOp(
        match.moments,
        ValueRange{kb.asTensor(mean, match.moments.getMean().getType()),
                   kb.asTensor(var, match.moments.getVar().getType())});
  }
  if (match.residual && match.residual->use_empty())
    rewriter.eraseOp(match.residual);
  return success();
}

/// A norm.moments that no apply took over -> a statistics-only kernel.
LogicalResult convertMoments(IRRewriter &rewriter, MomentsOp moments) {
  auto schedule = moments->getAttrOfType<CpuScheduleAttr>(kCpuScheduleAttrName);
  auto xType = cast<RankedTensorType>(moments.getX().getType());
  std::optional<KernelPlan> plan =
      planNormalization(moments.getSpec(), xType, Value(), Value(),
                        getElementTypeOrSelf(moments.getVar().getType()));
  if (!plan)
    return moments.emitOpError(
        "has a norm.cpu_schedule but no CPU kernel can run it");
  if (failed(checkEvenOdd(moments, schedule, *plan)))
    return failure();
  plan->computeStats = plan->statsOnly = true;
  Location loc = moments.getLoc();
  rewriter.setInsertionPoint(moments);
  KernelBuilder kb(rewriter, loc);
  KernelBuffers buffers;
  buffers.x = kb.input(moments.getX());
  auto [mean, meanFlat] = kb.output(moments.getMean().getType());
  auto [var, varFlat] = kb.output(moments.getVar().getType());
  buffers.meanOut = meanFlat;
  buffers.varOut = varFlat;
  KernelEmitter(rewriter, loc, *plan, schedule, buffers).emit();
  rewriter.replaceOp(moments,
                     ValueRange{kb.asTensor(mean, moments.getMean().getType()),
                                kb.asTensor(var, moments.getVar().getType())});
  return success();
}

/// norm.normalize_grad -> the backward rows kernel.
LogicalResult convertGrad(IRRewriter &rewriter, NormalizeGradOp grad) {
  auto schedule = grad->getAttrOfType<CpuScheduleAttr>(kCpuScheduleAttrName);
  auto xType = cast<RankedTensorType>(grad.getX().getType());
  std::optional<KernelPlan> plan =
      planNormalization(grad.getSpec(), xType, grad.getScale(), grad.getBias(),
                        getElementTypeOrSelf(grad.getRstd().getType()));
  if (!plan || grad.getFromOutput() ||
      (schedule.getKernel() == CpuKernel::channels_last &&
       !channelsLastGradSupported(*plan)))
    return grad.emitOpError(
        "has a norm.cpu_schedule but no CPU kernel can run it (backward "
        "kernels: f16/bf16/f32 data with f32 statistics, not from_output, "
        "per-channel parameters for channels_last)");
  if (failed(checkEvenOdd(grad, schedule, *plan)))
    return failure();
  plan->backward = true;
  plan->batchStats = grad.getBatchStats();
  plan->paramGrads = !grad.getParamGrads().empty();

  Location loc = grad.getLoc();
  rewriter.setInsertionPoint(grad);
  KernelBuilder kb(rewriter, loc);
  KernelBuffers buffers;
  buffers.dy = kb.input(grad.getDy());
  buffers.x = kb.input(grad.getX());
  buffers.meanIn = kb.input(grad.getMean());
  buffers.rstdIn = kb.input(grad.getRstd());
  buffers.scale = kb.input(grad.getScale());
  SmallVector<Value> allocs;
  SmallVector<Value *> flats{&buffers.dx, &buffers.dscale, &buffers.dbias};
  for (auto [i, result] : llvm::enumerate(grad->getResults())) {
    auto [buffer, flat] = kb.output(result.getType());
    allocs.push_back(buffer);
    *flats[i] = flat;
  }
  KernelEmitter(rewriter, loc, *plan, schedule, buffers).emit();
  SmallVector<Value> results;
  for (auto [buffer, result] : llvm::zip(allocs, grad->getResults()))
    results.push_back(kb.asTensor(buffer, result.getType()));
  rewriter.replaceOp(grad, results);
  return success();
}

/// The ops of type OpT under `root` that carry a norm.cpu_schedule.
template <typename OpT> SmallVector<OpT> scheduledOps(Operation *root) {
  SmallVector<OpT> ops;
  root->walk([&](OpT op) {
    if (op->hasAttr(kCpuScheduleAttrName))
      ops.push_back(op);
  });
  return ops;
}

struct ConvertNormToCpuKernelsPass
    : public norm::impl::ConvertNormToCpuKernelsPassBase<
          ConvertNormToCpuKernelsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<NormalizeOp> normalizes;
    getOperation()->walk([&](NormalizeOp op) {
      if (op->hasAttr(kCpuScheduleAttrName) && !op.getRunningAttr())
        normalizes.push_back(op);
    });
    for (NormalizeOp op : normalizes)
      if (failed(splitNormalize(rewriter, op)))
        return signalPassFailure();

    // An unused output (a backward pass recomputing only the statistics)
    // must not cost an output pass: drop dead applies first.
    SmallVector<ApplyOp> dead;
    getOperation()->walk([&](ApplyOp op) {
      if (op->use_empty())
        dead.push_back(op);
    });
    for (ApplyOp op : dead)
      rewriter.eraseOp(op);

    SmallVector<KernelMatch> matches;
    llvm::SmallPtrSet<Operation *, 8> claimed; // moments fused at most once
    getOperation()->walk([&](ApplyOp apply) {
      if (!apply->hasAttr(kCpuScheduleAttrName))
        return;
      KernelMatch match{apply, fusableMoments(apply), {}, {}};
      if (match.moments && !claimed.insert(match.moments).second)
        match.moments = {};
      match.residual = fusableResidual(apply, match.moments);
      match.activation = fusableActivation(apply);
      matches.push_back(match);
    });
    for (KernelMatch &match : matches)
      if (failed(convert(rewriter, match)))
        return signalPassFailure();

    for (MomentsOp op : scheduledOps<MomentsOp>(getOperation()))
      if (failed(convertMoments(rewriter, op)))
        return signalPassFailure();
    for (NormalizeGradOp op : scheduledOps<NormalizeGradOp>(getOperation()))
      if (failed(convertGrad(rewriter, op)))
        return signalPassFailure();
  }
};
} // namespace
