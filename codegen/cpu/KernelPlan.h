//===- KernelPlan.h - The shape of a CPU normalization kernel ---*- C++ -*-===//
//
// What a CPU kernel needs to know about one normalization: its input viewed
// as a row-major [outer, rows, mid, inner] array whose statistics are taken
// per (outer, mid) over (rows, inner), where the affine parameters sit, and
// the fused prologue (residual add) and epilogue (activation). The cost
// model picks a #norm.cpu_schedule from a plan; the emitters build the loops.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_CPU_KERNELPLAN_H
#define NORMC_CODEGEN_CPU_KERNELPLAN_H

#include "dialect/NormOps.h"
#include "dialect/NormSpec.h"

#include <optional>

namespace mlir {
namespace norm {

/// The discardable attribute that carries a #norm.cpu_schedule.
constexpr llvm::StringLiteral kCpuScheduleAttrName = "norm.cpu_schedule";

/// Statistics per (o, m) over (r, s) of x viewed as [outer, rows, mid, inner]
/// (row-major, contiguous). The statistic index is o * mid + m. A parameter
/// (scale, bias) of element (o, r, m, s) is at m * paramMidStride +
/// s / paramInnerDiv.
struct KernelView {
  int64_t outer = 1, rows = 1, mid = 1, inner = 1;
  int64_t paramMidStride = 0;
  int64_t paramInnerDiv = 1;

  int64_t numStats() const { return outer * mid; }
  int64_t count() const { return rows * inner; }
  int64_t numElements() const { return outer * rows * mid * inner; }
};

/// Derives the view of a normalization of `shape`, or nullopt when its axes
/// do not fit the [outer, rows, mid, inner] form (the linalg lowering then
/// handles it).
std::optional<KernelView> deriveKernelView(const NormSpec &spec,
                                           ArrayRef<int64_t> shape);

/// One CPU kernel: an output pass (norm.apply), with its statistics
/// (norm.moments of the same input) when `computeStats`.
struct KernelPlan {
  KernelView view;
  NormSpec spec;
  bool computeStats = false;
  /// Only the statistics (a norm.moments without a fusable apply).
  bool statsOnly = false;
  bool hasScale = false, hasBias = false;
  /// The input is lhs + rhs (a fused residual add) when `residual`.
  bool residual = false;
  std::optional<ActivationKind> activation;
  double activationAlpha = 0.01;
  Type dataType;  // element type of x and y
  Type paramType; // element type of scale / bias (null without both)

  /// A backward kernel (norm.normalize_grad): dx from dy, x and the saved
  /// statistics; with `batchStats` the statistics' own derivative is
  /// included; with `paramGrads` dscale and dbias are produced too.
  bool backward = false;
  bool batchStats = true;
  bool paramGrads = false;
  int64_t paramCount = 1;
};

/// The plan of a normalization of `x` with optional `scale` / `bias` whose
/// statistics have element type `statsElement`, or nullopt when no CPU
/// kernel runs it (f64 data or statistics, or an unsupported view).
std::optional<KernelPlan> planNormalization(const NormSpec &spec,
                                            RankedTensorType x, Value scale,
                                            Value bias, Type statsElement);

/// The norm.moments whose statistics the kernel of `apply` computes itself
/// (same input, axes and groups; its results used only after `apply`), or
/// null.
MomentsOp fusableMoments(ApplyOp apply);

/// True when the rows kernel of `plan` writes its output in memory order
/// (parallel over (o, r), every m of each) rather than statistic by
/// statistic: the statistics are given, a statistic's slab is several
/// strided spans, and the rstd of every statistic fits on the stack.
bool rowsOutputInMemoryOrder(const KernelPlan &plan);

/// True when the channels_last backward kernel can run `plan`: parameters,
/// if any, are per channel of the innermost [mid, inner] extent.
bool channelsLastGradSupported(const KernelPlan &plan);

/// The CPU a schedule is chosen for.
struct CpuTargetInfo {
  int64_t vectorWidth = 8; // f32 lanes of the widest vector unit
  int64_t threads = 1;     // hardware threads the kernels share
  int64_t llcBytes = 0;    // bytes of last-level cache
  bool nativeBf16 = false; // converts f32 to bf16 itself (AVX512-BF16)
  /// Bytes ahead that every streaming pass prefetches (-1: the cost model
  /// decides per kernel).
  int64_t prefetchBytes = -1;
  /// The hardware prefetchers keep up with a stream they can follow, and
  /// software prefetches of it only cost (hardwarePrefetchSuffices).
  bool hardwarePrefetch = false;
};

/// True for the LLVM CPUs whose hardware prefetchers outrun software
/// prefetches on streams they can follow: Zen 4 and later.
bool hardwarePrefetchSuffices(llvm::StringRef cpu);

/// The cost model: the schedule of `plan` on `target`.
CpuScheduleAttr chooseCpuSchedule(MLIRContext *ctx, const KernelPlan &plan,
                                  const CpuTargetInfo &target);

/// f32 lanes of the host's widest vector unit (16 with AVX-512, 8 with AVX2,
/// 4 otherwise).
int64_t hostVectorWidth();

/// Bytes of the host's last-level cache (8 MiB when the OS does not say).
int64_t lastLevelCacheBytes();

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_CPU_KERNELPLAN_H
