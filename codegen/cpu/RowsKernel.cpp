//===- RowsKernel.cpp - CPU kernel with vectors along reduced runs --------===//
//
// The `rows` loop structure: one statistic (o, m) per parallel iteration.
// Its slab is `rows` spans of `inner` contiguous elements. The mean pass, the
// squared-deviation pass and the output pass run back to back on that slab,
// so it is read from DRAM once when it fits in L2 and from cache after. Sums
// are f32 vectors within blocks and f64 across blocks (two-pass statistics:
// no cancellation for large means). With the statistics given (inference
// BatchNorm) and several spans per slab, the output pass walks the spans in
// memory order instead (parallel over (o, r), all m of each): one
// sequential stream, not `rows` strided spans per statistic.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/KernelEmitter.h"
#include "codegen/linalg/LinalgUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::norm;

namespace {
/// The statistics of one slab: mean and variance (f32 scalars).
std::pair<Value, Value> slabMoments(KernelEmitter &k, Value base) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  const KernelView &v = k.plan.view;
  int64_t stride = v.mid * v.inner;
  Value inverseCount =
      floatConstant(b, loc, b.getF64Type(), 1.0 / double(v.count()));
  Value mean = k.f32Constant(0.0, 1);
  if (k.plan.spec.center) {
    Value sum =
        k.sumSlab(base, v.rows, stride, v.inner, [&](Value acc, Value x) {
          return arith::AddFOp::create(b, loc, acc, x).getResult();
        });
    Value mean64 = arith::MulFOp::create(b, loc, sum, inverseCount);
    mean = arith::TruncFOp::create(b, loc, b.getF32Type(), mean64);
  }
  bool center = k.plan.spec.center;
  // acc + d * d as one FMA (one rounding, one instruction fewer per vector).
  // With centering this second pass reads the slab from cache and may
  // prefetch the next statistic's data (prefetch_stats).
  Value squares = k.sumSlab(
      base, v.rows, stride, v.inner,
      [&](Value acc, Value x) {
        Value d = x;
        if (center)
          d = arith::SubFOp::create(b, loc, x, k.splatLike(mean, x));
        return math::FmaOp::create(b, loc, d, d, acc).getResult();
      },
      k.schedule.getPrefetchStats());
  Value var64 = arith::MulFOp::create(b, loc, squares, inverseCount);
  return {mean, arith::TruncFOp::create(b, loc, b.getF32Type(), var64)};
}

/// The statistics of one slab from its blocks (merged_moments): each block's
/// mean, then its squared deviations while it is in L1, merged with Chan's
/// formula in f64 (count n, mean, sum of squared deviations M2):
///   n' = n + nb, mean' = mean + d nb / n', M2' = M2 + M2b + d^2 n nb / n'
/// with d = meanb - mean. The slab is read once, not once per sum.
std::pair<Value, Value> mergedSlabMoments(KernelEmitter &k, Value base) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  const KernelView &v = k.plan.view;
  Type f64 = b.getF64Type();
  int64_t block = std::min(k.schedule.getBlock(), v.inner);
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  Value zero = floatConstant(b, loc, f64, 0.0);
  auto spans = scf::ForOp::create(b, loc, k.index(0), k.index(v.rows),
                                  k.index(1), ValueRange{zero, zero, zero});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(spans.getBody());
  Value spanBase = k.add(base, k.mul(spans.getInductionVar(), v.mid * v.inner));
  auto blocks = scf::ForOp::create(b, loc, k.index(0), k.index(v.inner),
                                   k.index(block), spans.getRegionIterArgs());
  b.setInsertionPointToStart(blocks.getBody());
  Value at = blocks.getInductionVar();
  ValueRange carried = blocks.getRegionIterArgs();
  Value n = carried[0], mean = carried[1], m2 = carried[2];
  Value len = k.min(k.index(block),
                    arith::SubIOp::create(b, loc, k.index(v.inner), at));
  Value blockBase = k.add(spanBase, at);
  Value nb = arith::SIToFPOp::create(
      b, loc, f64, arith::IndexCastOp::create(b, loc, b.getI64Type(), len));
  // The slab does not stay in cache: its first pass prefetches ahead.
  Value sum = k.sumSpan(
      blockBase, len,
      [&](Value acc, Value x) {
        return arith::AddFOp::create(b, loc, acc, x).getResult();
      },
      k.prefetchDelta(blockBase, block));
  Value meanB = arith::DivFOp::create(
      b, loc, arith::ExtFOp::create(b, loc, f64, sum), nb);
  Value center = arith::TruncFOp::create(b, loc, b.getF32Type(), meanB);
  // The squared deviations come from L1 and no load of theirs misses: they
  // prefetch the next block, one line per vector, so that DRAM keeps
  // streaming while they run (it idled through every block's second pass).
  Value squares = k.sumSpan(
      blockBase, len,
      [&](Value acc, Value x) {
        Value d = arith::SubFOp::create(b, loc, x, k.splatLike(center, x));
        return math::FmaOp::create(b, loc, d, d, acc).getResult();
      },
      k.prefetchDelta(blockBase, block, block));
  Value total = add(n, nb);
  Value d = arith::SubFOp::create(b, loc, meanB, mean);
  Value share = arith::DivFOp::create(b, loc, nb, total);
  Value nextMean = add(mean, mul(d, share));
  Value nextM2 = add(add(m2, arith::ExtFOp::create(b, loc, f64, squares)),
                     mul(mul(d, d), mul(n, share)));
  scf::YieldOp::create(b, loc, ValueRange{total, nextMean, nextM2});
  b.setInsertionPointAfter(blocks);
  scf::YieldOp::create(b, loc, blocks.getResults());
  b.setInsertionPointAfter(spans);
  Value var64 =
      arith::DivFOp::create(b, loc, spans.getResult(2),
                            floatConstant(b, loc, f64, double(v.count())));
  return {arith::TruncFOp::create(b, loc, b.getF32Type(), spans.getResult(1)),
          arith::TruncFOp::create(b, loc, b.getF32Type(), var64)};
}

