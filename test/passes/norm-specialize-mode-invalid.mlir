// RUN: norm-opt --pass-pipeline="builtin.module(norm-specialize-mode{mode=train})" -split-input-file -verify-diagnostics %s
// RUN: not norm-opt --pass-pipeline="builtin.module(norm-specialize-mode{mode=eval})" -split-input-file %s 2>&1 | FileCheck %s --check-prefix=MODE

// MODE: mode must be 'train' or 'infer', got 'eval'

norm.running_stats @bn : tensor<3xf32>
func.func @one_value_per_channel(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{Expected more than 1 value per channel when training}}
  %y = norm.batch_norm %x {running = #norm.running<@bn, momentum = 0.1>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

norm.running_stats @bn : tensor<3xf32>
// expected-error @+1 {{uses running statistics and is called within the module}}
func.func @layer(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %y = norm.batch_norm %x {running = #norm.running<@bn, momentum = 0.1>} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
func.func @caller(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %y = func.call @layer(%x) : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
