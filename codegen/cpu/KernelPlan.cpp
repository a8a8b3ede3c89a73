//===- KernelPlan.cpp - Views and the cost model of CPU kernels -----------===//
//
// Derives the [outer, rows, mid, inner] view of a normalization and picks
// its #norm.cpu_schedule from the view and the host (vector width, threads,
// cache sizes).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/KernelPlan.h"

#include "codegen/linalg/ExpandedView.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

using namespace mlir;
using namespace mlir::norm;

namespace {
struct ViewDim {
  int64_t size;
  bool reduced;
  bool param;
};

/// Consecutive view dimensions of the same kind (reduced or kept).
struct Run {
  bool reduced;
  SmallVector<ViewDim> dims;
};

int64_t product(ArrayRef<ViewDim> dims) {
  int64_t p = 1;
  for (const ViewDim &d : dims)
    p *= d.size;
  return p;
}

bool anyParam(ArrayRef<ViewDim> dims) {
  return llvm::any_of(dims, [](const ViewDim &d) { return d.param; });
}

bool allParam(ArrayRef<ViewDim> dims) {
  return llvm::all_of(dims, [](const ViewDim &d) { return d.param; });
}
} // namespace

std::optional<KernelView>
mlir::norm::deriveKernelView(const NormSpec &spec, ArrayRef<int64_t> shape) {
  if (!llvm::is_sorted(spec.params))
    return std::nullopt;
  ExpandedView expanded(spec, shape);
  SmallVector<int64_t> paramDims = expanded.paramDims();
  SmallVector<Run> runs;
  for (int64_t d = 0; d < expanded.rank(); ++d) {
    if (expanded.shape[d] == 1)
      continue; // a size-1 dimension indexes nothing
    ViewDim dim{expanded.shape[d], expanded.reduced[d],
                llvm::is_contained(paramDims, d)};
    if (runs.empty() || runs.back().reduced != dim.reduced)
      runs.push_back({dim.reduced, {}});
    runs.back().dims.push_back(dim);
  }
  // Pad to the pattern kept, reduced, kept, reduced.
  SmallVector<SmallVector<ViewDim>> parts(4);
  size_t next = 0;
  for (int part = 0; part < 4 && next < runs.size(); ++part) {
    bool reducedPart = part % 2 == 1;
    if (runs[next].reduced == reducedPart)
      parts[part] = runs[next++].dims;
  }
  if (next != runs.size())
    return std::nullopt;
  SmallVector<ViewDim> outer = parts[0], rows = parts[1], mid = parts[2],
                       inner = parts[3];
  if (mid.empty() && inner.empty()) {
    // kept, reduced: the kept run is outer dims then parameter dims.
    inner = rows;
    rows.clear();
    auto firstParam = llvm::find_if(outer, [](auto &d) { return d.param; });
    mid.assign(firstParam, outer.end());
    outer.erase(firstParam, outer.end());
  }
  if (anyParam(outer) || anyParam(rows) || (anyParam(mid) && !allParam(mid)))
    return std::nullopt;
  auto innerParamEnd = llvm::find_if(inner, [](auto &d) { return !d.param; });
  ArrayRef<ViewDim> innerParams(inner.begin(), innerParamEnd);
  ArrayRef<ViewDim> innerRest(innerParamEnd, inner.end());
  if (anyParam(innerRest))
    return std::nullopt;

  KernelView view;
  view.outer = product(outer);
  view.rows = product(rows);
  view.mid = product(mid);
  view.inner = product(inner);
  bool midParams = !mid.empty();
  view.paramMidStride = midParams ? product(innerParams) : 0;
  view.paramInnerDiv = product(innerRest);
  int64_t paramCount = 1;
  for (int64_t size : spec.getParamShape(shape))
    paramCount *= size;
  int64_t mapped = (midParams ? view.mid : 1) * product(innerParams);
  if (!spec.params.empty() && paramCount != mapped)
    return std::nullopt;
  return view;
}

