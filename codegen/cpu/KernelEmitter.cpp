//===- KernelEmitter.cpp - Loop and vector helpers of CPU kernels ---------===//
//
// Implements KernelEmitter: typed loads and stores on flat memrefs, vector
// loops with scalar tails, and blocked f32/f64 sums.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/KernelEmitter.h"
#include "codegen/cpu/Bf16Bits.h"

#include "codegen/linalg/LinalgBuilders.h"
#include "codegen/linalg/LinalgUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::norm;

void KernelEmitter::emit() {
  if (plan.backward && schedule.getKernel() == CpuKernel::rows)
    emitRowsGradKernel(*this);
  else if (plan.backward)
    emitChannelsLastGradKernel(*this);
  else if (schedule.getKernel() == CpuKernel::rows)
    emitRowsKernel(*this);
  else
    emitChannelsLastKernel(*this);
}

Value KernelEmitter::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value KernelEmitter::add(Value a, Value c) {
  return arith::AddIOp::create(b, loc, a, c);
}
Value KernelEmitter::mul(Value a, Value c) {
  return arith::MulIOp::create(b, loc, a, c);
}
Value KernelEmitter::div(Value a, int64_t c) {
  return c == 1 ? a : arith::DivUIOp::create(b, loc, a, index(c)).getResult();
}
Value KernelEmitter::rem(Value a, int64_t c) {
  return arith::RemUIOp::create(b, loc, a, index(c));
}
Value KernelEmitter::min(Value a, Value c) {
  return arith::MinUIOp::create(b, loc, a, c);
}

Type KernelEmitter::f32(int64_t width) {
  Type t = b.getF32Type();
  return width == 1 ? t : VectorType::get({width}, t);
}

Value KernelEmitter::f32Constant(double v, int64_t width) {
  return floatConstant(b, loc, f32(width), v);
}

Value KernelEmitter::splat(Value scalar, int64_t width) {
  if (width == 1)
    return scalar;
  return vector::BroadcastOp::create(b, loc, f32(width), scalar);
}

Value KernelEmitter::splatLike(Value scalar, Value like) {
  auto vector = dyn_cast<VectorType>(like.getType());
  return splat(scalar, vector ? vector.getNumElements() : 1);
}

Value KernelEmitter::loadF32(Value buffer, Value at, int64_t width) {
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  if (width == 1)
    return convertFloat(b, loc, memref::LoadOp::create(b, loc, buffer, at),
                        f32(1));
  Value v = vector::LoadOp::create(b, loc, VectorType::get({width}, element),
                                   buffer, at);
  bool evenOdd = schedule.getEvenOdd();
  if (evenOdd && element.isBF16())
    return widenBf16EvenOdd(b, loc, v);
  v = convertFloat(b, loc, v, f32(width));
  return evenOdd ? deinterleaveEvenOdd(b, loc, v) : v;
}

Value KernelEmitter::loadScratch(Value buffer, Value at, int64_t width,
                                 bool laneOrdered) {
  if (!laneOrdered || width == 1)
    return loadF32(buffer, at, width);
  return vector::LoadOp::create(b, loc, f32(width), buffer, at);
}

void KernelEmitter::storeScratch(Value value, Value buffer, Value at,
                                 bool laneOrdered) {
  if (!laneOrdered || !isa<VectorType>(value.getType()))
    return storeF32(value, buffer, at);
  vector::StoreOp::create(b, loc, value, buffer, at);
}

Value KernelEmitter::loadInput(Value at, int64_t width) {
  Value x = loadF32(buf.x, at, width);
  if (buf.residual)
    x = arith::AddFOp::create(b, loc, x, loadF32(buf.residual, at, width));
  return x;
}

