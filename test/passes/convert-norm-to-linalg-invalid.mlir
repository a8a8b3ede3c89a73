// RUN: norm-opt --pass-pipeline="builtin.module(convert-norm-to-linalg)" -split-input-file -verify-diagnostics %s

norm.running_stats @bn : tensor<3xf32>
func.func @running_not_specialized(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{refers to running statistics: run norm-specialize-mode first}}
  %y = norm.normalize %x over [0] params [1] {running = #norm.running<@bn, momentum = 0.1>} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