std::optional<KernelPlan> mlir::norm::planNormalization(const NormSpec &spec,
                                                        RankedTensorType x,
                                                        Value scale, Value bias,
                                                        Type statsElement) {
  Type data = x.getElementType();
  if (!(data.isF32() || data.isF16() || data.isBF16()) ||
      !statsElement.isF32() || !x.hasStaticShape())
    return std::nullopt;
  std::optional<KernelView> view = deriveKernelView(spec, x.getShape());
  if (!view)
    return std::nullopt;
  KernelPlan plan;
  plan.view = *view;
  plan.spec = spec;
  plan.hasScale = static_cast<bool>(scale);
  plan.hasBias = static_cast<bool>(bias);
  plan.dataType = data;
  for (int64_t size : spec.getParamShape(x.getShape()))
    plan.paramCount *= size;
  for (Value p : {scale, bias})
    if (p) {
      Type t = getElementTypeOrSelf(p.getType());
      if (!(t.isF32() || t.isF16() || t.isBF16()))
        return std::nullopt;
      plan.paramType = t;
    }
  return plan;
}

/// True when every user of `values` other than `op` comes after `op` in its
/// block.
static bool usedOnlyAfter(ValueRange values, Operation *op) {
  for (Value v : values)
    for (Operation *user : v.getUsers())
      if (user != op &&
          (user->getBlock() != op->getBlock() || !op->isBeforeInBlock(user)))
        return false;
  return true;
}

MomentsOp mlir::norm::fusableMoments(ApplyOp apply) {
  auto moments = apply.getVar().getDefiningOp<MomentsOp>();
  if (!moments || moments.getX() != apply.getX() ||
      moments.getReduce() != apply.getReduce() ||
      moments.getGroupsAttr() != apply.getGroupsAttr() ||
      moments.getCenter() != static_cast<bool>(apply.getMean()) ||
      (apply.getMean() && apply.getMean() != moments.getMean()))
    return {};
  if (!usedOnlyAfter(moments->getResults(), apply))
    return {};
  return moments;
}

bool mlir::norm::rowsOutputInMemoryOrder(const KernelPlan &plan) {
  constexpr int64_t maxStats = 1 << 16; // 256 KiB of rstd
  const KernelView &v = plan.view;
  return !plan.computeStats && !plan.backward && v.rows > 1 && v.mid > 1 &&
         v.numStats() <= maxStats;
}

bool mlir::norm::channelsLastGradSupported(const KernelPlan &plan) {
  const KernelView &v = plan.view;
  bool perChannel = v.paramInnerDiv == 1 &&
                    (v.paramMidStride == v.inner || v.mid == 1) &&
                    plan.paramCount == v.mid * v.inner;
  return perChannel || (!plan.hasScale && !plan.hasBias);
}

int64_t mlir::norm::hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2") || features.lookup("avx"))
    return 8;
  return 4;
}

/// The size of the highest cache level in Linux's sysfs ("32768K"), or 0.
static int64_t sysfsLastLevelCache() {
  int64_t best = 0, bestLevel = 0;
  for (int i = 0; i < 8; ++i) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::ifstream levelFile(dir + "level"), sizeFile(dir + "size");
    int64_t level = 0, size = 0;
    std::string unit;
    if (!(levelFile >> level) || !(sizeFile >> size))
      continue;
    sizeFile >> unit;
    size <<= unit == "K" ? 10 : unit == "M" ? 20 : 0;
    if (level > bestLevel)
      std::tie(best, bestLevel) = std::pair(size, level);
  }
  return best;
}

int64_t mlir::norm::lastLevelCacheBytes() {
  // sysfs first: glibc's sysconf reads CPUID, which some VMs fill with
  // nonsense (256 MiB of L3 on the project's machines).
  if (int64_t bytes = sysfsLastLevelCache())
    return bytes;
  long bytes = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return bytes > 0 ? bytes : int64_t(8) << 20;
}