/// y = ((x - mean) * rstd) * scale + bias with parameters along the span.
void outputPerElementParams(KernelEmitter &k, Value spanBase, Value paramBase,
                            Value mean, Value rstd) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  int64_t len = k.plan.view.inner;
  auto deltas = k.outputPassPrefetch(spanBase, len);
  k.forOutputVectors(
      k.index(0), k.index(len), spanBase, [&](Value s, int64_t w) {
        if (w > 1)
          k.prefetchOutputPass(k.add(spanBase, s), deltas);
        Value x = k.loadInput(k.add(spanBase, s), w);
        Value y = x;
        if (k.plan.spec.center)
          y = arith::SubFOp::create(b, loc, y, k.splat(mean, w));
        y = arith::MulFOp::create(b, loc, y, k.splat(rstd, w));
        Value p = k.add(paramBase, s);
        if (k.plan.hasScale) {
          Value scale = k.loadScale(p, w);
          y = k.plan.hasBias
                  ? math::FmaOp::create(b, loc, y, scale, k.loadBias(p, w))
                        .getResult()
                  : arith::MulFOp::create(b, loc, y, scale).getResult();
        } else if (k.plan.hasBias) {
          y = arith::AddFOp::create(b, loc, y, k.loadBias(p, w));
        }
        k.storeOutput(y, k.add(spanBase, s));
      });
}

/// y = (x - mean) * a + c, with a = rstd * scale and c = bias constant over
/// chunks of `paramInnerDiv`. (x * a + (c - mean * a) would save a
/// subtraction but loses c when mean * a is large: a constant row with a
/// tiny epsilon.)
void outputChunkParams(KernelEmitter &k, Value spanBase, Value paramBase,
                       Value mean, Value rstd) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  const KernelView &v = k.plan.view;
  // Without parameters the whole span is one chunk (it was one chunk per
  // element: scalar code for a LayerNorm without affine parameters).
  bool params = k.plan.hasScale || k.plan.hasBias;
  int64_t chunk = params ? std::min(v.paramInnerDiv, v.inner) : v.inner;
  auto loop = scf::ForOp::create(b, loc, k.index(0), k.index(v.inner / chunk),
                                 k.index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value j = loop.getInductionVar();
  Value p = k.add(paramBase, j);
  Value a =
      k.plan.hasScale
          ? arith::MulFOp::create(b, loc, rstd, k.loadScale(p, 1)).getResult()
          : rstd;
  Value c = k.plan.hasBias ? k.loadBias(p, 1) : k.f32Constant(0.0, 1);
  Value begin = k.add(spanBase, k.mul(j, chunk));
  auto deltas = k.outputPassPrefetch(begin, chunk);
  k.forOutputVectors(
      begin, k.add(begin, k.index(chunk)), k.index(0), [&](Value i, int64_t w) {
        if (w > 1)
          k.prefetchOutputPass(i, deltas);
        Value x = k.loadInput(i, w);
        if (k.plan.spec.center)
          x = arith::SubFOp::create(b, loc, x, k.splat(mean, w));
        Value y = math::FmaOp::create(b, loc, x, k.splat(a, w), k.splat(c, w));
        k.storeOutput(y, i);
      });
}
/// The output pass over the span at `spanBase` of a statistic with `mean`
/// and `rstd`, its parameters from `paramBase`.
void emitSpanOutput(KernelEmitter &k, Value spanBase, Value paramBase,
                    Value mean, Value rstd) {
  const KernelView &v = k.plan.view;
  bool perElement = v.paramInnerDiv == 1 && v.inner > 1 &&
                    (k.plan.hasScale || k.plan.hasBias);
  if (perElement)
    outputPerElementParams(k, spanBase, paramBase, mean, rstd);
  else
    outputChunkParams(k, spanBase, paramBase, mean, rstd);
}
} // namespace

