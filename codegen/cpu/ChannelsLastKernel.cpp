//===- ChannelsLastKernel.cpp - CPU kernel with vectors across channels ---===//
//
// The `channels_last` loop structure, for statistics whose contiguous
// innermost extent is short (NHWC BatchNorm, InstanceNorm, GroupNorm): the
// input is [outer, rows, channels] with statistics per (o, channel group).
//  1. Parallel over (o, row chunk): per-channel sums of (x - shift) and
//     (x - shift)^2, in f32 vectors over blocks of rows and in f64 across
//     blocks. The shift is row 0 of o, so large means do not cancel.
//  2. Parallel over statistics: per-channel mean and M2 from the shifted
//     sums, merged across the channels of a group with Chan's formula; then
//     the per-channel coefficients mean, a = scale * rstd and c = bias.
//  3. Parallel over (o, row chunk): y = (x - mean) * a + c.
// With one row chunk (row_chunks = 1) the three phases run back to back per
// o inside one parallel loop over o, so the second read of an o's slab hits
// the cache the first one filled (L2, or L3 for slabs past L2); with more
// chunks each phase spans the whole input and x is read twice from memory.
// With bf16 vectors in even/odd lanes (`even_odd`) every row splits into the
// same vectors, so the per-channel scratch (block accumulators, coefficients,
// spread statistics) is kept in the lanes' order: vector accesses need no
// shuffle, and the per-channel scalar code addresses channel c at slot(c).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/KernelEmitter.h"
#include "codegen/linalg/LinalgUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::norm;

namespace {
struct ChannelsLast {
  KernelEmitter &k;
  OpBuilder &b;
  Location loc;
  const KernelView &v;
  int64_t channels, chunks, rowsPerChunk;
  Value sum1, sum2; // f64 [outer * chunks * channels]
  // f32 [outer * chunks * channels]: the block accumulators of every chunk
  // (allocated outside the parallel loops: an alloca inside one would need
  // an alloca scope per iteration).
  Value acc1All, acc2All;
  /// The o whose phases run back to back (row_chunks = 1), or null when
  /// each phase is parallel over all of x.
  Value fusedOuter;
  // f32 [outer * channels]: forward mean, a, c; backward b, a, c.
  Value coefM, coefA, coefC;

  explicit ChannelsLast(KernelEmitter &k)
      : k(k), b(k.b), loc(k.loc), v(k.plan.view), channels(v.mid * v.inner),
        chunks(k.schedule.getRowChunks()),
        rowsPerChunk((v.rows + chunks - 1) / chunks),
        laneOrder(k.schedule.getEvenOdd()) {}

  /// Per-channel scratch in the lanes' order (even_odd).
  bool laneOrder;