/// Bytes of stack a channels_last kernel keeps for its partial sums (two
/// f64 and two f32 per channel and row chunk) and coefficients (three f32
/// per channel).
static int64_t channelsLastScratch(const KernelView &v, int64_t chunks) {
  int64_t channels = v.mid * v.inner;
  return v.outer * channels * (chunks * 24 + 12);
}

/// How far ahead the streaming passes prefetch, in elements: the data of the
/// next whole statistics that cover at least `aheadBytes`, so that while one
/// statistic's output streams out the reads of the next ones are under way.
/// The next statistic starts a slab later when mid == 1 and one span later
/// otherwise (its spans interleave with this one's). Counting whole slabs,
/// not spans, keeps the bytes in flight near `aheadBytes`: BatchNorm NCHW
/// [32, 64, 56, 56] prefetched 2 channels (800 KiB, more than L2) ahead with
/// spans counted, and ran slower than with one.
static int64_t prefetchDistance(const KernelView &v, int64_t elementBytes,
                                int64_t aheadBytes) {
  int64_t slabBytes = std::max<int64_t>(1, v.count() * elementBytes);
  int64_t statistics = (aheadBytes + slabBytes - 1) / slabBytes;
  return (v.mid == 1 ? v.count() : v.inner) * statistics;
}

/// How far ahead of its stores the output pass prefetches the output for
/// writing (0: not at all), in elements. Only with regular stores: the read
/// for ownership of each output line then overlaps the statistics of the
/// next slabs instead of stalling the stores (the hardware prefetchers stop
/// at page boundaries). A/B of normc_artifact libraries on the AVX-512
/// Xeon, 3 interleaved rounds, medians, 1 / 2 threads: LayerNorm f32
/// [8192, 1024] 1.26x / 1.09x, its backward 1.45x / 1.37x, RMSNorm f32
/// [8192, 1024] 1.26x / 1.12x, bf16 LayerNorm [4096, 4096] and RMSNorm
/// 1.05-1.20x, NCHW BatchNorm training 1.02-1.16x and inference f32 1.05-
/// 1.11x, NHWC BatchNorm f32 1.01-1.13x. 1 KiB ahead beat 4 KiB and the
/// input's 16 KiB (LayerNorm f32 [8192, 1024] 1.32x / 1.25x / 1.17x; NCHW
/// BatchNorm [32, 64, 56, 56] 1.10x / 1.07x / 0.94x: lines fetched further
/// ahead leave L1 before their stores). Not in the rows kernel for slabs of
/// one contiguous run longer than 4 KiB in tensors under 32 MiB: those
/// already ran at the rate of their cache level (InstanceNorm [16, 64, 64,
/// 64] 0.97x f32 and 0.89-0.95x bf16, GroupNorm NCHW 0.97x f32 and 0.86-
/// 0.90x bf16), while 4 KiB ones gained (InstanceNorm [64, 64, 32, 32] f32
/// 1.12x).
static int64_t outputPrefetchDistance(const KernelPlan &plan, CpuKernel kernel,
                                      bool streaming, int64_t elementBytes) {
  constexpr int64_t aheadBytes = 1 << 10;
  const KernelView &v = plan.view;
  if (streaming)
    return 0;
  bool rows = kernel == CpuKernel::rows;
  int64_t slabBytes = v.count() * elementBytes;
  int64_t tensorBytes = v.numElements() * elementBytes;
  if (rows && (v.mid == 1 || v.rows == 1) && slabBytes > 4096 &&
      tensorBytes < (int64_t(32) << 20))
    return 0;
  // Strided spans shorter than the distance: every line prefetched lies in
  // another statistic's span, written only after this statistic's passes.
  // The forward still gained (its next statistic's output comes soon
  // enough), the backward, which reads x and dy in between, did not
  // (NCHW BatchNorm backward [64, 256, 14, 14], 784-byte spans: f32
  // 0.93-0.96x, bf16 0.95-0.97x).
  if (rows && plan.backward && v.mid > 1 && v.inner * elementBytes < aheadBytes)
    return 0;
  return aheadBytes / elementBytes;
}