Value KernelEmitter::loadInputForSum(Value at, int64_t width) {
  auto isBf16 = [](Value buffer) {
    return !buffer ||
           cast<MemRefType>(buffer.getType()).getElementType().isBF16();
  };
  if (width == 1 || schedule.getEvenOdd() || !isBf16(buf.x) ||
      !isBf16(buf.residual))
    return loadInput(at, width);
  auto load = [&](Value buffer) {
    auto type = VectorType::get({width}, b.getBF16Type());
    return widenBf16EvenOdd(b, loc,
                            vector::LoadOp::create(b, loc, type, buffer, at));
  };
  Value x = load(buf.x);
  if (buf.residual)
    x = arith::AddFOp::create(b, loc, x, load(buf.residual));
  return x;
}

Value KernelEmitter::prefetchDelta(Value base, int64_t len) {
  return prefetchDelta(base, len, schedule.getPrefetch());
}

KernelEmitter::OutputPrefetch KernelEmitter::outputPassPrefetch(Value base,
                                                                int64_t len) {
  return {prefetchDelta(base, len),
          prefetchDelta(base, len, schedule.getPrefetchOutput())};
}

Value KernelEmitter::prefetchDelta(Value base, int64_t len, int64_t distance) {
  if (distance == 0)
    return {};
  Value last = index(std::max<int64_t>(0, plan.view.numElements() - len));
  Value origin = min(add(base, index(distance)), last);
  return arith::SubIOp::create(b, loc, origin, base);
}

void KernelEmitter::prefetchInputs(Value at, Value delta) {
  if (!delta)
    return;
  Value ahead = add(at, delta);
  for (Value buffer : {buf.x, buf.residual, buf.dy})
    if (buffer)
      memref::PrefetchOp::create(b, loc, buffer, ValueRange{ahead},
                                 /*isWrite=*/false, /*localityHint=*/3,
                                 /*isDataCache=*/true);
}

void KernelEmitter::prefetchOutputPass(Value at, OutputPrefetch deltas) {
  prefetchInputs(at, deltas.inputs);
  if (deltas.output)
    memref::PrefetchOp::create(b, loc, streamedOutput(),
                               ValueRange{add(at, deltas.output)},
                               /*isWrite=*/true, /*localityHint=*/3,
                               /*isDataCache=*/true);
}

Value KernelEmitter::loadScale(Value at, int64_t width) {
  if (laneScale)
    return loadScratch(laneScale, at, width, /*laneOrdered=*/true);
  Value s = loadF32(buf.scale, at, width);
  if (plan.spec.zeroCenteredScale)
    s = arith::AddFOp::create(b, loc, s, f32Constant(1.0, width));
  return s;
}

Value KernelEmitter::loadBias(Value at, int64_t width) {
  if (laneBias)
    return loadScratch(laneBias, at, width, /*laneOrdered=*/true);
  return loadF32(buf.bias, at, width);
}

bool KernelEmitter::spansSplitAlike(bool streamedSplit) const {
  return !schedule.getNontemporal() ||
         (streamedSplit && plan.view.inner % schedule.getVectorWidth() == 0);
}

void KernelEmitter::copyParamsInLaneOrder(bool streamedSplit) {
  const KernelView &v = plan.view;
  bool perElement =
      v.paramInnerDiv == 1 && v.inner > 1 && (plan.hasScale || plan.hasBias);
  auto isF32 = [](Value buffer) {
    return !buffer ||
           cast<MemRefType>(buffer.getType()).getElementType().isF32();
  };
  if (!perElement || v.mid != 1)
    return;
  // In memory order any split reads the copy alike; it pays when the
  // parameters are 16-bit (a widening per vector of every row otherwise).
  bool laneOrder = schedule.getEvenOdd();
  if (laneOrder ? !spansSplitAlike(streamedSplit) || !isF32(buf.scale) ||
                      !isF32(buf.bias)
                : isF32(buf.scale) && isF32(buf.bias))
    return;
  Value scaleCopy = buf.scale ? scratchAlignedLikeOutput(v.inner) : Value();
  Value biasCopy = buf.bias ? scratchAlignedLikeOutput(v.inner) : Value();
  forOutputVectors(index(0), index(v.inner), index(0), [&](Value i, int64_t w) {
    if (scaleCopy)
      storeScratch(loadScale(i, w), scaleCopy, i, /*laneOrdered=*/true);
    if (biasCopy)
      storeScratch(loadBias(i, w), biasCopy, i, /*laneOrdered=*/true);
  });
  laneScale = scaleCopy;
  laneBias = biasCopy;
}

