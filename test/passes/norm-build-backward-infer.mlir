// RUN: norm-opt --pass-pipeline="builtin.module(norm-canonicalize-named, norm-build-backward{mode=infer})" -verify-diagnostics %s | FileCheck %s
// RUN: not norm-opt --pass-pipeline="builtin.module(norm-build-backward{mode=eval})" %s 2>&1 | FileCheck %s --check-prefix=MODE

// MODE: norm-build-backward: mode must be 'train' or 'infer', got 'eval'

// InstanceNorm's inference statistics are per channel while its batch
// statistics are per instance: no inference backward yet.
// CHECK-NOT: func.func @instance_backward
norm.running_stats @in : tensor<3xf32>
// expected-warning @+1 {{no backward function for @instance: inference with per-instance statistics and per-channel running statistics has no derivative yet}}
func.func @instance(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %y = norm.instance_norm %x {running = #norm.running<@in, momentum = 0.1>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}