bool mlir::norm::hardwarePrefetchSuffices(StringRef cpu) {
  return cpu.starts_with("znver") && cpu != "znver1" && cpu != "znver2" &&
         cpu != "znver3";
}

/// How far ahead the streaming passes of a kernel prefetch, in bytes.
/// 16 KiB (Zen 3, one thread, LayerNorm [8192, 1024]: 4.4 -> 2.9 ms; 4 KiB
/// helped less, 64 KiB no more), except where the hardware prefetchers
/// follow the stream themselves (`hardwareStream`: one contiguous run per
/// statistic, or every tensor past the last-level cache, which no line of
/// a second pass can come from) on CPUs whose prefetchers outrun software
/// ones. A/B on Zen 4 of libraries with 16 KiB and none, 3 interleaved
/// rounds, medians, 1 / 2 threads, without: LayerNorm / RMSNorm f32 and
/// bf16 1.01-1.57x / 0.89-1.90x (past the cache 1.03-1.57x / 0.97-1.90x),
/// add+RMSNorm 1.09-1.53x / 1.10-1.22x, LayerNorm backward 1.31-1.34x on
/// 1 thread; NCHW / NHWC BatchNorm [128, 64, 112, 112] training 1.07-1.31x /
/// 1.04-1.28x, backward 1.07-1.24x / 1.22-1.30x, inference 0.97-1.07x. The
/// strided spans of BatchNorm within the cache kept their prefetches (NCHW
/// [64, 256, 14, 14] backward 0.58-0.91x without, NHWC [64, 14, 14, 256]
/// training 0.71-0.88x).
static int64_t prefetchBytesFor(const CpuTargetInfo &target,
                                bool hardwareStream) {
  if (target.prefetchBytes >= 0)
    return target.prefetchBytes;
  return target.hardwarePrefetch && hardwareStream ? 0 : 16 << 10;
}

/// How far ahead within the span the passes of merged moments prefetch
/// (the moments' first pass and the output pass, which reads the slab back
/// from the last-level cache; the squared deviations prefetch the next
/// block themselves). Within the span: the next statistic's data, which
/// the other slabs prefetch, is a slab away. NCHW BatchNorm training
/// [128, 64, 112, 112], 1 / 2 threads: on the AVX-512 Xeon, before the
/// squared deviations prefetched, 4 KiB 1.10x / 1.08x over none, 16 KiB
/// 1.05x, the next channel's span 0.88x; on Zen 5, after, 16 KiB over none
/// f32 1.12x / 1.04x, bf16 1.32x / 1.17x (4 KiB 1.05x / 1.03x and 1.18x /
/// 1.15x, 32 KiB no better than 16).
static int64_t mergedAheadBytes(const CpuTargetInfo &target) {
  if (target.prefetchBytes >= 0)
    return std::min<int64_t>(target.prefetchBytes, 16 << 10);
  return target.hardwarePrefetch ? 16 << 10 : 4 << 10;
}

