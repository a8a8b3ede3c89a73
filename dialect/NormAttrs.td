//===- NormAttrs.td - Attributes and enums of norm ---------*- tablegen -*-===//
//
// Enumerations (layouts, activations, momentum conventions) and the
// attributes that describe grouping and running statistics.
//
//===----------------------------------------------------------------------===//

#ifndef NORM_ATTRS_TD
#define NORM_ATTRS_TD

include "dialect/NormDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Norm_Layout : I32EnumAttr<"Layout", "activation layout of a convolution", [
    I32EnumAttrCase<"nchw", 0>,
    I32EnumAttrCase<"nhwc", 1>]> {
  let cppNamespace = "::mlir::norm";
}

def Norm_ActivationKind : I32EnumAttr<"ActivationKind",
    "pointwise activation function", [
    I32EnumAttrCase<"relu", 0>,
    I32EnumAttrCase<"relu6", 1>,
    I32EnumAttrCase<"leaky_relu", 2>,
    I32EnumAttrCase<"gelu_erf", 3>,
    I32EnumAttrCase<"gelu_tanh", 4>,
    I32EnumAttrCase<"silu", 5>,
    I32EnumAttrCase<"sigmoid", 6>,
    I32EnumAttrCase<"tanh", 7>]> {
  let cppNamespace = "::mlir::norm";
}

def Norm_MomentumConvention : I32EnumAttr<"MomentumConvention",
    "how momentum weighs the running statistics", [
    // rm' = (1-m) rm + m mean, rv' = (1-m) rv + m var n/(n-1).
    I32EnumAttrCase<"pytorch", 0>,
    // rm' = m rm + (1-m) mean, rv' = m rv + (1-m) var (population variance).
    I32EnumAttrCase<"onnx", 1>]> {
  let cppNamespace = "::mlir::norm";
}

def Norm_CpuKernel : I32EnumAttr<"CpuKernel",
    "loop structure of a CPU normalization kernel", [
    // Vectors along the innermost reduced extent; one statistic at a time,
    // its slab kept in cache between the statistics and the output pass.
    I32EnumAttrCase<"rows", 0>,
    // Vectors across the innermost kept extent (channels); per-channel
    // partial sums over blocks of rows, then an output pass.
    I32EnumAttrCase<"channels_last", 1>]> {
  let cppNamespace = "::mlir::norm";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Norm_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Norm_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Norm_GroupsAttr : Norm_Attr<"Groups", "groups"> {
  let summary = "split of one axis into (count, size / count)";
  let description = [{
    Splits axis `axis` of the input into `count` groups of `size / count`
    consecutive elements. The axis must also be a reduction axis: statistics
    are then computed per group (GroupNorm: axis C, count G; ghost BatchNorm:
    axis N, count N / virtual_batch).

    ```mlir
    #norm.groups<axis = 1, count = 32>
    ```
  }];
  let parameters = (ins "int64_t":$axis, "int64_t":$count);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Norm_RunningAttr : Norm_Attr<"Running", "running"> {
  let summary = "reference to persistent running statistics and their update";
  let description = [{
    Names the `norm.running_stats` declaration that holds running_mean,
    running_var and num_batches_tracked for this layer, and how a training step
    updates them. Without `momentum` (a null FloatAttr) the update is PyTorch's cumulative moving
    average (`momentum=None`, factor 1 / num_batches_tracked).

    ```mlir
    #norm.running<@bn1, momentum = 1.000000e-01>
    #norm.running<@bn1, cumulative>
    #norm.running<@bn1, momentum = 9.000000e-01, onnx>
    ```
  }];
  let parameters = (ins
    "::mlir::FlatSymbolRefAttr":$state,
    "::mlir::FloatAttr":$momentum,
    "::mlir::norm::MomentumConvention":$convention);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The momentum, or nullopt for the cumulative moving average.
    std::optional<double> getMomentumValue() const {
      if (!getMomentum())
        return std::nullopt;
      return getMomentum().getValueAsDouble();
    }
  }];
}

def Norm_CpuScheduleAttr : Norm_Attr<"CpuSchedule", "cpu_schedule"> {
  let summary = "how the CPU kernel of one normalization is built";
  let description = [{
    Set on `norm.normalize`, `norm.moments` and `norm.apply` by the cost model
    (`norm-cpu-schedule`) and read by `convert-norm-to-cpu-kernels`; a tuner
    may set it instead. `kernel` picks the loop structure (see `CpuKernel`),
    `vector_width` the f32 lanes per vector, `unroll` the independent vector
    accumulators (rows) or the rows summed in registers per accumulator
    update (channels_last), `row_chunks` how many pieces the reduced rows of one
    statistic are split into for parallelism (channels_last; partial sums
    with a shared shift are added; with 1, each outer index's sums,
    statistics and output run back to back, so its slab is re-read from
    cache), `block` the number of elements (rows:
    elements of a slab; channels_last: rows) summed in f32 before the block
    sum is added to the f64 total, `nontemporal` whether the output pass
    streams its stores past the cache, and `prefetch` how many elements
    ahead of its loads the streaming passes prefetch the inputs (0: none;
    elided when 0). One slab ahead lets the next statistic's DRAM reads
    overlap the current output stores. `even_odd` (bf16 data; elided when
    false) holds each vector of bf16 data as its even elements, then its odd
    ones: a bf16 pair is one 32-bit word, so widening is a shift and a mask
    and narrowing a shift, a mask and an or, with no shuffle. Vectors of f32
    inputs are shuffled to match; the kernel's own per-channel or
    per-parameter scratch is kept in the lanes' order instead where every
    row splits into the same vectors (channels_last: only with
    `nontemporal = false`). For CPUs without native bf16 conversions.
    `prefetch_output` (elided when 0; needs `nontemporal = false`) is how
    many elements ahead of its stores the output pass prefetches the output
    for writing, so that the read-for-ownership of each output line is under
    way before the store that needs it. `merged_moments` (rows kernel;
    elided when false) computes the mean and variance of each `block` of a
    slab in two passes over the block, which is then in L1, and merges the
    blocks' (count, mean, M2) with Chan's formula in f64: the statistics
    read the slab once instead of twice, for slabs larger than L2.
    `prefetch_stats` (rows kernel; elided when 0) is how many elements
    ahead the last statistics pass over a slab, which reads it from cache,
    prefetches the inputs: the next statistic's data, so that DRAM keeps
    streaming while that pass and the output pass work from cache.
    `reverse_spans` (rows kernel, backward; elided when false) walks a
    slab's spans last to first in the dx pass, so that it starts on the
    lines the statistics pass read last, the ones still in cache.

    ```mlir
    #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4,
                       row_chunks = 1, block = 4096, nontemporal = false>
    ```
  }];
  let parameters = (ins
    "::mlir::norm::CpuKernel":$kernel,
    "int64_t":$vector_width,
    "int64_t":$unroll,
    "int64_t":$row_chunks,
    "int64_t":$block,
    "bool":$nontemporal,
    DefaultValuedParameter<"int64_t", "0">:$prefetch,
    DefaultValuedParameter<"bool", "false">:$even_odd,
    DefaultValuedParameter<"int64_t", "0">:$prefetch_output,
    DefaultValuedParameter<"bool", "false">:$merged_moments,
    DefaultValuedParameter<"int64_t", "0">:$prefetch_stats,
    DefaultValuedParameter<"bool", "false">:$reverse_spans);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // NORM_ATTRS_TD
