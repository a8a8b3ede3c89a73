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

#endif // NORM_ATTRS_TD