  /// Where channel c (in [0, channels)) sits in per-channel scratch: c in
  /// memory order; with laneOrder, its slot in the vector that holds it,
  /// split as forVectors splits every row: whole vectors, then a half- and
  /// a quarter-width one where they fit, then scalars (in place).
  Value slot(Value c) {
    if (!laneOrder)
      return c;
    int64_t width = k.schedule.getVectorWidth();
    // Lane l of a w-lane vector starting at `start` holds element
    // start + (l < w/2 ? 2l : 2(l - w/2) + 1); element start + e sits in
    // lane e/2 + (e odd) * w/2.
    auto inVector = [&](Value start, Value e, int64_t w) {
      Value odd = k.mul(k.rem(e, 2), w / 2);
      return k.add(start, k.add(k.div(e, 2), odd));
    };
    auto within = [&](int64_t lo, int64_t hi) {
      Value geLo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, c,
                                         k.index(lo));
      Value ltHi = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, c,
                                         k.index(hi));
      return arith::AndIOp::create(b, loc, geLo, ltHi).getResult();
    };
    int64_t mainEnd = channels - channels % width;
    Value result = c; // the scalar tail
    int64_t at = mainEnd;
    for (int64_t w = width / 2; w >= 4; w /= 2) {
      if (at + w > channels)
        continue;
      Value start = k.index(at);
      Value e = arith::SubIOp::create(b, loc, c, start);
      result = arith::SelectOp::create(b, loc, within(at, at + w),
                                       inVector(start, e, w), result);
      at += w;
    }
    if (mainEnd > 0) {
      Value e = k.rem(c, width);
      Value start = arith::SubIOp::create(b, loc, c, e);
      result = arith::SelectOp::create(b, loc, within(0, mainEnd),
                                       inVector(start, e, width), result);
    }
    return result;
  }

  /// `width` lanes of per-channel scratch at `at` (f32), and the store.
  Value loadScratch(Value buffer, Value at, int64_t width) {
    return k.loadScratch(buffer, at, width, laneOrder);
  }
  void storeScratch(Value value, Value buffer, Value at) {
    k.storeScratch(value, buffer, at, laneOrder);
  }

  Value stackBuffer(int64_t n, Type element) {
    return k.scratchBuffer(MemRefType::get({n}, element), /*onStack=*/true);
  }

  Value f64(double x) { return floatConstant(b, loc, b.getF64Type(), x); }

  /// A loop over [lb, ub) whose body is built at `b`'s insertion point.
  scf::ForOp loop(Value lb, Value ub, int64_t step, ValueRange inits = {}) {
    return scf::ForOp::create(b, loc, lb, ub, k.index(step), inits);
  }

  /// Allocates the partial sums, their block accumulators and the three
  /// per-channel coefficient buffers.
  void allocate() {
    int64_t parts = v.outer * chunks * channels;
    sum1 = stackBuffer(parts, b.getF64Type());
    sum2 = stackBuffer(parts, b.getF64Type());
    acc1All = stackBuffer(parts, b.getF32Type());
    acc2All = stackBuffer(parts, b.getF32Type());
    coefM = stackBuffer(v.outer * channels, b.getF32Type());
    coefA = stackBuffer(v.outer * channels, b.getF32Type());
    coefC = stackBuffer(v.outer * channels, b.getF32Type());
  }

  /// Emits `phases`: inside one parallel loop over o (fusedOuter set) with
  /// one row chunk, else as they are (each phase opens its own loops).
  void perOuter(function_ref<void()> phases) {
    if (chunks != 1)
      return phases();
    OpBuilder::InsertionGuard guard(b);
    fusedOuter = k.beginParallel(v.outer);
    phases();
    fusedOuter = nullptr;
  }

  /// Runs body(o, firstRow, endRow) in parallel over (o, row chunk), or
  /// over all rows of fusedOuter.
  void forRowChunks(function_ref<void(Value, Value, Value)> body) {
    if (fusedOuter)
      return body(fusedOuter, k.index(0), k.index(v.rows));
    auto parallel =
        scf::ParallelOp::create(b, loc, ValueRange{k.index(0), k.index(0)},
                                ValueRange{k.index(v.outer), k.index(chunks)},
                                ValueRange{k.index(1), k.index(1)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(parallel.getBody());
    Value o = parallel.getInductionVars()[0];
    Value first = k.mul(parallel.getInductionVars()[1], rowsPerChunk);
    Value end = k.min(k.add(first, k.index(rowsPerChunk)), k.index(v.rows));
    body(o, first, end);
  }

  Value rowBase(Value o, Value r) {
    return k.mul(k.add(k.mul(o, v.rows), r), channels);
  }

  /// The shift of channel c of o: x[o, 0, c] (0 without centering).
  Value shift(Value o, Value c, int64_t width) {
    if (!k.plan.spec.center)
      return k.f32Constant(0.0, width);
    return k.loadInput(k.add(rowBase(o, k.index(0)), c), width);
  }

  /// The two per-element terms summed per channel: (x - shift, its square)
  /// forward, (dy, dy * xhat) backward.
  using Terms = function_ref<std::pair<Value, Value>(Value o, Value at, Value c,
                                                     int64_t)>;
  void partialSums(Terms terms);
  /// The f64 sums of first[(part0 + p) * channels + c] and of
  /// second[...] over the `count` partial rows p.
  std::pair<Value, Value> sumParts(Value part0, int64_t count, Value c,
                                   Value first, Value second) {
    auto parts =
        loop(k.index(0), k.index(count), 1, ValueRange{f64(0), f64(0)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(parts.getBody());
    Value at = k.add(k.mul(k.add(part0, parts.getInductionVar()), channels), c);
    scf::YieldOp::create(
        b, loc,
        ValueRange{
            arith::AddFOp::create(b, loc, parts.getRegionIterArgs()[0],
                                  memref::LoadOp::create(b, loc, first, at)),
            arith::AddFOp::create(b, loc, parts.getRegionIterArgs()[1],
                                  memref::LoadOp::create(b, loc, second, at))});
    return {parts.getResult(0), parts.getResult(1)};
  }
  /// Opens a parallel loop over the statistics (a loop over those of
  /// fusedOuter); returns the statistic's index, with the builder inside
  /// the loop.
  Value beginStatistics() {
    if (!fusedOuter)
      return k.beginParallel(v.numStats());
    auto mids = loop(k.index(0), k.index(v.mid), 1);
    b.setInsertionPointToStart(mids.getBody());
    return k.add(k.mul(fusedOuter, v.mid), mids.getInductionVar());
  }
  void statistics();
  void coefficients(Value o, Value m, Value mean, Value rstd);
  /// body(element, coefficient index, width) over every output element,
  /// parallel over (o, row chunk), vectors across channels.
  void
  forOutputElements(function_ref<void(Value at, Value coef, int64_t w)> body);
  void output();

  // Backward (norm.normalize_grad); see emitChannelsLastGradKernel.
  Value gradMean, gradRstd; // f32 [outer * channels]: the stats per channel
  void spreadStatistics();
  void gradientCoefficients();
  void gradientOutput();
  void parameterGradients();
};

void ChannelsLast::partialSums(Terms terms) {
  int64_t block = k.schedule.getBlock();
  forRowChunks([&](Value o, Value first, Value end) {
    Value part =
        k.mul(k.add(k.mul(o, chunks), k.div(first, rowsPerChunk)), channels);
    auto chunkView = [&](Value all) {
      return memref::SubViewOp::create(
          b, loc, all, ArrayRef<OpFoldResult>{part},
          ArrayRef<OpFoldResult>{b.getIndexAttr(channels)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    };
    Value acc1 = chunkView(acc1All), acc2 = chunkView(acc2All);
    auto clear = loop(k.index(0), k.index(channels), 1);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(clear.getBody());
      Value at = k.add(part, clear.getInductionVar());
      memref::StoreOp::create(b, loc, f64(0), sum1, at);
      memref::StoreOp::create(b, loc, f64(0), sum2, at);
    }
    auto blocks = loop(first, end, block);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(blocks.getBody());
    Value blockStart = blocks.getInductionVar();
    k.forVectors(k.index(0), k.index(channels), [&](Value c, int64_t w) {
      storeScratch(k.f32Constant(0, w), acc1, c);
      storeScratch(k.f32Constant(0, w), acc2, c);
    });
    // `unroll` rows per step: their terms are added in registers before
    // one update of the accumulators (fewer loads and stores per element),
    // then the remaining rows one by one.
    Value blockEnd = k.min(k.add(blockStart, k.index(block)), end);
    int64_t unroll = k.schedule.getUnroll();
    Value blockLen = arith::SubIOp::create(b, loc, blockEnd, blockStart);
    Value unrolledEnd =
        arith::SubIOp::create(b, loc, blockEnd, k.rem(blockLen, unroll));
    for (auto [from, to, rowStep] :
         {std::tuple(blockStart, unrolledEnd, unroll),
          std::tuple(unrolledEnd, blockEnd, int64_t(1))}) {
      int64_t step = rowStep;
      auto rows = loop(from, to, step);
      OpBuilder::InsertionGuard rowGuard(b);
      b.setInsertionPointToStart(rows.getBody());
      Value base = rowBase(o, rows.getInductionVar());
      Value delta = k.prefetchDelta(base, channels * step);
      k.forVectors(k.index(0), k.index(channels), [&](Value c, int64_t w) {
        Value s1 = loadScratch(acc1, c, w), s2 = loadScratch(acc2, c, w);
        for (int64_t u = 0; u < step; ++u) {
          Value at = k.add(base, k.add(c, k.index(u * channels)));
          if (w > 1)
            k.prefetchInputs(at, delta);
          auto [t1, t2] = terms(o, at, c, w);
          s1 = arith::AddFOp::create(b, loc, s1, t1);
          s2 = arith::AddFOp::create(b, loc, s2, t2);
        }
        storeScratch(s1, acc1, c);
        storeScratch(s2, acc2, c);
      });
    }
    auto fold = loop(k.index(0), k.index(channels), 1);
    b.setInsertionPointToStart(fold.getBody());
    Value c = fold.getInductionVar();
    Value at = k.add(part, c);
    Value accAt = slot(c);
    for (auto [acc, sum] : {std::pair(acc1, sum1), std::pair(acc2, sum2)}) {
      Value wide = arith::ExtFOp::create(
          b, loc, b.getF64Type(),
          memref::LoadOp::create(b, loc, acc, accAt).getResult());
      Value old = memref::LoadOp::create(b, loc, sum, at);
      memref::StoreOp::create(b, loc, arith::AddFOp::create(b, loc, old, wide),
                              sum, at);
    }
  });
}

void ChannelsLast::coefficients(Value o, Value m, Value mean, Value rstd) {
  auto inner = loop(k.index(0), k.index(v.inner), 1);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(inner.getBody());
  Value s = inner.getInductionVar();
  Value p = k.add(k.mul(m, v.paramMidStride), k.div(s, v.paramInnerDiv));
  Value a =
      k.plan.hasScale
          ? arith::MulFOp::create(b, loc, rstd, k.loadScale(p, 1)).getResult()
          : rstd;
  Value c = k.plan.hasBias ? k.loadBias(p, 1) : k.f32Constant(0.0, 1);
  Value at = k.add(k.mul(o, channels), slot(k.add(k.mul(m, v.inner), s)));
  memref::StoreOp::create(b, loc, mean, coefM, at);
  memref::StoreOp::create(b, loc, a, coefA, at);
  memref::StoreOp::create(b, loc, c, coefC, at);
}

void ChannelsLast::statistics() {
  OpBuilder::InsertionGuard guard(b);
  Value g = beginStatistics();
  Value o = k.div(g, v.mid), m = k.rem(g, v.mid);
  Value mean, var;
  if (!k.plan.computeStats) {
    mean = k.buf.meanIn ? k.loadF32(k.buf.meanIn, g, 1) : k.f32Constant(0, 1);
    var = k.loadF32(k.buf.varIn, g, 1);
  } else {
    double rows = double(v.rows);
    // Per channel: shifted sums over the row chunks -> (mean_c, M2_c).
    auto channelMoments = [&](Value s) -> std::tuple<Value, Value, Value> {
      Value c = k.add(k.mul(m, v.inner), s);
      auto chunkLoop =
          loop(k.index(0), k.index(chunks), 1, ValueRange{f64(0), f64(0)});
      {
        OpBuilder::InsertionGuard chunkGuard(b);
        b.setInsertionPointToStart(chunkLoop.getBody());
        Value at =
            k.add(k.mul(k.add(k.mul(o, chunks), chunkLoop.getInductionVar()),
                        channels),
                  c);
        Value s1 =
            arith::AddFOp::create(b, loc, chunkLoop.getRegionIterArgs()[0],
                                  memref::LoadOp::create(b, loc, sum1, at));
        Value s2 =
            arith::AddFOp::create(b, loc, chunkLoop.getRegionIterArgs()[1],
                                  memref::LoadOp::create(b, loc, sum2, at));
        scf::YieldOp::create(b, loc, ValueRange{s1, s2});
      }
      Value s1 = chunkLoop.getResult(0), s2 = chunkLoop.getResult(1);
      Value shifted = arith::DivFOp::create(b, loc, s1, f64(rows));
      Value meanC = arith::AddFOp::create(
          b, loc, arith::ExtFOp::create(b, loc, b.getF64Type(), shift(o, c, 1)),
          shifted);
      Value m2 = arith::SubFOp::create(
          b, loc, s2, arith::MulFOp::create(b, loc, s1, shifted));
      return {meanC, m2, s2};
    };
    // Chan's merge of the group's channels (equal counts).
    auto meanLoop = loop(k.index(0), k.index(v.inner), 1, ValueRange{f64(0)});
    {
      OpBuilder::InsertionGuard loopGuard(b);
      b.setInsertionPointToStart(meanLoop.getBody());
      Value meanC = std::get<0>(channelMoments(meanLoop.getInductionVar()));
      scf::YieldOp::create(
          b, loc,
          ValueRange{arith::AddFOp::create(
              b, loc, meanLoop.getRegionIterArgs()[0], meanC)});
    }
    Value mean64 = arith::DivFOp::create(b, loc, meanLoop.getResult(0),
                                         f64(double(v.inner)));
    auto m2Loop = loop(k.index(0), k.index(v.inner), 1, ValueRange{f64(0)});
    {
      OpBuilder::InsertionGuard loopGuard(b);
      b.setInsertionPointToStart(m2Loop.getBody());
      auto [meanC, m2, s2] = channelMoments(m2Loop.getInductionVar());
      // Centered: M2_c + n (mean_c - mean)^2. RMS: the plain sum of squares.
      Value term = s2;
      if (k.plan.spec.center) {
        Value d = arith::SubFOp::create(b, loc, meanC, mean64);
        Value between = arith::MulFOp::create(
            b, loc, arith::MulFOp::create(b, loc, d, d), f64(rows));
        term = arith::AddFOp::create(b, loc, m2, between);
      }
      Value total =
          arith::AddFOp::create(b, loc, m2Loop.getRegionIterArgs()[0], term);
      scf::YieldOp::create(b, loc, ValueRange{total});
    }
    Value var64 = arith::DivFOp::create(b, loc, m2Loop.getResult(0),
                                        f64(double(v.count())));
    if (!k.plan.spec.center)
      mean64 = f64(0);
    mean = arith::TruncFOp::create(b, loc, b.getF32Type(), mean64);
    var = arith::TruncFOp::create(b, loc, b.getF32Type(), var64);
    k.storeF32(mean, k.buf.meanOut, g);
    k.storeF32(var, k.buf.varOut, g);
    if (k.plan.statsOnly)
      return;
  }
  coefficients(o, m, mean, k.rstdOf(var));
}

void ChannelsLast::forOutputElements(
    function_ref<void(Value at, Value coef, int64_t w)> body) {
  forRowChunks([&](Value o, Value first, Value end) {
    auto rows = loop(first, end, 1);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(rows.getBody());
    Value base = rowBase(o, rows.getInductionVar());
    Value coefBase = k.mul(o, channels);
    auto deltas = k.outputPassPrefetch(base, channels);
    k.forOutputVectors(k.index(0), k.index(channels), base,
                       [&](Value c, int64_t w) {
                         if (w > 1)
                           k.prefetchOutputPass(k.add(base, c), deltas);
                         body(k.add(base, c), k.add(coefBase, c), w);
                       });
  });
}

void ChannelsLast::output() {
  forOutputElements([&](Value at, Value coef, int64_t w) {
    Value x = arith::SubFOp::create(b, loc, k.loadInput(at, w),
                                    loadScratch(coefM, coef, w));
    Value y = math::FmaOp::create(b, loc, x, loadScratch(coefA, coef, w),
                                  loadScratch(coefC, coef, w));
    k.storeOutput(y, at);
  });
}
} // namespace

/// Per-channel copies of the saved statistics (mean, rstd).
void ChannelsLast::spreadStatistics() {
  gradMean = stackBuffer(v.outer * channels, b.getF32Type());
  gradRstd = stackBuffer(v.outer * channels, b.getF32Type());
  auto stats = loop(k.index(0), k.index(v.numStats()), 1);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(stats.getBody());
  Value g = stats.getInductionVar();
  Value mean =
      k.plan.spec.center ? k.loadF32(k.buf.meanIn, g, 1) : k.f32Constant(0, 1);
  Value rstd = k.loadF32(k.buf.rstdIn, g, 1);
  Value first =
      k.add(k.mul(k.div(g, v.mid), channels), k.mul(k.rem(g, v.mid), v.inner));
  Value o = k.div(g, v.mid);
  auto inner = loop(first, k.add(first, k.index(v.inner)), 1);
  b.setInsertionPointToStart(inner.getBody());
  Value c = arith::SubIOp::create(b, loc, inner.getInductionVar(),
                                  k.mul(o, channels));
  Value at = k.add(k.mul(o, channels), slot(c));
  memref::StoreOp::create(b, loc, mean, gradMean, at);
  memref::StoreOp::create(b, loc, rstd, gradRstd, at);
}

/// Per statistic: E[g], E[g * xhat] from the per-channel sums of dy and
/// dy * xhat (g = dy * scale); then per channel dx = a dy + b (x - mean) + c
/// with a = rstd scale, b = -rstd^2 E[g xhat], c = -rstd E[g].
void ChannelsLast::gradientCoefficients() {
  OpBuilder::InsertionGuard guard(b);
  Value g = beginStatistics();
  Value o = k.div(g, v.mid), m = k.rem(g, v.mid);
  auto scaleAt = [&](Value s) {
    return k.plan.hasScale
               ? k.loadScale(k.add(k.mul(m, v.paramMidStride), s), 1)
               : k.f32Constant(1, 1);
  };
  auto sums = loop(k.index(0), k.index(v.inner), 1, ValueRange{f64(0), f64(0)});
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(sums.getBody());
    Value s = sums.getInductionVar();
    Value c = k.add(k.mul(m, v.inner), s);
    auto [g1, g2] = sumParts(k.mul(o, chunks), chunks, c, sum1, sum2);
    Value scale =
        arith::ExtFOp::create(b, loc, b.getF64Type(), scaleAt(s)).getResult();
    scf::YieldOp::create(
        b, loc,
        ValueRange{
            math::FmaOp::create(b, loc, scale, g1, sums.getRegionIterArgs()[0]),
            math::FmaOp::create(b, loc, scale, g2,
                                sums.getRegionIterArgs()[1])});
  }
  auto expectation = [&](Value sum) -> Value {
    if (!k.plan.batchStats)
      return k.f32Constant(0, 1);
    Value mean64 = arith::DivFOp::create(b, loc, sum, f64(double(v.count())));
    return arith::TruncFOp::create(b, loc, b.getF32Type(), mean64);
  };
  Value meanG =
      k.plan.spec.center ? expectation(sums.getResult(0)) : k.f32Constant(0, 1);
  Value meanGX = expectation(sums.getResult(1));
  Value rstd = k.loadF32(k.buf.rstdIn, g, 1);
  Value negRstd = arith::NegFOp::create(b, loc, rstd);
  Value bCoef = arith::MulFOp::create(
      b, loc, arith::MulFOp::create(b, loc, negRstd, rstd), meanGX);
  Value cCoef = arith::MulFOp::create(b, loc, negRstd, meanG);
  auto inner = loop(k.index(0), k.index(v.inner), 1);
  b.setInsertionPointToStart(inner.getBody());
  Value s = inner.getInductionVar();
  Value at = k.add(k.mul(o, channels), slot(k.add(k.mul(m, v.inner), s)));
  memref::StoreOp::create(
      b, loc, arith::MulFOp::create(b, loc, rstd, scaleAt(s)), coefA, at);
  memref::StoreOp::create(b, loc, bCoef, coefM, at);
  memref::StoreOp::create(b, loc, cCoef, coefC, at);
}

void ChannelsLast::gradientOutput() {
  forOutputElements([&](Value at, Value coef, int64_t w) {
    Value centered = arith::SubFOp::create(b, loc, k.loadF32(k.buf.x, at, w),
                                           loadScratch(gradMean, coef, w));
    Value dx = math::FmaOp::create(
        b, loc, k.loadF32(k.buf.dy, at, w), loadScratch(coefA, coef, w),
        math::FmaOp::create(b, loc, centered, loadScratch(coefM, coef, w),
                            loadScratch(coefC, coef, w)));
    k.storeF32(dx, k.buf.dx, at);
  });
}

/// dscale[p] = sum of dy * xhat, dbias[p] = sum of dy over every o, row
/// chunk and channel whose parameter is p. Channel c = m * inner + s takes
/// parameter m * paramMidStride + s / paramInnerDiv: p = c for per-channel
/// parameters (NHWC BatchNorm), but without affine parameters a span of
/// channels may share one (InstanceNorm [N, C, L] with short L: L channels
/// per parameter), and so may every m (no parameter along mid).
void ChannelsLast::parameterGradients() {
  OpBuilder::InsertionGuard guard(b);
  Value p = k.beginParallel(k.plan.paramCount);
  int64_t stride = v.paramMidStride, div = v.paramInnerDiv;
  Value midBegin = stride ? k.div(p, stride) : k.index(0);
  Value midEnd = stride ? k.add(midBegin, k.index(1)) : k.index(v.mid);
  Value spanBegin = k.mul(stride ? k.rem(p, stride) : p, div);
  auto mids = loop(midBegin, midEnd, 1, ValueRange{f64(0), f64(0)});
  b.setInsertionPointToStart(mids.getBody());
  auto spans = loop(spanBegin, k.add(spanBegin, k.index(div)), 1,
                    mids.getRegionIterArgs());
  b.setInsertionPointToStart(spans.getBody());
  Value c =
      k.add(k.mul(mids.getInductionVar(), v.inner), spans.getInductionVar());
  auto [dscale, dbias] = sumParts(k.index(0), v.outer * chunks, c, sum2, sum1);
  scf::YieldOp::create(
      b, loc,
      ValueRange{
          arith::AddFOp::create(b, loc, spans.getRegionIterArgs()[0], dscale),
          arith::AddFOp::create(b, loc, spans.getRegionIterArgs()[1], dbias)});
  b.setInsertionPointAfter(spans);
  scf::YieldOp::create(b, loc, spans.getResults());
  b.setInsertionPointAfter(mids);
  k.storeF32(mids.getResult(0), k.buf.dscale, p);
  k.storeF32(mids.getResult(1), k.buf.dbias, p);
}

void mlir::norm::emitChannelsLastGradKernel(KernelEmitter &k) {
  ChannelsLast kernel(k);
  kernel.allocate();
  kernel.spreadStatistics();
  kernel.perOuter([&] {
    kernel.partialSums([&](Value o, Value at, Value c, int64_t w) {
      Value coef = k.add(k.mul(o, kernel.channels), c);
      Value xhat = arith::MulFOp::create(
          k.b, k.loc,
          arith::SubFOp::create(k.b, k.loc, k.loadF32(k.buf.x, at, w),
                                kernel.loadScratch(kernel.gradMean, coef, w)),
          kernel.loadScratch(kernel.gradRstd, coef, w));
      Value dy = k.loadF32(k.buf.dy, at, w);
      return std::pair<Value, Value>(
          dy, arith::MulFOp::create(k.b, k.loc, dy, xhat));
    });
    kernel.gradientCoefficients();
    kernel.gradientOutput();
  });
  if (k.plan.paramGrads)
    kernel.parameterGradients();
}

void mlir::norm::emitChannelsLastKernel(KernelEmitter &k) {
  ChannelsLast kernel(k);
  kernel.allocate();
  kernel.perOuter([&] {
    if (k.plan.computeStats)
      kernel.partialSums([&](Value o, Value at, Value c, int64_t w) {
        Value d = arith::SubFOp::create(k.b, k.loc, k.loadInput(at, w),
                                        kernel.shift(o, c, w));
        return std::pair<Value, Value>(d,
                                       arith::MulFOp::create(k.b, k.loc, d, d));
      });
    kernel.statistics();
    if (!k.plan.statsOnly)
      kernel.output();
  });
}