Value KernelEmitter::scratchBuffer(MemRefType type, bool onStack) {
  IntegerAttr line = b.getI64IntegerAttr(64);
  if (onStack)
    return memref::AllocaOp::create(b, loc, type, line);
  return memref::AllocOp::create(b, loc, type, line);
}

Value KernelEmitter::scratchAlignedLikeOutput(int64_t n) {
  if (!schedule.getNontemporal())
    return scratchBuffer(MemRefType::get({n}, b.getF32Type()));
  int64_t width = schedule.getVectorWidth();
  Value full = scratchBuffer(MemRefType::get({n + width}, b.getF32Type()));
  // y's element `peel` starts a vector; index `peel + shift` of the
  // scratch is a multiple of the width, so it starts one there too.
  Value peel = outputVectorStart(index(0), index(width), index(0));
  Value shift = rem(arith::SubIOp::create(b, loc, index(width), peel), width);
  OpFoldResult offset = shift, size = b.getIndexAttr(n),
               stride = b.getIndexAttr(1);
  return memref::SubViewOp::create(b, loc, full, ArrayRef{offset},
                                   ArrayRef{size}, ArrayRef{stride});
}

void KernelEmitter::storeF32(Value value, Value buffer, Value at) {
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  bool isVector = isa<VectorType>(value.getType());
  bool evenOdd = isVector && schedule.getEvenOdd();
  if (evenOdd && element.isBF16())
    value = narrowEvenOddToBf16(b, loc, value);
  else if (evenOdd)
    value = convertFloat(b, loc, interleaveEvenOdd(b, loc, value), element);
  else
    value = convertFloat(b, loc, value, element);
  if (!isVector) {
    memref::StoreOp::create(b, loc, value, buffer, at);
    return;
  }
  auto store = vector::StoreOp::create(b, loc, value, buffer, at);
  if (streaming && buffer == streamedOutput()) {
    int64_t bytes = cast<VectorType>(value.getType()).getNumElements() *
                    element.getIntOrFloatBitWidth() / 8;
    store.setNontemporal(true);
    store.setAlignmentAttr(b.getI64IntegerAttr(bytes));
  }
}

void KernelEmitter::storeOutput(Value y, Value at) {
  if (plan.activation)
    y = activate(b, loc, *plan.activation, plan.activationAlpha, y);
  storeF32(y, buf.y, at);
}

Value KernelEmitter::beginParallel(int64_t count) {
  auto parallel =
      scf::ParallelOp::create(b, loc, ValueRange{index(0)},
                              ValueRange{index(count)}, ValueRange{index(1)});
  b.setInsertionPointToStart(parallel.getBody());
  return parallel.getInductionVars()[0];
}

Value KernelEmitter::beginRuns(int64_t count) {
  int64_t runs = std::min(schedule.getRowChunks(), count);
  int64_t perRun = (count + runs - 1) / runs;
  Value first = mul(beginParallel(runs), perRun);
  Value end = min(add(first, index(perRun)), index(count));
  auto loop = scf::ForOp::create(b, loc, first, end, index(1));
  b.setInsertionPointToStart(loop.getBody());
  return loop.getInductionVar();
}

void KernelEmitter::forVectors(Value lb, Value ub,
                               function_ref<void(Value, int64_t)> body) {
  int64_t width = schedule.getVectorWidth();
  Value len = arith::SubIOp::create(b, loc, ub, lb);
  Value mainEnd =
      arith::SubIOp::create(b, loc, ub, rem(len, width)).getResult();
  OpBuilder::InsertionGuard guard(b);
  auto vectorLoop = scf::ForOp::create(b, loc, lb, mainEnd, index(width));
  b.setInsertionPointToStart(vectorLoop.getBody());
  body(vectorLoop.getInductionVar(), width);
  b.setInsertionPointAfter(vectorLoop);
  forTail(mainEnd, ub, body);
}