/// How far ahead the squared-deviation pass of a slab prefetches (0: not
/// at all), in elements: the next whole statistics that cover 16 KiB. That
/// pass reads the slab from cache and, with the output pass after it, left
/// DRAM idle until the next statistic's first pass asked for its data: the
/// hardware prefetchers only follow the loads that miss. On CPUs whose
/// output pass does not prefetch contiguous slabs
/// (hardwarePrefetchSuffices), for slabs of 64 KiB or less. A/B on Zen 5,
/// medians of 5 interleaved rounds, 1 / 2 threads: LayerNorm f32 [8192,
/// 1024] 1.15x / 1.21x, [4096, 4096] 1.15x / 1.16x, [32768, 768] 1.35x /
/// 1.17x, [65536, 2048] 1.35x / 1.18x; bf16 1.14x / 1.01x, 1.98x / 1.94x,
/// 1.68x / 1.04x, 1.87x / 1.26x; InstanceNorm [16, 64, 64, 64] 1.35x /
/// 1.12x f32, 1.37x / 1.08x bf16; GroupNorm NCHW bf16 1.54x / 1.11x, f32
/// 1.05x / 0.97x; NCHW BatchNorm [64, 256, 14, 14] 1.00-1.26x. One row
/// ahead instead of 16 KiB: bf16 LayerNorm [32768, 768] 0.95x, [8192, 1024]
/// 1.43x (1.70x). Slabs of 128 KiB and more lost (LayerNorm [256, 65536]
/// f32 0.88x on both, NCHW BatchNorm [32, 64, 56, 56] bf16 0.86-0.92x).
static int64_t statsPrefetchDistance(const KernelPlan &plan,
                                     const CpuTargetInfo &target,
                                     bool mergedMoments, int64_t elementBytes) {
  constexpr int64_t maxSlabBytes = 64 << 10;
  const KernelView &v = plan.view;
  if (!plan.computeStats || !plan.spec.center || mergedMoments ||
      !target.hardwarePrefetch || target.prefetchBytes == 0 ||
      v.count() * elementBytes > maxSlabBytes)
    return 0;
  return prefetchDistance(v, elementBytes, /*aheadBytes=*/16 << 10);
}

