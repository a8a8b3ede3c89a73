//===- KernelEmitter.h - Loop and vector helpers of CPU kernels -*- C++ -*-===//
//
// The state shared by the CPU kernel emitters: flat memrefs of every
// operand, the plan and schedule, and the helpers that load the input (and
// a fused residual) as f32 vectors, load parameters, store outputs, and emit
// vector loops with a scalar tail and blocked sums.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_CPU_KERNELEMITTER_H
#define NORMC_CODEGEN_CPU_KERNELEMITTER_H

#include "codegen/cpu/KernelPlan.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {

/// Flat (1-D, contiguous) memrefs of a kernel's operands; null if absent.
struct KernelBuffers {
  Value x, residual, scale, bias; // inputs
  Value meanIn, varIn;            // given statistics (apply only)
  Value y, meanOut, varOut;       // outputs
  // Backward: dy and the saved rstd in, dx (and dscale, dbias) out; x and
  // meanIn above are the forward input and its mean.
  Value dy, rstdIn, dx, dscale, dbias;
};

class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, const KernelPlan &plan,
                CpuScheduleAttr schedule, const KernelBuffers &buffers)
      : b(b), loc(loc), plan(plan), schedule(schedule), buf(buffers) {}

  /// Emits the whole kernel at the builder's insertion point.
  void emit();

  OpBuilder &b;
  Location loc;
  const KernelPlan &plan;
  CpuScheduleAttr schedule;
  KernelBuffers buf;
  /// True while emitting the aligned main loop of forOutputVectors.
  bool streaming = false;

  // Index arithmetic.
  Value index(int64_t v);
  Value add(Value a, Value c);
  Value mul(Value a, Value c);
  Value mul(Value a, int64_t c) { return mul(a, index(c)); }
  Value div(Value a, int64_t c);
  Value rem(Value a, int64_t c);
  Value min(Value a, Value c);

  /// f32 of `width` lanes (a scalar f32 when width is 1).
  Type f32(int64_t width);
  Value f32Constant(double v, int64_t width);
  /// `scalar` (f32) broadcast to `width` lanes.
  Value splat(Value scalar, int64_t width);
  /// `scalar` as a value of `like`'s shape (a vector of its lanes, or
  /// itself).
  Value splatLike(Value scalar, Value like);

  /// `width` f32 lanes of the kernel's own scratch at `at`: as stored when
  /// the scratch keeps the vectors' lane order (`laneOrdered`), else
  /// through loadF32 (memory order); and the matching store.
  Value loadScratch(Value buffer, Value at, int64_t width, bool laneOrdered);
  void storeScratch(Value value, Value buffer, Value at, bool laneOrdered);

  /// A scratch buffer of `type` that starts on a cache line (on the heap,
  /// or the stack with `onStack`), so that its vectors never straddle two
  /// lines (malloc and the stack give 16 or fewer bytes).
  Value scratchBuffer(MemRefType type, bool onStack = false);
  /// `n` f32 of heap scratch indexed like the elements of a span of y that
  /// starts on y's first element: with streaming stores (vectors start at
  /// y's alignment, forOutputVectors) it is shifted by y's misalignment,
  /// so that index i starts a vector exactly where y's element i does and
  /// the scratch's vectors stay whole lines even when y is not aligned.
  Value scratchAlignedLikeOutput(int64_t n);

  /// x (+ residual) at flat `at`, as f32 of `width` lanes.
  Value loadInput(Value at, int64_t width);
  /// loadInput for a sum, where the lanes' order does not matter: bf16
  /// vectors widen as even/odd lanes (one load and two integer ops per
  /// pair of f32 vectors instead of two vpmovzxwd and two shifts) also
  /// when the schedule keeps memory order for the native conversion.
  Value loadInputForSum(Value at, int64_t width);
  /// For a loop over flat elements [base, base + len): the distance to add
  /// to an element to get the one to prefetch, the schedule's `prefetch`
  /// clamped so that the whole range stays in the tensor (loop-invariant);
  /// null when the schedule does not prefetch.
  Value prefetchDelta(Value base, int64_t len);
  /// prefetchDelta for `distance` elements ahead.
  Value prefetchDelta(Value base, int64_t len, int64_t distance);
  /// Prefetches the streamed inputs (x, the residual, dy) at `at + delta`;
  /// nothing when delta is null.
  void prefetchInputs(Value at, Value delta);
  /// The distances an output pass over [base, base + len) prefetches at:
  /// its inputs (`prefetch`) and, for writing, its output (y or dx, stored
  /// at the same index; `prefetch_output`). Null where the schedule's
  /// distance is 0.
  struct OutputPrefetch {
    Value inputs, output;
  };
  OutputPrefetch outputPassPrefetch(Value base, int64_t len);
  /// prefetchInputs, then the output line at `at + deltas.output` for
  /// writing, so that its read-for-ownership is under way before the store.
  void prefetchOutputPass(Value at, OutputPrefetch deltas);
  /// scale / bias element(s) at `at` as f32; scale gets +1 when
  /// zero-centered. They read the lane-ordered copies when there are.
  Value loadScale(Value at, int64_t width);
  Value loadBias(Value at, int64_t width);
  /// With parameters along the rows (one statistic per row), copies scale
  /// (+1 when zero-centered) and bias once into f32 buffers that the row
  /// loops read as they are: with even_odd and f32 parameters in the lanes'
  /// order (every row split into the same vectors), so without a shuffle;
  /// in memory order with 16-bit parameters, so without a widening.
  /// `streamedSplit`: the loops that read them start their vectors at the
  /// output's alignment (forOutputVectors); otherwise at the row's start (no
  /// streaming).
  void copyParamsInLaneOrder(bool streamedSplit);
  /// Whether every span of `inner` elements splits into the same vectors:
  /// always from its start without streaming stores; with them, at the
  /// output's alignment, the same for every span when spans are a whole
  /// number of vectors long (`streamedSplit`: the loops in question are
  /// forOutputVectors).
  bool spansSplitAlike(bool streamedSplit) const;
  /// The copies (null when not made).
  Value laneScale, laneBias;
  /// With the schedule's even_odd, vectors of bf16 data are held as their
  /// even elements, then their odd ones: loadF32 / storeF32 convert, and
  /// shuffle f32 buffers to match.
  Value loadF32(Value buffer, Value at, int64_t width);
  /// Applies the fused activation and stores y (converted) at `at`.
  void storeOutput(Value y, Value at);
  void storeF32(Value value, Value buffer, Value at);

  /// Opens a 1-D scf.parallel over [0, count) (OpenMP later) and moves the
  /// builder into its body; returns the induction variable. Callers keep an
  /// InsertionGuard.
  Value beginParallel(int64_t count);
  /// Opens a parallel loop over `row_chunks` runs of consecutive indices in
  /// [0, count) and a loop over the run's indices; moves the builder into
  /// it and returns the index. Callers keep an InsertionGuard.
  Value beginRuns(int64_t count);

  /// body(i, width) over [lb, ub): vectors of the schedule's width, then
  /// the tail (forTail).
  void forVectors(Value lb, Value ub, function_ref<void(Value, int64_t)> body);
  /// body(i, w) over [lb, ub), fewer than a vector: a half- and a
  /// quarter-width vector (at least 4 lanes) where they fit, then scalars.
  void forTail(Value lb, Value ub, function_ref<void(Value, int64_t)> body);
  /// forTail carrying values: `body(i, w, accumulators)` returns the next
  /// ones; returns the last.
  SmallVector<Value>
  foldTail(Value lb, Value ub, ValueRange inits,
           function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> body);

  /// forVectors for the output pass, whose body stores y at `yOffset + i`.
  /// With a nontemporal schedule: scalar iterations up to the first
  /// vector-aligned element of y, then aligned streaming stores, then the
  /// tail.
  void forOutputVectors(Value lb, Value ub, Value yOffset,
                        function_ref<void(Value, int64_t)> body);
  /// Where forOutputVectors' vector loop over [lb, ub) starts: the first
  /// vector-aligned element of y at `yOffset + i` with a nontemporal
  /// schedule (at most ub), lb otherwise.
  Value outputVectorStart(Value lb, Value ub, Value yOffset);
  /// The output that forOutputVectors aligns and streams: y, or dx in a
  /// backward kernel.
  Value streamedOutput() const { return plan.backward ? buf.dx : buf.y; }

  /// The sum of the lanes of `vec`, added as a tree.
  Value horizontalSum(Value vec);
  /// The f32 sum over i in [base, base + len) that `accumulate(acc, x)`
  /// adds x's term to (x: loadInputForSum(i)), with `unroll` independent
  /// vector accumulators, then single vectors, then the tail (foldTail).
  /// With a `prefetchDelta` (as prefetchDelta returns), each unrolled step
  /// also prefetches the inputs that many elements ahead.
  Value sumSpan(Value base, Value len,
                function_ref<Value(Value, Value)> accumulate,
                Value prefetchDelta = {});
  /// The same over `count` consecutive spans of `len` at stride `stride`,
  /// summed in f32 blocks of the schedule's `block` elements and in f64
  /// across blocks and spans; with a `prefetchDistance`, prefetching the
  /// inputs that many elements ahead of every vector.
  Value sumSlab(Value base, int64_t count, int64_t stride, int64_t len,
                function_ref<Value(Value, Value)> accumulate,
                int64_t prefetchDistance = 0);

  /// rstd = 1 / sqrt(var + epsilon), f32 scalar.
  Value rstdOf(Value var);
};

/// The two loop structures (see CpuKernel).
void emitRowsKernel(KernelEmitter &k);
void emitChannelsLastKernel(KernelEmitter &k);
/// The backward of the rows structure (norm.normalize_grad).
void emitRowsGradKernel(KernelEmitter &k);
/// The backward of the channels_last structure (per-channel parameters).
void emitChannelsLastGradKernel(KernelEmitter &k);

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_CPU_KERNELEMITTER_H