SmallVector<Value> KernelEmitter::foldTail(
    Value lb, Value ub, ValueRange inits,
    function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> body) {
  // Fewer than `width` elements: one half-width vector, one quarter-width
  // vector (down to 4 lanes) when that many remain, then scalars. With
  // AVX-512 a channel count such as 40 or 24 would otherwise leave a third
  // of every row to scalar code.
  int64_t width = schedule.getVectorWidth();
  Value at = lb;
  SmallVector<Value> accs(inits.begin(), inits.end());
  for (int64_t w = width / 2; w >= 4; w /= 2) {
    Value fits = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                       add(at, index(w)), ub);
    SmallVector<Type> types{b.getIndexType()};
    for (Value acc : accs)
      types.push_back(acc.getType());
    auto step = scf::IfOp::create(b, loc, types, fits,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&step.getThenRegion().front());
      SmallVector<Value> next{add(at, index(w))};
      llvm::append_range(next, body(at, w, accs));
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointToStart(&step.getElseRegion().front());
      SmallVector<Value> same{at};
      llvm::append_range(same, accs);
      scf::YieldOp::create(b, loc, same);
    }
    at = step.getResult(0);
    accs.assign(step.getResults().begin() + 1, step.getResults().end());
  }
  auto tail = scf::ForOp::create(
      b, loc, at, ub, index(1), accs,
      [&](OpBuilder &nb, Location, Value i, ValueRange iterAccs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        scf::YieldOp::create(b, loc, body(i, 1, iterAccs));
      });
  return tail.getResults();
}

void KernelEmitter::forTail(Value lb, Value ub,
                            function_ref<void(Value, int64_t)> body) {
  foldTail(lb, ub, {}, [&](Value i, int64_t w, ValueRange) {
    body(i, w);
    return SmallVector<Value>{};
  });
}

Value KernelEmitter::outputVectorStart(Value lb, Value ub, Value yOffset) {
  if (!schedule.getNontemporal())
    return lb;
  int64_t elementBytes = plan.dataType.getIntOrFloatBitWidth() / 8;
  int64_t vectorBytes = schedule.getVectorWidth() * elementBytes;
  Value base =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, streamedOutput());
  Value start = add(base, mul(add(yOffset, lb), elementBytes));
  Value misaligned = rem(start, vectorBytes);
  Value peel =
      div(rem(arith::SubIOp::create(b, loc, index(vectorBytes), misaligned),
              vectorBytes),
          elementBytes);
  return min(add(lb, peel), ub);
}

void KernelEmitter::forOutputVectors(Value lb, Value ub, Value yOffset,
                                     function_ref<void(Value, int64_t)> body) {
  if (!schedule.getNontemporal())
    return forVectors(lb, ub, body);
  int64_t width = schedule.getVectorWidth();
  Value alignedStart = outputVectorStart(lb, ub, yOffset);
  Value len = arith::SubIOp::create(b, loc, ub, alignedStart);
  Value mainEnd = arith::SubIOp::create(b, loc, ub, rem(len, width));
  OpBuilder::InsertionGuard guard(b);
  auto emitLoop = [&](Value from, Value to, int64_t w) {
    auto loop = scf::ForOp::create(b, loc, from, to, index(w));
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar(), w);
  };
  emitLoop(lb, alignedStart, 1);
  streaming = true;
  emitLoop(alignedStart, mainEnd, width);
  streaming = false;
  forTail(mainEnd, ub, body);
}

Value KernelEmitter::horizontalSum(Value vec) {
  // Reassociation lets LLVM add the lanes as a tree (log2(lanes) shuffles
  // and adds) instead of one lane after another.
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, vec,
                                     arith::FastMathFlags::reassoc);
}

