//===- NormOps.td - Operations of the norm dialect ---------*- tablegen -*-===//
//
// The generic normalization op and its parts (moments, apply, running-stat
// update, gradient), the named normalizations that canonicalize to it, the
// persistent state declaration and the graph ops around normalizations.
//
//===----------------------------------------------------------------------===//

#ifndef NORM_OPS_TD
#define NORM_OPS_TD

include "dialect/NormAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

// Attributes shared by every op that describes a normalization.
defvar NormStatsTypeAttr = OptionalAttr<TypeAttr>;

//===----------------------------------------------------------------------===//
// norm.normalize
//===----------------------------------------------------------------------===//

def Norm_NormalizeOp : Norm_Op<"normalize", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "generic normalization over a set of reduction axes";
  let description = [{
    Normalizes `x` with statistics over the axes `reduce`:

    ```
    mean = E[x] over reduce           (skipped when center = false)
    var  = E[(x - mean)^2] over reduce (center = false: E[x^2])
    y    = (x - mean) * rsqrt(var + epsilon) * scale + bias
    ```

    `groups` splits one reduction axis into `(count, size / count)` so that
    statistics are per group (GroupNorm, ghost BatchNorm). `scale` and `bias`
    span the axes `params` (their shape is the input's shape at those axes).
    Statistics are accumulated in `stats_type` (default f32, f64 for f64
    data). With `zero_centered_scale` the output uses `(1 + scale)` instead
    of `scale` (Gemma, Transformer Engine's zero-centered gamma), so a zero
    scale is the identity.

    Optional results `mean` and `rstd` (0 or 2 extra results, element type
    `stats_type`) have the input's shape with the reduction axes dropped, a
    grouped axis replaced by its group count; backward needs them.

    With `running`, the op refers to persistent running statistics:
    `norm-specialize-mode` turns it into batch statistics plus a running-stat
    update (train) or into the running statistics (infer). The running
    statistics span the `params` axes, which must then not be reduced.

    ```mlir
    // LayerNorm over the last axis with scale and bias.
    %y = norm.normalize %x over [1] params [1] scale(%w) bias(%b)
        {epsilon = 1.000000e-05 : f64}
        : (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>) -> tensor<8x1024xf32>
    // GroupNorm(32) on NCHW, saving mean and rstd.
    %y2, %mean, %rstd = norm.normalize %x2 over [1, 2, 3]
        {groups = #norm.groups<axis = 1, count = 32>}
        : (tensor<2x64x8x8xf32>) -> (tensor<2x64x8x8xf32>, tensor<2x32xf32>, tensor<2x32xf32>)
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DenseI64ArrayAttr:$reduce,
    OptionalAttr<DenseI64ArrayAttr>:$params,
    OptionalAttr<Norm_GroupsAttr>:$groups,
    DefaultValuedAttr<BoolAttr, "true">:$center,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
    NormStatsTypeAttr:$stats_type,
    UnitAttr:$zero_centered_scale,
    OptionalAttr<Norm_RunningAttr>:$running);
  let results = (outs AnyRankedTensor:$y, Variadic<AnyRankedTensor>:$stats);
  let assemblyFormat = [{
    $x `over` $reduce (`params` $params^)? (`scale` `(` $scale^ `)`)?
    (`bias` `(` $bias^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The normalization this op describes.
    NormSpec getSpec();
    /// The saved mean, or null when the op does not return statistics.
    Value getMean() { return getStats().empty() ? Value() : getStats()[0]; }
    /// The saved reciprocal standard deviation, or null.
    Value getRstd() { return getStats().empty() ? Value() : getStats()[1]; }
  }];
}

//===----------------------------------------------------------------------===//
// norm.moments
//===----------------------------------------------------------------------===//

def Norm_MomentsOp : Norm_Op<"moments", [Pure]> {
  let summary = "mean and biased variance over a set of reduction axes";
  let description = [{
    The statistics half of `norm.normalize`: `mean = E[x]` and the biased
    `var = E[(x - mean)^2]` over `reduce` (with an optional group split),
    accumulated in the result element type (f32 or f64). With
    `center = false`, `mean` is zero and `var` is `E[x^2]` (RMSNorm). Fusion
    splits it off into a producer's epilogue; synchronised BatchNorm
    all-reduces it (with the element count, known from the shapes).

    ```mlir
    %mean, %var = norm.moments %x over [0, 2, 3]
        : tensor<32x64x56x56xf16> -> tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    DenseI64ArrayAttr:$reduce,
    OptionalAttr<Norm_GroupsAttr>:$groups,
    DefaultValuedAttr<BoolAttr, "true">:$center);
  let results = (outs AnyRankedTensor:$mean, AnyRankedTensor:$var);
  let assemblyFormat = [{
    $x `over` $reduce attr-dict `:` type($x) `->` type($mean) `,` type($var)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The reduction these moments are taken over.
    NormSpec getSpec();
  }];
}

//===----------------------------------------------------------------------===//
// norm.apply
//===----------------------------------------------------------------------===//

def Norm_ApplyOp : Norm_Op<"apply", [Pure, AttrSizedOperandSegments]> {
  let summary = "normalize with given statistics and apply the affine option";
  let description = [{
    The output half of `norm.normalize`:
    `y = (x - mean) * rsqrt(var + epsilon) * scale + bias`, with `mean` and
    `var` broadcast along `reduce` (and the group split). Without `mean` the
    input is not centered (RMSNorm). Used with batch statistics from
    `norm.moments` (training) or with running statistics (inference).

    ```mlir
    %y = norm.apply %x over [0, 2, 3] mean(%mean) var(%var) params [1]
        scale(%w) bias(%b) {epsilon = 1.000000e-05 : f64}
        : (tensor<32x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>,
           tensor<64xf32>, tensor<64xf32>) -> tensor<32x64x56x56xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$mean,
    AnyRankedTensor:$var,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DenseI64ArrayAttr:$reduce,
    OptionalAttr<DenseI64ArrayAttr>:$params,
    OptionalAttr<Norm_GroupsAttr>:$groups,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
    UnitAttr:$zero_centered_scale);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = [{
    $x `over` $reduce (`mean` `(` $mean^ `)`)? `var` `(` $var `)`
    (`params` $params^)?
    (`scale` `(` $scale^ `)`)? (`bias` `(` $bias^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The normalization this op applies.
    NormSpec getSpec();
  }];
}

//===----------------------------------------------------------------------===//
// norm.rstd
//===----------------------------------------------------------------------===//

def Norm_RstdOp : Norm_Op<"rstd", [Pure, SameOperandsAndResultType]> {
  let summary = "reciprocal standard deviation rsqrt(var + epsilon)";
  let description = [{
    Elementwise `rsqrt(var + epsilon)` on statistics: the saved `rstd` that
    the backward pass consumes, from batch or running variances.

    ```mlir
    %rstd = norm.rstd %var {epsilon = 1.000000e-05 : f64} : tensor<64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$var,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs AnyRankedTensor:$rstd);
  let assemblyFormat = "$var attr-dict `:` type($var)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// norm.update_running
//===----------------------------------------------------------------------===//

def Norm_UpdateRunningOp : Norm_Op<"update_running", [Pure,
    AllTypesMatch<["running_mean", "running_var", "new_mean", "new_var"]>,
    AllTypesMatch<["num_batches_tracked", "new_num_batches_tracked"]>,
    AllTypesMatch<["batch_mean", "batch_var"]>]> {
  let summary = "update running statistics from batch statistics";
  let description = [{
    One training step's update of running statistics from the biased batch
    mean and variance over `count` elements per statistic. PyTorch convention
    (the default):

    ```
    rm' = (1 - m) rm + m mean
    rv' = (1 - m) rv + m var count / (count - 1)     (unbiased)
    nbt' = nbt + 1
    ```

    Without `momentum`, `m = 1 / nbt'` (PyTorch's `momentum=None`, a cumulative
    moving average). The ONNX convention weighs the old value by the momentum
    and uses the population variance: `rm' = m rm + (1 - m) mean`,
    `rv' = m rv + (1 - m) var`. PyTorch rejects training with one value per
    channel; so does the verifier (`count` must be greater than 1).

    `batch_mean` / `batch_var` may carry leading axes `average_axes` that the
    running statistics do not have (InstanceNorm: one statistic per sample):
    the update then uses their average over those axes, as PyTorch does.
    With `count_batches = false` num_batches_tracked is left unchanged
    (PyTorch's InstanceNorm never increments it); the cumulative average
    needs the count.

    ```mlir
    %rm, %rv, %n = norm.update_running %rm0, %rv0, %n0 with %mean, %var
        {count = 100352 : i64, momentum = 1.000000e-01 : f64}
        : tensor<64xf32>, tensor<i64>, tensor<64xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$running_mean,
    AnyRankedTensor:$running_var,
    0DTensorOf<[I64]>:$num_batches_tracked,
    AnyRankedTensor:$batch_mean,
    AnyRankedTensor:$batch_var,
    I64Attr:$count,
    OptionalAttr<F64Attr>:$momentum,
    DefaultValuedAttr<Norm_MomentumConvention,
                      "::mlir::norm::MomentumConvention::pytorch">:$convention,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$average_axes,
    DefaultValuedAttr<BoolAttr, "true">:$count_batches);
  let results = (outs
    AnyRankedTensor:$new_mean,
    AnyRankedTensor:$new_var,
    0DTensorOf<[I64]>:$new_num_batches_tracked);
  let assemblyFormat = [{
    $running_mean `,` $running_var `,` $num_batches_tracked `with` $batch_mean
    `,` $batch_var (`convention` $convention^)? attr-dict `:` type($running_mean) `,`
    type($num_batches_tracked) `,` type($batch_mean)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// norm.normalize_grad
//===----------------------------------------------------------------------===//

def Norm_NormalizeGradOp : Norm_Op<"normalize_grad", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "gradients of a normalization";
  let description = [{
    Given the output gradient `dy`, the input `x` and the statistics saved by
    the forward pass (`mean`, absent when not centered, and `rstd`), computes
    `dx` and, when requested (two extra results), `dscale` and `dbias`
    (reduced to the shape of the `params` axes).

    With `batch_stats` (the default, training) the statistics are functions
    of `x` and `dx` includes their derivative:
    `dx = rstd * (g - E[g] - xhat * E[g * xhat])` with `g = dy * scale`, the
    expectations over the reduction (RMSNorm: without the `E[g]` term).
    With `batch_stats = false` they are constants (inference statistics):
    `dx = rstd * g`.

    Memory-saving form (`from_output`): the second operand is the forward
    output `y` instead of `x`, and `xhat = (y - bias) / scale` is recovered
    from it (so the forward pass need not keep `x`). It needs `scale`, takes
    `bias` when the forward had one, and no `mean`; it is valid only when no
    scale element is zero (a constant scale with a zero is rejected). There,
    `center = false` marks an RMS normalization (elsewhere the presence of
    `mean` says whether the forward centered).

    ```mlir
    %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%mean) rstd(%rstd)
        params [1] scale(%w)
        : (tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8xf32>,
           tensor<1024xf32>) -> (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$dy,
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$mean,
    AnyRankedTensor:$rstd,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DenseI64ArrayAttr:$reduce,
    OptionalAttr<DenseI64ArrayAttr>:$params,
    OptionalAttr<Norm_GroupsAttr>:$groups,
    DefaultValuedAttr<BoolAttr, "true">:$batch_stats,
    UnitAttr:$zero_centered_scale,
    UnitAttr:$from_output,
    DefaultValuedAttr<BoolAttr, "true">:$center);
  let results = (outs AnyRankedTensor:$dx,
                      Variadic<AnyRankedTensor>:$param_grads);
  let assemblyFormat = [{
    $dy `,` $x `over` $reduce (`mean` `(` $mean^ `)`)? `rstd` `(` $rstd `)`
    (`params` $params^)? (`scale` `(` $scale^ `)`)? (`bias` `(` $bias^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The normalization this op differentiates.
    NormSpec getSpec();
  }];
}

//===----------------------------------------------------------------------===//
// Persistent state
//===----------------------------------------------------------------------===//

def Norm_RunningStatsOp : Norm_Op<"running_stats", [Symbol]> {
  let summary = "persistent running statistics of one normalization layer";
  let description = [{
    Declares running_mean, running_var (of type `type`, f32 or f64) and
    num_batches_tracked (i64) of a layer, with their initial values
    (PyTorch's: mean 0, var 1, count 0, unless given). The runtime stores
    them under `<sym_name>.running_mean`, `<sym_name>.running_var` and
    `<sym_name>.num_batches_tracked`.

    ```mlir
    norm.running_stats @"layer1.0.bn1" : tensor<64xf32>
    norm.running_stats @bn2 : tensor<4xf32>
        {initial_mean = dense<[0.5, 0.5, 0.5, 0.5]> : tensor<4xf32>}
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    TypeAttrOf<AnyRankedTensor>:$type,
    OptionalAttr<ElementsAttr>:$initial_mean,
    OptionalAttr<ElementsAttr>:$initial_var,
    DefaultValuedAttr<I64Attr, "0">:$initial_count);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The statistics tensor type.
    RankedTensorType getStatsType() {
      return ::llvm::cast<RankedTensorType>(getType());
    }
  }];
}

//===----------------------------------------------------------------------===//
// Named normalizations
//===----------------------------------------------------------------------===//

// Common operands, results, format and C++ of the named normalizations.
class Norm_NamedOp<string mnemonic, list<Trait> traits = []>
    : Norm_Op<mnemonic, !listconcat([Pure, AttrSizedOperandSegments], traits)> {
  let results = (outs AnyRankedTensor:$y, Variadic<AnyRankedTensor>:$stats);
  let assemblyFormat = [{
    $x (`scale` `(` $scale^ `)`)? (`bias` `(` $bias^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  code commonDecls = [{
    /// The generic normalization this named op stands for; fails with a
    /// diagnostic at the op when the attributes do not describe one.
    FailureOr<NormSpec> getSpec(bool emitErrors = false);
  }];
  let extraClassDeclaration = commonDecls;
}

def Norm_BatchNormOp : Norm_NamedOp<"batch_norm",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "batch normalization (optionally ghost / virtual batches)";
  let description = [{
    Statistics per channel over every axis but `channel_axis`. With `running`
    the layer has running statistics (PyTorch `track_running_stats=True`) and
    the mode decides which statistics are used; without, batch statistics are
    used in both modes. `virtual_batch = v` computes statistics per group of
    `v` consecutive samples (ghost BatchNorm); the batch must be divisible by
    `v`. In training, the running statistics are updated once per virtual
    batch, in batch order.

    ```mlir
    %y = norm.batch_norm %x scale(%w) bias(%b)
        {running = #norm.running<@bn1, momentum = 1.000000e-01>}
        : (tensor<8x64x28x28xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64x28x28xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DefaultValuedAttr<I64Attr, "1">:$channel_axis,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
    OptionalAttr<Norm_RunningAttr>:$running,
    OptionalAttr<I64Attr>:$virtual_batch,
    NormStatsTypeAttr:$stats_type);
}

def Norm_LayerNormOp : Norm_NamedOp<"layer_norm"> {
  let summary = "layer normalization over the trailing axes";
  let description = [{
    Statistics over the last `normalized_rank` axes (PyTorch's
    `normalized_shape`); scale and bias have the shape of those axes.

    ```mlir
    %y = norm.layer_norm %x scale(%w) bias(%b) {normalized_rank = 1 : i64}
        : (tensor<8x128x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<8x128x768xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DefaultValuedAttr<I64Attr, "1">:$normalized_rank,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
    NormStatsTypeAttr:$stats_type,
    UnitAttr:$zero_centered_scale);
}

def Norm_RMSNormOp : Norm_NamedOp<"rms_norm"> {
  let summary = "root-mean-square normalization over the trailing axes";
  let description = [{
    `y = x * rsqrt(E[x^2] + epsilon) * scale (+ bias)` over the last
    `normalized_rank` axes; not centered. Default epsilon 1e-6. `bias` is the
    optional offset; `zero_centered_scale` uses `(1 + scale)` (Gemma).

    ```mlir
    %y = norm.rms_norm %x scale(%w) {epsilon = 1.000000e-06 : f64}
        : (tensor<4x4096xbf16>, tensor<4096xbf16>) -> tensor<4x4096xbf16>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DefaultValuedAttr<I64Attr, "1">:$normalized_rank,
    DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon,
    NormStatsTypeAttr:$stats_type,
    UnitAttr:$zero_centered_scale);
}

def Norm_GroupNormOp : Norm_NamedOp<"group_norm"> {
  let summary = "group normalization";
  let description = [{
    Splits `channel_axis` into `num_groups` groups and normalizes every
    sample's group over its channels and all spatial axes (every axis but 0).
    Scale and bias are per channel.

    ```mlir
    %y = norm.group_norm %x scale(%w) bias(%b) {num_groups = 32 : i64}
        : (tensor<2x256x32x32xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<2x256x32x32xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    I64Attr:$num_groups,
    DefaultValuedAttr<I64Attr, "1">:$channel_axis,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
    NormStatsTypeAttr:$stats_type);
}

def Norm_InstanceNormOp : Norm_NamedOp<"instance_norm",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "instance normalization";
  let description = [{
    Statistics per sample and channel over the spatial axes (every axis but 0
    and `channel_axis`). With `running`, running statistics are kept per
    channel, updated with the average over the batch of the per-instance
    statistics (PyTorch `track_running_stats=True`).

    ```mlir
    %y = norm.instance_norm %x scale(%w) bias(%b)
        : (tensor<1x64x256x256xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x256x256xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x,
    Optional<AnyRankedTensor>:$scale,
    Optional<AnyRankedTensor>:$bias,
    DefaultValuedAttr<I64Attr, "1">:$channel_axis,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
    OptionalAttr<Norm_RunningAttr>:$running,
    NormStatsTypeAttr:$stats_type);
}

//===----------------------------------------------------------------------===//
// Graph ops
//===----------------------------------------------------------------------===//

def Norm_Conv2DOp : Norm_Op<"conv2d", [Pure]> {
  let summary = "2-D convolution (NCHW with OIHW filters, NHWC with HWIO)";
  let description = [{
    Cross-correlation as in PyTorch's `conv2d`. With `layout = nchw` the input
    is N,C,H,W and the filter O,C/groups,KH,KW; with `nhwc` the input is
    N,H,W,C and the filter KH,KW,C/groups,O. `padding` is
    [top, left, bottom, right]; `groups` = C gives a depthwise convolution.

    ```mlir
    %y = norm.conv2d nchw %x, %w bias(%b)
        {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
        : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$input,
    AnyRankedTensor:$filter,
    Optional<AnyRankedTensor>:$bias,
    Norm_Layout:$layout,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $layout $input `,` $filter (`bias` `(` $bias^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Norm_Conv2DGradOp : Norm_Op<"conv2d_grad", [Pure]> {
  let summary = "gradients of a 2-D convolution";
  let description = [{
    Given the output gradient `output_grad` of `norm.conv2d` (same layout,
    strides, padding, dilations and groups) and its `input` and `filter`,
    returns the gradients of the input, the filter and the bias (the sum of
    the output gradient over batch and spatial positions).

    ```mlir
    %dx, %dw, %db = norm.conv2d_grad nchw %dy, %x, %w {padding = array<i64: 1, 1, 1, 1>}
        : (tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>)
        -> (tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>)
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$output_grad,
    AnyRankedTensor:$input,
    AnyRankedTensor:$filter,
    Norm_Layout:$layout,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs AnyRankedTensor:$input_grad, AnyRankedTensor:$filter_grad,
                      AnyRankedTensor:$bias_grad);
  let assemblyFormat = [{
    $layout $output_grad `,` $input `,` $filter attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Norm_ActivationOp : Norm_Op<"activation", [Pure, Elementwise,
    SameOperandsAndResultType]> {
  let summary = "pointwise activation";
  let description = [{
    relu, relu6, leaky_relu (negative slope `alpha`, default 0.01), gelu_erf
    (exact GELU), gelu_tanh (tanh approximation), silu, sigmoid, tanh.

    ```mlir
    %y = norm.activation leaky_relu %x {alpha = 2.000000e-01 : f64} : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins
    Norm_ActivationKind:$kind,
    AnyRankedTensor:$input,
    OptionalAttr<F64Attr>:$alpha);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Norm_ActivationGradOp : Norm_Op<"activation_grad", [Pure, Elementwise,
    SameOperandsAndResultType]> {
  let summary = "gradient of a pointwise activation";
  let description = [{
    `dx = dy * f'(x)` for the activation `kind` of `norm.activation` (same
    `alpha`). The ReLU family recomputes its mask from `x`
    (`x > 0`), which costs no extra memory traffic.

    ```mlir
    %dx = norm.activation_grad silu %dy, %x : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins
    Norm_ActivationKind:$kind,
    AnyRankedTensor:$output_grad,
    AnyRankedTensor:$input,
    OptionalAttr<F64Attr>:$alpha);
  let results = (outs AnyRankedTensor:$input_grad);
  let assemblyFormat = [{
    $kind $output_grad `,` $input attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Norm_AddOp : Norm_Op<"add", [Pure, Elementwise, Commutative,
    SameOperandsAndResultType]> {
  let summary = "elementwise (residual) addition";
  let description = [{
    ```mlir
    %y = norm.add %a, %b : tensor<8x64x28x28xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($output)";
  let hasVerifier = 1;
}

#endif // NORM_OPS_TD