/// The output of given statistics, span after span in memory order: rstd
/// of every statistic first (one sqrt each, not one per span), then
/// parallel over runs of (o, r) the spans of every m.
static void emitMemoryOrder(KernelEmitter &k) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  const KernelView &v = k.plan.view;
  Value rstdAll = k.scratchBuffer(
      MemRefType::get({v.numStats()}, b.getF32Type()), /*onStack=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    auto stats = scf::ForOp::create(b, loc, k.index(0), k.index(v.numStats()),
                                    k.index(1));
    b.setInsertionPointToStart(stats.getBody());
    Value g = stats.getInductionVar();
    k.storeF32(k.rstdOf(k.loadF32(k.buf.varIn, g, 1)), rstdAll, g);
  }
  OpBuilder::InsertionGuard guard(b);
  Value q = k.beginRuns(v.outer * v.rows); // o * rows + r
  Value o = k.div(q, v.rows);
  auto mids =
      scf::ForOp::create(b, loc, k.index(0), k.index(v.mid), k.index(1));
  b.setInsertionPointToStart(mids.getBody());
  Value m = mids.getInductionVar();
  Value g = k.add(k.mul(o, v.mid), m);
  Value mean =
      k.buf.meanIn ? k.loadF32(k.buf.meanIn, g, 1) : k.f32Constant(0, 1);
  Value spanBase = k.mul(k.add(k.mul(q, v.mid), m), v.inner);
  emitSpanOutput(k, spanBase, k.mul(m, v.paramMidStride), mean,
                 memref::LoadOp::create(b, loc, rstdAll, g));
}

/// The statistics, then the output, of statistic g.
static void emitStatistic(KernelEmitter &k, Value g) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  const KernelView &v = k.plan.view;
  OpBuilder::InsertionGuard guard(b);
  Value o = k.div(g, v.mid);
  Value m = k.rem(g, v.mid);
  // Element (o, r, m, s) is at ((o * rows + r) * mid + m) * inner + s.
  Value slabBase = k.mul(k.add(k.mul(o, v.rows * v.mid), m), v.inner);
  Value mean, var;
  if (k.plan.computeStats) {
    std::tie(mean, var) = k.plan.spec.center && k.schedule.getMergedMoments()
                              ? mergedSlabMoments(k, slabBase)
                              : slabMoments(k, slabBase);
    k.storeF32(mean, k.buf.meanOut, g);
    k.storeF32(var, k.buf.varOut, g);
    if (k.plan.statsOnly)
      return;
  } else {
    mean = k.buf.meanIn ? k.loadF32(k.buf.meanIn, g, 1) : k.f32Constant(0, 1);
    var = k.loadF32(k.buf.varIn, g, 1);
  }
  Value rstd = k.rstdOf(var);
  Value paramBase = k.mul(m, v.paramMidStride);
  auto spans =
      scf::ForOp::create(b, loc, k.index(0), k.index(v.rows), k.index(1));
  b.setInsertionPointToStart(spans.getBody());
  Value spanBase =
      k.add(slabBase, k.mul(spans.getInductionVar(), v.mid * v.inner));
  emitSpanOutput(k, spanBase, paramBase, mean, rstd);
}

void mlir::norm::emitRowsKernel(KernelEmitter &k) {
  // Only the output pass reads the parameters.
  k.copyParamsInLaneOrder(/*streamedSplit=*/true);
  if (rowsOutputInMemoryOrder(k.plan))
    return emitMemoryOrder(k);
  // Parallel over `row_chunks` runs of consecutive statistics (few parallel
  // iterations: each ends with a fence when the stores stream).
  OpBuilder::InsertionGuard guard(k.b);
  emitStatistic(k, k.beginRuns(k.plan.view.numStats()));
}