Value KernelEmitter::sumSpan(Value base, Value len,
                             function_ref<Value(Value, Value)> accumulate,
                             Value prefetchDelta) {
  int64_t width = schedule.getVectorWidth();
  int64_t unroll = schedule.getUnroll();
  int64_t step = width * unroll;
  Value end = add(base, len);
  Value unrolledEnd = arith::SubIOp::create(b, loc, end, rem(len, step));
  Value vectorEnd = arith::SubIOp::create(b, loc, end, rem(len, width));
  // `unroll` independent accumulators, then single vectors into the first,
  // then the tail (narrower vectors and scalars).
  SmallVector<Value> zeros(unroll, f32Constant(0.0, width));
  auto unrolled = scf::ForOp::create(
      b, loc, base, unrolledEnd, index(step), zeros,
      [&](OpBuilder &nb, Location, Value i, ValueRange accs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        SmallVector<Value> next;
        for (int64_t u = 0; u < unroll; ++u) {
          prefetchInputs(add(i, index(u * width)), prefetchDelta);
          Value v = loadInputForSum(add(i, index(u * width)), width);
          next.push_back(accumulate(accs[u], v));
        }
        scf::YieldOp::create(b, loc, next);
      });
  Value acc = unrolled.getResult(0);
  for (int64_t u = 1; u < unroll; ++u)
    acc = arith::AddFOp::create(b, loc, acc, unrolled.getResult(u));
  auto single = scf::ForOp::create(
      b, loc, unrolledEnd, vectorEnd, index(width), ValueRange{acc},
      [&](OpBuilder &nb, Location, Value i, ValueRange accs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value v = accumulate(accs[0], loadInputForSum(i, width));
        scf::YieldOp::create(b, loc, ValueRange{v});
      });
  Value sum = horizontalSum(single.getResult(0));
  return foldTail(vectorEnd, end, sum, [&](Value i, int64_t w, ValueRange acc) {
    if (w == 1)
      return SmallVector<Value>{accumulate(acc[0], loadInput(i, 1))};
    Value t =
        horizontalSum(accumulate(f32Constant(0.0, w), loadInputForSum(i, w)));
    return SmallVector<Value>{arith::AddFOp::create(b, loc, acc[0], t)};
  })[0];
}

Value KernelEmitter::sumSlab(Value base, int64_t count, int64_t stride,
                             int64_t len,
                             function_ref<Value(Value, Value)> accumulate,
                             int64_t prefetchDistance) {
  int64_t block = std::min(schedule.getBlock(), len);
  Value zero = floatConstant(b, loc, b.getF64Type(), 0.0);
  auto spans = scf::ForOp::create(
      b, loc, index(0), index(count), index(1), ValueRange{zero},
      [&](OpBuilder &nb, Location, Value r, ValueRange total) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value spanBase = add(base, mul(r, stride));
        auto blocks = scf::ForOp::create(
            b, loc, index(0), index(len), index(block), total,
            [&](OpBuilder &nb2, Location, Value at, ValueRange acc) {
              OpBuilder::InsertionGuard guard2(b);
              b.setInsertionPoint(nb2.getInsertionBlock(),
                                  nb2.getInsertionPoint());
              Value blockLen = min(
                  index(block), arith::SubIOp::create(b, loc, index(len), at));
              Value blockBase = add(spanBase, at);
              Value part =
                  sumSpan(blockBase, blockLen, accumulate,
                          prefetchDelta(blockBase, block, prefetchDistance));
              Value wide = arith::ExtFOp::create(b, loc, b.getF64Type(), part);
              scf::YieldOp::create(
                  b, loc,
                  ValueRange{arith::AddFOp::create(b, loc, acc[0], wide)});
            });
        scf::YieldOp::create(b, loc, blocks.getResults());
      });
  return spans.getResult(0);
}

Value KernelEmitter::rstdOf(Value var) {
  Value eps = f32Constant(plan.spec.epsilon, 1);
  Value sum = arith::AddFOp::create(b, loc, var, eps);
  Value root = math::SqrtOp::create(b, loc, sum);
  return arith::DivFOp::create(b, loc, f32Constant(1.0, 1), root);
}
