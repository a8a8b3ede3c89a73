// The stock mlir-opt reports our verifier diagnostics through the plugin.
// RUN: %stock_mlir_opt --load-dialect-plugin=%norm_plugin %s -verify-diagnostics

func.func @bad_groups(%x: tensor<2x6x3xf32>) -> tensor<2x6x3xf32> {
  // expected-error @+1 {{group count 4 does not divide axis 1 of size 6}}
  %y = norm.group_norm %x {num_groups = 4 : i64} : (tensor<2x6x3xf32>) -> tensor<2x6x3xf32>
  return %y : tensor<2x6x3xf32>
}
