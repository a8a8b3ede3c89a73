//===- RowsGradKernel.cpp - Backward CPU kernel, vectors along rows -------===//
//
// norm.normalize_grad in the `rows` loop structure. Parallel over runs of
// statistics; for each statistic (o, m) and its slab:
//  1. (batch statistics, or chunk-wise parameters) sums of h and h * xhat
//     with h = dy * scale (per element) or h = dy (scale constant over the
//     chunk), f32 vectors per chunk, f64 across chunks;
//  2. dx = rstd * (g - E[g] - xhat * E[g * xhat]) (RMS: no E[g]; fixed
//     statistics: rstd * g), two FMAs per vector, and, for parameters along the
//     slab, the per-run partial dscale += dy * xhat and dbias += dy.
// The slab stays in cache between the passes. A final parallel loop adds
// the per-run partial parameter gradients in f64. With bf16 vectors in
// even/odd lanes the partials stay in that lane order (no shuffle per
// update) when every span splits into the same vectors; the final loop
// then puts them back in memory order.
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
struct RowsGrad {
  KernelEmitter &k;
  OpBuilder &b;
  Location loc;
  const KernelView &v;
  const KernelPlan &plan;
  int64_t chunks, perChunk;
  bool perElement; // parameters vary along the span
  int64_t chunkLen;
  Value partScale, partBias; // f32 [chunks * paramCount]
  /// The partial parameter gradients keep each vector's lanes in the order
  /// the gradient pass computes them (even/odd for bf16 vectors) instead
  /// of being shuffled back to memory order on every update; the final
  /// reduction restores the order. Every span must then split into the
  /// same vectors: one span of all parameters, whose vector loop starts at
  /// the same offset in every span.
  bool lanePartials = false;
  Value totals; // f64 [chunks * 2]: the current slab's sums

  explicit RowsGrad(KernelEmitter &k)
      : k(k), b(k.b), loc(k.loc), v(k.plan.view), plan(k.plan) {
    int64_t count = v.numStats();
    chunks = std::min(k.schedule.getRowChunks(), count);
    perChunk = (count + chunks - 1) / chunks;
    perElement = v.paramInnerDiv == 1 && v.inner > 1 && plan.hasScale;
    // Chunks share a scale or parameter-gradient slot; without either the
    // whole span is one chunk.
    bool chunked = !perElement && (plan.hasScale || plan.paramGrads);
    chunkLen = chunked ? std::min(v.paramInnerDiv, v.inner) : v.inner;
    bool sameSplit = k.spansSplitAlike(/*streamedSplit=*/true);
    lanePartials = k.schedule.getEvenOdd() && plan.paramGrads && perElement &&
                   v.mid == 1 && plan.paramCount == v.inner && sameSplit;
  }

  Value f64(double x) { return floatConstant(b, loc, b.getF64Type(), x); }
  Value add(Value a, Value c) { return arith::AddFOp::create(b, loc, a, c); }
  Value sub(Value a, Value c) { return arith::SubFOp::create(b, loc, a, c); }
  Value mul(Value a, Value c) { return arith::MulFOp::create(b, loc, a, c); }
  Value fma(Value a, Value c, Value d) {
    return math::FmaOp::create(b, loc, a, c, d);
  }

  /// Per-statistic values shared by the passes.
  struct Stat {
    Value mean, rstd; // f32 scalars
    // With batch statistics dx = xhat coefXhat + g rstd + coefOne, where
    // coefXhat = -rstd E[g xhat] and coefOne = -rstd E[g].
    Value coefXhat, coefOne;
  };

  /// xhat and h at element `at` (param index `p` when per element; `scale`
  /// is the chunk's scalar otherwise); `dy` receives dy itself.
  std::pair<Value, Value> xhatAndH(const Stat &st, Value at, Value p, int64_t w,
                                   Value *dy = nullptr) {
    Value x = k.loadF32(k.buf.x, at, w);
    Value xhat = x;
    if (plan.spec.center)
      xhat = sub(xhat, k.splat(st.mean, w));
    xhat = mul(xhat, k.splat(st.rstd, w));
    Value h = k.loadF32(k.buf.dy, at, w);
    if (dy)
      *dy = h;
    if (perElement)
      h = mul(h, k.loadScale(p, w));
    return {xhat, h};
  }