CpuScheduleAttr mlir::norm::chooseCpuSchedule(MLIRContext *ctx,
                                              const KernelPlan &plan,
                                              const CpuTargetInfo &target) {
  const KernelView &v = plan.view;
  int64_t vectorWidth = target.vectorWidth, threads = target.threads;
  // The last-level cache a kernel can count on: a VM on a large server part
  // reads the whole socket's L3 from sysfs (480 MiB on the project's
  // Xeons), which many tenants share. Measured there (A/B of libraries
  // built with and without streaming stores, f32, 1 / 2 threads): outputs
  // of 64 MiB and more ran 1.22-1.70x faster streamed (LayerNorm [4096,
  // 4096], [32768, 768], [256, 65536], RMSNorm, add+RMSNorm [8192, 4096]),
  // while LayerNorm [8192, 1024] (32 MiB out) ran 0.83-0.88x and bf16
  // LayerNorm [32768, 768] (48 MiB) 0.89-0.93x: about 128 MiB stay cached.
  constexpr int64_t cacheShareCap = int64_t(128) << 20;
  int64_t llcBytes = std::min(target.llcBytes, cacheShareCap);
  // 16-bit data: two f32 vectors per step, so that each step loads and
  // stores whole vectors of the data type and narrows 16 lanes at once
  // (measured, bf16, 1 thread: NHWC BatchNorm training 3.1 -> 2.7 ms,
  // LayerNorm backward 9.7 -> 7.9 ms).
  int64_t lanes = vectorWidth;
  if (plan.dataType.getIntOrFloatBitWidth() == 16)
    lanes *= 2;
  constexpr int64_t scratchLimit = 1 << 20; // stays far below a thread stack
  // Outputs that cannot stay in the last-level cache bypass it: streaming
  // stores save the read-for-ownership of every output line.
  int64_t elementBytes = plan.dataType.getIntOrFloatBitWidth() / 8;
  int64_t tensorBytes = v.numElements() * elementBytes;
  bool nontemporal = tensorBytes >= llcBytes / 2;
  bool pastCache = tensorBytes > llcBytes;
  // Contiguous reduced runs of two vectors or more: one statistic at a time,
  // vectors along the run; its slab is re-read from cache, not DRAM. The
  // statistics are split into 8 runs per thread.
  // With given statistics and strided spans the output goes in memory
  // order (one stream, prefetched 16 KiB ahead; BatchNorm inference NCHW
  // f32, medians of 3 interleaved runs: [64, 256, 14, 14] 1.71 -> 1.09 ms
  // on 1 thread, 0.99 -> 0.51 ms on 2; [32, 64, 56, 56] 2.79 -> 2.06 ms).
  if (v.inner >= 2 * vectorWidth) {
    bool memoryOrder = rowsOutputInMemoryOrder(plan);
    int64_t runs = memoryOrder ? v.outer * v.rows : v.numStats();
    // Up to 4 accumulators per sum, 8 vector registers in all: the backward
    // keeps two sums, and 16-bit data two vectors per step (bf16 LayerNorm
    // backward spilled accumulators to the stack with 16; [256, 1024] in
    // cache, 1 thread: 0.18 -> 0.17 ms).
    int64_t registersPerStep = (plan.backward ? 2 : 1) * (lanes / vectorWidth);
    int64_t unroll = std::clamp<int64_t>(8 / registersPerStep, 1, 4);
    // bf16 without native conversions: even/odd lanes widen with a shift
    // and a mask and narrow without vpackusdw + vpermq (Zen 3, bf16, 1
    // thread, 7 alternating rounds: LayerNorm 1.18-1.33x, RMSNorm
    // 1.35-1.39x, BatchNorm NCHW training 1.14-1.24x and inference 1.29-
    // 1.31x, GroupNorm NCHW 1.28x; LayerNorm backward, whose f32 partial
    // parameter gradients are then shuffled, 1.02x).
    bool evenOdd = plan.dataType.isBF16() && !target.nativeBf16;
    // Spans shorter than 512 bytes do not stream: every span starts with
    // scalar stores up to the vector alignment and ends with a partial
    // vector, and the two halves of a line then mix regular and streaming
    // stores (Zen 3, 1 thread, rows of 16 / 32 / 64 f32: 1.4-2.0x faster
    // with regular stores; 128 f32 and 256 f32 rows: 1.1-1.2x slower).
    bool streamSpans = nontemporal && v.inner * elementBytes >= 512;
    // Slabs larger than half an L2 leave the cache between the mean pass
    // and the squared-deviation pass: their moments are merged from blocks
    // that stay in L1, so that the statistics read them once (NCHW
    // BatchNorm training [128, 64, 112, 112] f32, 6.3 MiB per channel).
    constexpr int64_t l2Half = 1 << 20;
    bool mergedMoments = plan.computeStats && plan.spec.center &&
                         v.count() * elementBytes > l2Half;
    // A backward whose slab (x and dy) is larger than half an L2 reads it
    // back from the last-level cache or DRAM in its dx pass: last span
    // first, the lines the statistics pass read last are still cached
    // (LRU). NCHW BatchNorm backward [128, 64, 112, 112] on Zen 5, medians
    // of 5 interleaved rounds, 1 / 2 threads: f32 1.06-1.07x / 1.11x, bf16
    // 1.07-1.10x / 1.02x; [32, 64, 56, 56] (800 KiB) 0.98-1.04x.
    bool reverseSpans =
        plan.backward && v.rows > 1 && 2 * v.count() * elementBytes > l2Half;
    bool contiguousSlabs = v.mid == 1 || v.rows == 1;
    int64_t prefetchBytes =
        prefetchBytesFor(target, contiguousSlabs || pastCache);
    int64_t prefetch = mergedMoments ? mergedAheadBytes(target) / elementBytes
                       : prefetchBytes == 0 ? 0
                       : memoryOrder
                           ? prefetchBytes / elementBytes
                           : prefetchDistance(v, elementBytes, prefetchBytes);
    return CpuScheduleAttr::get(
        ctx, CpuKernel::rows, lanes, unroll,
        /*row_chunks=*/std::min<int64_t>(8 * threads, runs),
        /*block=*/4096, streamSpans, prefetch, evenOdd,
        outputPrefetchDistance(plan, CpuKernel::rows, streamSpans,
                               elementBytes),
        /*merged_moments=*/mergedMoments,
        statsPrefetchDistance(plan, target, mergedMoments, elementBytes),
        /*reverse_spans=*/reverseSpans);
  }
  // Channels innermost: vectors across channels. With enough outer indices
  // to share evenly between the threads, one row chunk: each o's phases
  // run back to back, its slab is re-read from cache, and large outputs
  // stream (GroupNorm NHWC G=32 f32, medians of 5 interleaved runs,
  // [16, 32, 32, 256]: 2.5 -> 1.9 ms on 1 thread, 1.5 -> 1.2 ms on 2;
  // [32, 64, 64, 256], 4 MiB per sample: 31 -> 23 ms on 1 thread). Otherwise
  // rows split into chunks until every thread has several pieces of work.
  bool evenOuter =
      v.outer >= 4 * threads || (v.outer >= threads && v.outer % threads == 0);
  int64_t wanted = evenOuter ? 1 : (4 * threads + v.outer - 1) / v.outer;
  int64_t chunks =
      std::clamp<int64_t>(wanted, 1, std::max<int64_t>(1, v.rows / 64));
  while (chunks > 1 && channelsLastScratch(v, chunks) > scratchLimit)
    chunks /= 2;
  if (channelsLastScratch(v, chunks) > scratchLimit)
    return {};
  // Streaming stores only with one row chunk: with several, the second
  // read of the input spans the whole tensor and streaming made NHWC
  // BatchNorm training slower (41 % -> 27 % of the copy probe, 1 thread).
  // Forward: 4 rows summed in registers per accumulator update (NHWC
  // BatchNorm training 1.1x -> 1.5x oneDNN, one thread). The backward,
  // two input streams per row, is faster with one (NHWC BatchNorm backward
  // f32, 1 thread, medians of 3 interleaved: [64, 14, 14, 256] 3.7 -> 2.6
  // ms, [32, 56, 56, 64] 8.6 -> 6.8 ms).
  // Beyond the last-level cache the second read comes from DRAM whatever
  // the stores do, and without statistics there is none: both stream
  // (Zen 4, NHWC BatchNorm [128, 112, 112, 64] f32, 8 row chunks, 1 / 2
  // threads: training 1.18x / 1.20x, inference 1.41x / 1.43x).
  // An f32 training forward whose x and y together fill half the
  // last-level cache or more streams too: the regular stores of y evicted
  // the x that the second pass was to re-read (Zen 5, 32 MiB L3, medians
  // of 5-7 interleaved rounds, 1 / 2 threads: NHWC BatchNorm [32, 56, 56,
  // 64] 1.39x / 1.26-1.49x, [64, 14, 14, 256] 1.41-1.53x / 0.89-1.02x).
  // Not bf16 (0.91-1.10x) nor the backward, which reads two tensors
  // (0.70-1.19x).
  int64_t rowsPerUpdate = plan.backward ? 1 : 4;
  int64_t prefetchBytes = prefetchBytesFor(target, pastCache);
  bool evictsSecondRead = plan.computeStats && !plan.backward &&
                          elementBytes == 4 && 4 * tensorBytes >= llcBytes;
  bool streaming =
      evictsSecondRead ||
      (nontemporal && (chunks == 1 || !plan.computeStats || pastCache));
  // bf16 in even/odd lanes with lane-ordered per-channel scratch; streaming
  // stores would split rows at y's alignment, so not with them.
  bool evenOdd = plan.dataType.isBF16() && !target.nativeBf16 && !streaming;
  return CpuScheduleAttr::get(
      ctx, CpuKernel::channels_last, lanes, rowsPerUpdate, chunks,
      /*block=*/256, streaming, prefetchBytes / elementBytes, evenOdd,
      outputPrefetchDistance(plan, CpuKernel::channels_last, streaming,
                             elementBytes),
      /*merged_moments=*/false, /*prefetch_stats=*/0,
      /*reverse_spans=*/false);
}
