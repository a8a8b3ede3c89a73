// RUN: norm-opt --pass-pipeline="builtin.module(norm-canonicalize-named, norm-build-backward{mode=train})" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=TRAIN
// RUN: norm-opt --pass-pipeline="builtin.module(norm-canonicalize-named, norm-build-backward{mode=infer})" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=INFER

// Residual add -> BatchNorm (running statistics) -> ReLU -> residual add.
// In training the forward entry also returns each normalization's mean and
// rstd (tagged norm.saved); the backward function takes them back, recomputes
// the forward, differentiates ReLU from its input and BatchNorm with the saved
// batch statistics (running statistics untouched), and sums the two
// gradients that reach %x. Inference uses the running statistics.
norm.running_stats @bn : tensor<3xf32>
// TRAIN-LABEL: func.func @block(
// TRAIN-SAME: -> (tensor<4x3xf32>, tensor<3xf32> {norm.saved = "norm0.mean"}, tensor<3xf32> {norm.saved = "norm0.rstd"})
// TRAIN-LABEL: func.func @block_backward
// TRAIN-SAME: (%[[X:.+]]: tensor<4x3xf32>, %[[R:.+]]: tensor<4x3xf32>, %[[W:.+]]: tensor<3xf32>, %[[B:.+]]: tensor<3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[SM:.+]]: tensor<3xf32> {norm.saved = "norm0.mean"}, %[[SR:.+]]: tensor<3xf32> {norm.saved = "norm0.rstd"}) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
// TRAIN: %[[A:.+]] = norm.add %[[X]], %[[R]]
// TRAIN: %[[Y:.+]], %[[S:.+]]:2 = norm.normalize %[[A]] over [0] params [1] scale(%[[W]]) bias(%[[B]]) :
// TRAIN-NOT: running
// TRAIN: %[[DR:.+]] = norm.activation_grad relu %[[G]], %[[Y]]
// TRAIN: %[[DX:.+]], %[[DP:.+]]:2 = norm.normalize_grad %[[DR]], %[[A]] over [0] mean(%[[SM]]) rstd(%[[SR]]) params [1] scale(%[[W]]) :
// TRAIN: %[[SUM:.+]] = norm.add %[[G]], %[[DX]]
// TRAIN: return %[[SUM]], %[[DX]], %[[DP]]#0, %[[DP]]#1
// INFER-LABEL: func.func @block(
// INFER-NOT: norm.saved
// INFER-LABEL: func.func @block_backward
// INFER: norm.normalize %{{.+}} {running = #norm.running<@bn, momentum = 1.000000e-01>}
// INFER: norm.normalize_grad {{.+}} {batch_stats = false}
func.func @block(%x: tensor<4x3xf32>, %r: tensor<4x3xf32>, %w: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  %a = norm.add %x, %r : tensor<4x3xf32>
  %y = norm.batch_norm %a scale(%w) bias(%b) {running = #norm.running<@bn, momentum = 0.1>} : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  %z = norm.activation relu %y : tensor<4x3xf32>
  %s = norm.add %z, %x : tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// -----

// An input that does not reach the output gets a zero gradient.
// TRAIN-LABEL: func.func @unused_backward
// TRAIN: %[[DX:.+]] = norm.normalize_grad
// TRAIN: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : tensor<2x5xf32>
// TRAIN: return %[[DX]], %[[ZERO]]
func.func @unused(%x: tensor<2x5xf32>, %u: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %y = norm.rms_norm %x : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// Convolutions: input, filter and bias gradients from norm.conv2d_grad.
// TRAIN-LABEL: func.func @conv_backward
// TRAIN-SAME: (%[[X:.+]]: tensor<1x2x5x5xf32>, %[[W:.+]]: tensor<4x1x3x3xf32>, %[[B:.+]]: tensor<4xf32>, %[[G:.+]]: tensor<1x4x3x3xf32>)
// TRAIN: %[[DX:.+]], %[[DW:.+]], %[[DB:.+]] = norm.conv2d_grad nchw %[[G]], %[[X]], %[[W]] {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// TRAIN: return %[[DX]], %[[DW]], %[[DB]]
func.func @conv(%x: tensor<1x2x5x5xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x3x3xf32> {
  %c = norm.conv2d nchw %x, %w bias(%b) {groups = 2 : i64, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x5xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
  return %c : tensor<1x4x3x3xf32>
}

// -----

// Ops without a derivative: a warning, no backward function.
// TRAIN-LABEL: func.func @negative_exp
// TRAIN-NOT: func.func @negative_exp_backward
// expected-warning @+1 {{no backward function for @negative_exp: 'math.exp' has no derivative yet}}
func.func @negative_exp(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = math.exp %x : tensor<4xf32>
  return %e : tensor<4xf32>
}

// -----

// TRAIN-LABEL: func.func @negative_saved_stats
// TRAIN-NOT: func.func @negative_saved_stats_backward
// expected-warning @+1 {{no backward function for @negative_saved_stats: it returns or uses saved statistics (mean / rstd)}}
func.func @negative_saved_stats(%x: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2xf32>, tensor<2xf32>) {
  %y, %m, %r = norm.layer_norm %x : (tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2xf32>, tensor<2xf32>)
  return %y, %m, %r : tensor<2x5xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// RUN: norm-opt --pass-pipeline="builtin.module(norm-canonicalize-named, norm-build-backward{mode=train from-output=true})" %s -split-input-file 2>&1 | FileCheck %s --check-prefix=SAVING
// SAVING-LABEL: func.func @memory_saving_backward
// SAVING: %[[Y:.+]], %{{.+}}:2 = norm.normalize %{{.+}} over [1] params [1] scale(%[[W:[^)]+]]) bias(%[[B:[^)]+]])
// SAVING: norm.normalize_grad %{{.+}}, %[[Y]] over [1] rstd(%{{.+}}) params [1] scale(%[[W]]) bias(%[[B]]) {from_output}
func.func @memory_saving(%x: tensor<2x5xf32>, %w: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<2x5xf32> {
  %y = norm.layer_norm %x scale(%w) bias(%b) : (tensor<2x5xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}
