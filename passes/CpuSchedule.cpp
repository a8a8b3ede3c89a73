//===- CpuSchedule.cpp - The cost model pass for CPU kernels --------------===//
//
// The norm-cpu-schedule pass: attaches a #norm.cpu_schedule chosen by the
// cost model (codegen/cpu/KernelPlan) to every normalization a CPU kernel
// can run. Schedules already present (from a tuner or by hand) are kept.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "codegen/cpu/KernelPlan.h"
#include "llvm/TargetParser/Host.h"

#include <thread>

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMCPUSCHEDULEPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
struct NormCpuSchedulePass
    : public norm::impl::NormCpuSchedulePassBase<NormCpuSchedulePass> {
  using Base::Base;

  /// The target the cost model sizes kernels for (the options or the host).
  CpuTargetInfo target;

  /// `computeStats`: the kernel computes the statistics it applies (a
  /// norm.normalize, or a norm.apply fused with its norm.moments).
  void schedule(Operation *op, const NormSpec &spec, Value x, Value scale,
                Value bias, Type statsElement, bool computeStats,
                bool backward = false) {
    if (op->hasAttr(kCpuScheduleAttrName))
      return;
    std::optional<KernelPlan> plan = planNormalization(
        spec, cast<RankedTensorType>(x.getType()), scale, bias, statsElement);
    if (!plan)
      return;
    plan->backward = backward;
    plan->computeStats = computeStats;
    CpuScheduleAttr attr = chooseCpuSchedule(op->getContext(), *plan, target);
    if (attr && backward && attr.getKernel() == CpuKernel::channels_last &&
        !channelsLastGradSupported(*plan))
      return;
    if (attr)
      op->setAttr(kCpuScheduleAttrName, attr);
  }

  void runOnOperation() override {
    target.vectorWidth =
        vectorWidth > 0 ? int64_t(vectorWidth) : hostVectorWidth();
    target.threads =
        threads > 0 ? int64_t(threads)
                    : std::max<int64_t>(1, std::thread::hardware_concurrency());
    target.llcBytes = llcBytes > 0 ? int64_t(llcBytes) : lastLevelCacheBytes();
    target.nativeBf16 = nativeBf16;
    target.prefetchBytes = prefetchBytes;
    target.hardwarePrefetch = hardwarePrefetchSuffices(
        cpu.empty() ? llvm::sys::getHostCPUName() : StringRef(cpu));
    getOperation()->walk([&](Operation *op) {
      if (auto normalize = dyn_cast<NormalizeOp>(op)) {
        if (normalize.getRunningAttr())
          return;
        NormSpec spec = normalize.getSpec();
        auto x = cast<RankedTensorType>(normalize.getX().getType());
        schedule(op, spec, normalize.getX(), normalize.getScale(),
                 normalize.getBias(),
                 spec.getStatsElementType(x.getElementType()),
                 /*computeStats=*/true);
      } else if (auto grad = dyn_cast<NormalizeGradOp>(op)) {
        // The memory-saving form keeps the linalg lowering.
        if (grad.getFromOutput())
          return;
        schedule(op, grad.getSpec(), grad.getX(), grad.getScale(),
                 grad.getBias(), getElementTypeOrSelf(grad.getRstd().getType()),
                 /*computeStats=*/false, /*backward=*/true);
      } else if (auto moments = dyn_cast<MomentsOp>(op)) {
        // Used when no apply of the same input takes the statistics over
        // (a backward pass recomputing them).
        schedule(op, moments.getSpec(), moments.getX(), Value(), Value(),
                 getElementTypeOrSelf(moments.getVar().getType()),
                 /*computeStats=*/true);
      } else if (auto apply = dyn_cast<ApplyOp>(op)) {
        schedule(op, apply.getSpec(), apply.getX(), apply.getScale(),
                 apply.getBias(),
                 getElementTypeOrSelf(apply.getVar().getType()),
                 /*computeStats=*/static_cast<bool>(fusableMoments(apply)));
      }
    });
  }
};
} // namespace
