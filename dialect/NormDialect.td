//===- NormDialect.td - The norm dialect -------------------*- tablegen -*-===//
//
// Declares the `norm` dialect: normalization as statistics over a set of
// reduction axes plus an optional affine transform.
//
//===----------------------------------------------------------------------===//

#ifndef NORM_DIALECT_TD
#define NORM_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Norm_Dialect : Dialect {
  let name = "norm";
  let cppNamespace = "::mlir::norm";
  let summary = "Fused normalization kernels: BatchNorm, LayerNorm, RMSNorm, "
                "GroupNorm, InstanceNorm and the graph ops around them.";
  let description = [{
    Every normalization is one computation with parameters:

    ```
    mean = E[x] over R             (skipped when center = false: RMSNorm)
    var  = E[(x - mean)^2] over R  (biased; RMSNorm: E[x^2])
    y    = (x - mean) * rsqrt(var + eps) * scale + bias
    ```

    `R` is a set of reduction axes of the input, optionally after splitting one
    axis into `(groups, size / groups)`; scale and bias span a set of parameter
    axes. Statistics are accumulated in `stats_type` (f32 by default, also for
    f16/bf16 data). The generic op is `norm.normalize`; the named ops
    (`norm.batch_norm`, `norm.layer_norm`, ...) canonicalize to it. BatchNorm and
    InstanceNorm may refer to persistent running statistics
    (`norm.running_stats`) by symbol, so one graph compiles to a training and an
    inference entry.

    All ops work on statically shaped ranked tensors with value semantics.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Norm_Op<string mnemonic, list<Trait> traits = []>
    : Op<Norm_Dialect, mnemonic, traits>;

#endif // NORM_DIALECT_TD
