//===- LinalgBuilders.h - Norm ops as linalg on tensors ---------*- C++ -*-===//
//
// Builders that express each norm op as linalg.generic ops on tensors: the
// target-independent decomposition that the CPU and GPU pipelines share.
// Statistics are computed in two passes (mean, then the sum of squared
// deviations about it) with f64 accumulators, so inputs with a large mean
// (1e4 + N(0, 1)) keep their variance.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_LINALG_LINALGBUILDERS_H
#define NORMC_CODEGEN_LINALG_LINALGBUILDERS_H

#include "dialect/NormOps.h"

namespace mlir {
namespace norm {

/// Mean and biased variance of `op` as linalg; returns {mean, var}.
SmallVector<Value> buildMoments(OpBuilder &b, MomentsOp op);
/// y = (x - mean) * rsqrt(var + eps) * scale + bias as one linalg.generic.
Value buildApply(OpBuilder &b, ApplyOp op);
/// rsqrt(var + eps) elementwise.
Value buildRstd(OpBuilder &b, Location loc, Value var, double epsilon);
/// Updated running mean, running var and num_batches_tracked.
SmallVector<Value> buildUpdateRunning(OpBuilder &b, UpdateRunningOp op);
/// The activation function elementwise.
Value buildActivation(OpBuilder &b, ActivationOp op);
/// The activation `kind` on a compute-type scalar or vector `x` (arith/math
/// ops only, so CPU kernels reuse it on vectors).
Value activate(OpBuilder &b, Location loc, ActivationKind kind, double alpha,
               Value x);
/// dy * f'(x) for the activation.
Value buildActivationGrad(OpBuilder &b, ActivationGradOp op);
/// Elementwise sum.
Value buildAdd(OpBuilder &b, AddOp op);
/// dx (and dscale, dbias when requested) of a normalization.
SmallVector<Value> buildNormalizeGrad(OpBuilder &b, NormalizeGradOp op);
/// dinput, dfilter, dbias of a convolution.
SmallVector<Value> buildConv2DGrad(OpBuilder &b, Conv2DGradOp op);
/// Direct convolution (with groups, stride, dilation, zero padding, bias).
Value buildConv2D(OpBuilder &b, Conv2DOp op);

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_LINALG_LINALGBUILDERS_H