  /// For every chunk of the slab: body(elementBase, paramIndex); the spans
  /// last to first with `reverse`.
  void forChunks(Value slabBase, Value m, bool reverse,
                 function_ref<void(Value, Value)> body) {
    auto spans =
        scf::ForOp::create(b, loc, k.index(0), k.index(v.rows), k.index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(spans.getBody());
    Value r = spans.getInductionVar();
    if (reverse)
      r = arith::SubIOp::create(b, loc, k.index(v.rows - 1), r);
    Value spanBase = k.add(slabBase, k.mul(r, v.mid * v.inner));
    auto parts = scf::ForOp::create(b, loc, k.index(0),
                                    k.index(v.inner / chunkLen), k.index(1));
    b.setInsertionPointToStart(parts.getBody());
    Value j = parts.getInductionVar();
    Value p = k.add(k.mul(m, v.paramMidStride), perElement ? k.index(0) : j);
    body(k.add(spanBase, k.mul(j, chunkLen)), p);
  }

  /// Sums of h and h * xhat over one chunk (f32 scalars): `unroll` pairs
  /// of vector accumulators (independent dependency chains), then single
  /// vectors, then the tail (narrower vectors and scalars).
  std::pair<Value, Value> chunkSums(const Stat &st, Value base, Value p) {
    int64_t w = k.schedule.getVectorWidth();
    int64_t unroll = k.schedule.getUnroll();
    Value len = k.index(chunkLen);
    int64_t unrolledEnd = chunkLen - chunkLen % (w * unroll);
    Value mainEnd = k.index(chunkLen - chunkLen % w);
    // body(i, accumulators) -> the next (sum h, sum h * xhat) pair.
    auto step = [&](Value i, Value sumH, Value sumHX) {
      auto [xhat, h] = xhatAndH(st, k.add(base, i), k.add(p, i), w);
      return std::pair<Value, Value>(
          add(sumH, h), math::FmaOp::create(b, loc, h, xhat, sumHX));
    };
    SmallVector<Value> zeros(2 * unroll, k.f32Constant(0, w));
    auto unrolled = scf::ForOp::create(b, loc, k.index(0), k.index(unrolledEnd),
                                       k.index(w * unroll), zeros);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(unrolled.getBody());
      SmallVector<Value> next;
      for (int64_t u = 0; u < unroll; ++u) {
        auto [h, hx] = step(k.add(unrolled.getInductionVar(), k.index(u * w)),
                            unrolled.getRegionIterArgs()[2 * u],
                            unrolled.getRegionIterArgs()[2 * u + 1]);
        next.append({h, hx});
      }
      scf::YieldOp::create(b, loc, next);
    }
    Value sums[2] = {unrolled.getResult(0), unrolled.getResult(1)};
    for (int64_t u = 1; u < unroll; ++u)
      for (int i = 0; i < 2; ++i)
        sums[i] = add(sums[i], unrolled.getResult(2 * u + i));
    auto loop = scf::ForOp::create(b, loc, k.index(unrolledEnd), mainEnd,
                                   k.index(w), ValueRange{sums[0], sums[1]});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      auto [h, hx] = step(loop.getInductionVar(), loop.getRegionIterArgs()[0],
                          loop.getRegionIterArgs()[1]);
      scf::YieldOp::create(b, loc, ValueRange{h, hx});
    }
    auto reduce = [&](Value vec) { return k.horizontalSum(vec); };
    SmallVector<Value> tail = k.foldTail(
        mainEnd, len,
        ValueRange{reduce(loop.getResult(0)), reduce(loop.getResult(1))},
        [&](Value i, int64_t w, ValueRange acc) {
          auto [xhat, h] = xhatAndH(st, k.add(base, i), k.add(p, i), w);
          if (w == 1)
            return SmallVector<Value>{
                add(acc[0], h), math::FmaOp::create(b, loc, h, xhat, acc[1])};
          return SmallVector<Value>{add(acc[0], reduce(h)),
                                    add(acc[1], reduce(mul(h, xhat)))};
        });
    return {tail[0], tail[1]};
  }

  /// `width` lanes of a partial parameter-gradient row at `at`.
  Value loadPartial(Value part, Value at, int64_t width) {
    return k.loadScratch(part, at, width, lanePartials);
  }
  void storePartial(Value value, Value part, Value at) {
    k.storeScratch(value, part, at, lanePartials);
  }

  /// part[run * P + p] += value (scalar f32).
  void accumulate(Value part, Value run, Value p, Value value) {
    Value at = k.add(k.mul(run, plan.paramCount), p);
    Value old = memref::LoadOp::create(b, loc, part, at);
    memref::StoreOp::create(b, loc, add(old, value), part, at);
  }

  /// Pass 1: E[g] and E[g * xhat] into the dx coefficients of `st` (and
  /// chunk-wise parameter gradients).
  void sums(Stat &st, Value run, Value slabBase, Value m) {
    bool needSums = plan.batchStats || (plan.paramGrads && !perElement);
    if (!needSums)
      return;
    // f64 totals of g and g * xhat over the slab, in this run's two slots
    // of `totals` (an alloca here would need a scope per iteration).
    Value sumsOut[2];
    Value slot[2] = {k.mul(run, 2), k.add(k.mul(run, 2), k.index(1))};
    {
      for (int i = 0; i < 2; ++i)
        memref::StoreOp::create(b, loc, f64(0), totals, slot[i]);
      forChunks(slabBase, m, /*reverse=*/false, [&](Value base, Value p) {
        auto [sumH, sumHX] = chunkSums(st, base, p);
        Value g = sumH, gx = sumHX;
        if (!perElement) {
          Value scale = plan.hasScale ? k.loadScale(p, 1) : Value();
          if (plan.paramGrads) {
            accumulate(partScale, run, p, sumHX);
            accumulate(partBias, run, p, sumH);
          }
          if (scale) {
            g = mul(g, scale);
            gx = mul(gx, scale);
          }
        }
        Value parts[2] = {g, gx};
        for (int i = 0; i < 2; ++i) {
          Value old = memref::LoadOp::create(b, loc, totals, slot[i]);
          Value wide = arith::ExtFOp::create(b, loc, b.getF64Type(), parts[i]);
          memref::StoreOp::create(b, loc, add(old, wide), totals, slot[i]);
        }
      });
      for (int i = 0; i < 2; ++i)
        sumsOut[i] = memref::LoadOp::create(b, loc, totals, slot[i]);
    }
    Value inverse = f64(1.0 / double(v.count()));
    auto toF32 = [&](Value x) {
      return arith::TruncFOp::create(b, loc, b.getF32Type(),
                                     arith::MulFOp::create(b, loc, x, inverse))
          .getResult();
    };
    if (plan.batchStats) {
      Value negRstd = arith::NegFOp::create(b, loc, st.rstd);
      st.coefXhat = mul(negRstd, toF32(sumsOut[1]));
      st.coefOne = plan.spec.center ? mul(negRstd, toF32(sumsOut[0]))
                                    : k.f32Constant(0, 1);
    }
  }

  /// Pass 2: dx (and per-element parameter gradients).
  void gradients(const Stat &st, Value run, Value slabBase, Value m) {
    bool reverse = k.schedule.getReverseSpans();
    forChunks(slabBase, m, reverse, [&](Value base, Value p) {
      Value chunkScale =
          (!perElement && plan.hasScale) ? k.loadScale(p, 1) : Value();
      auto deltas = k.outputPassPrefetch(base, chunkLen);
      k.forOutputVectors(
          k.index(0), k.index(chunkLen), base, [&](Value i, int64_t w) {
            Value at = k.add(base, i);
            if (w > 1)
              k.prefetchOutputPass(at, deltas);
            Value pi = k.add(p, i);
            Value dy;
            auto [xhat, h] = xhatAndH(st, at, pi, w, &dy);
            Value g = chunkScale ? mul(h, k.splat(chunkScale, w)) : h;
            // rstd (g - E[g] - xhat E[g xhat]) as two FMAs.
            Value dx =
                plan.batchStats
                    ? fma(xhat, k.splat(st.coefXhat, w),
                          fma(g, k.splat(st.rstd, w), k.splat(st.coefOne, w)))
                    : mul(g, k.splat(st.rstd, w));
            k.storeF32(dx, k.buf.dx, at);
            if (plan.paramGrads && perElement) {
              Value row = k.add(k.mul(run, plan.paramCount), pi);
              storePartial(math::FmaOp::create(b, loc, dy, xhat,
                                               loadPartial(partScale, row, w)),
                           partScale, row);
              storePartial(add(loadPartial(partBias, row, w), dy), partBias,
                           row);
            }
          });
    });
  }

  void statistic(Value run, Value g) {
    Value o = k.div(g, v.mid), m = k.rem(g, v.mid);
    Value slabBase = k.mul(k.add(k.mul(o, v.rows * v.mid), m), v.inner);
    Stat st;
    st.mean =
        plan.spec.center ? k.loadF32(k.buf.meanIn, g, 1) : k.f32Constant(0, 1);
    st.rstd = k.loadF32(k.buf.rstdIn, g, 1);
    sums(st, run, slabBase, m);
    gradients(st, run, slabBase, m);
  }

  /// dscale[p], dbias[p] = sums over the runs' partials.
  void reduceParamGrads() {
    OpBuilder::InsertionGuard guard(b);
    Value p = k.beginParallel(plan.paramCount);
    auto loop = scf::ForOp::create(b, loc, k.index(0), k.index(chunks),
                                   k.index(1), ValueRange{f64(0), f64(0)});
    {
      OpBuilder::InsertionGuard loopGuard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value at = k.add(k.mul(loop.getInductionVar(), plan.paramCount), p);
      SmallVector<Value> next, parts{partScale, partBias};
      for (auto [i, part] : llvm::enumerate(parts)) {
        Value value = arith::ExtFOp::create(
            b, loc, b.getF64Type(),
            memref::LoadOp::create(b, loc, part, at).getResult());
        next.push_back(add(loop.getRegionIterArgs()[i], value));
      }
      scf::YieldOp::create(b, loc, next);
    }
    k.storeF32(loop.getResult(0), k.buf.dscale, p);
    k.storeF32(loop.getResult(1), k.buf.dbias, p);
  }

  /// dscale and dbias over [i, i + w) from lane-ordered partials: summed
  /// over the runs in f64, then stored through storeF32, which puts the
  /// lanes back in memory order.
  void reduceLaneOrderedAt(Value i, int64_t w) {
    Type wide = w == 1 ? Type(b.getF64Type())
                       : Type(VectorType::get({w}, b.getF64Type()));
    Value zero =
        w == 1 ? f64(0)
               : vector::BroadcastOp::create(b, loc, wide, f64(0)).getResult();
    auto loop = scf::ForOp::create(b, loc, k.index(0), k.index(chunks),
                                   k.index(1), ValueRange{zero, zero});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value at = k.add(k.mul(loop.getInductionVar(), plan.paramCount), i);
      SmallVector<Value> next, parts{partScale, partBias};
      for (auto [n, part] : llvm::enumerate(parts)) {
        Value value =
            arith::ExtFOp::create(b, loc, wide, loadPartial(part, at, w));
        next.push_back(add(loop.getRegionIterArgs()[n], value));
      }
      scf::YieldOp::create(b, loc, next);
    }
    for (auto [n, out] : llvm::enumerate(ValueRange{k.buf.dscale, k.buf.dbias}))
      k.storeF32(arith::TruncFOp::create(b, loc, k.f32(w), loop.getResult(n)),
                 out, i);
  }

  /// The lane-ordered reduction, split into vectors exactly as every span
  /// of the gradient pass: scalars up to the vector start, whole vectors
  /// (in parallel), then the tail.
  void reduceLaneOrderedParamGrads() {
    OpBuilder::InsertionGuard guard(b);
    int64_t width = k.schedule.getVectorWidth();
    Value zero = k.index(0), count = k.index(plan.paramCount);
    Value start = k.outputVectorStart(zero, count, zero);
    {
      OpBuilder::InsertionGuard loopGuard(b);
      auto peel = scf::ForOp::create(b, loc, zero, start, k.index(1));
      b.setInsertionPointToStart(peel.getBody());
      reduceLaneOrderedAt(peel.getInductionVar(), 1);
    }
    Value vectors = k.div(arith::SubIOp::create(b, loc, count, start), width);
    Value mainEnd = k.add(start, k.mul(vectors, width));
    {
      OpBuilder::InsertionGuard loopGuard(b);
      auto parallel =
          scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{vectors},
                                  ValueRange{k.index(1)});
      b.setInsertionPointToStart(parallel.getBody());
      reduceLaneOrderedAt(
          k.add(start, k.mul(parallel.getInductionVars()[0], width)), width);
    }
    k.forTail(mainEnd, count,
              [&](Value i, int64_t w) { reduceLaneOrderedAt(i, w); });
  }

  void emit() {
    // The sums pass reads the scale too, split from each row's start.
    k.copyParamsInLaneOrder(/*streamedSplit=*/false);
    totals = k.scratchBuffer(MemRefType::get({chunks * 2}, b.getF64Type()),
                             /*onStack=*/true);
    if (plan.paramGrads) {
      // The partial rows' vectors start where dx's do (whole cache lines
      // even when dx is not aligned: a row split from dx's alignment would
      // otherwise load and store every other vector across two lines).
      partScale = k.scratchAlignedLikeOutput(chunks * plan.paramCount);
      partBias = k.scratchAlignedLikeOutput(chunks * plan.paramCount);
    }
    {
      OpBuilder::InsertionGuard guard(b);
      Value run = k.beginParallel(chunks);
      if (plan.paramGrads) {
        Value base = k.mul(run, plan.paramCount);
        k.forVectors(base, k.add(base, k.index(plan.paramCount)),
                     [&](Value i, int64_t w) {
                       storePartial(k.f32Constant(0, w), partScale, i);
                       storePartial(k.f32Constant(0, w), partBias, i);
                     });
      }
      Value first = k.mul(run, perChunk);
      Value end = k.min(k.add(first, k.index(perChunk)), k.index(v.numStats()));
      auto loop = scf::ForOp::create(b, loc, first, end, k.index(1));
      b.setInsertionPointToStart(loop.getBody());
      statistic(run, loop.getInductionVar());
    }
    if (lanePartials)
      reduceLaneOrderedParamGrads();
    else if (plan.paramGrads)
      reduceParamGrads();
  }
};
} // namespace

void mlir::norm::emitRowsGradKernel(KernelEmitter &k) { RowsGrad(k).emit(); }
