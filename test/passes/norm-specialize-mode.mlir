// RUN: norm-opt --pass-pipeline="builtin.module(norm-specialize-mode{mode=train})" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=TRAIN
// RUN: norm-opt --pass-pipeline="builtin.module(norm-specialize-mode{mode=infer})" -split-input-file -verify-diagnostics %s | FileCheck %s --check-prefix=INFER

norm.running_stats @bn1 : tensor<4xf32>
// TRAIN-LABEL: func @batch_norm
// TRAIN-SAME: (%[[X:[^:]+]]: tensor<2x4x3x3xf32>, %[[W:[^:]+]]: tensor<4xf32>, %[[RM:[^:]+]]: tensor<4xf32> {norm.state = "bn1.running_mean"}, %[[RV:[^:]+]]: tensor<4xf32> {norm.state = "bn1.running_var"}, %[[N:[^:]+]]: tensor<i64> {norm.state = "bn1.num_batches_tracked"})
// TRAIN-SAME: -> (tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32> {norm.state = "bn1.running_mean"}, tensor<4xf32> {norm.state = "bn1.running_var"}, tensor<i64> {norm.state = "bn1.num_batches_tracked"})
// TRAIN-SAME: attributes {norm.mode = "train"}
// TRAIN: %[[M:.+]], %[[V:.+]] = norm.moments %[[X]] over [0, 2, 3]
// TRAIN: %[[Y:.+]] = norm.apply %[[X]] over [0, 2, 3] mean(%[[M]]) var(%[[V]]) params [1] scale(%[[W]]) {epsilon = 1.000000e-03 : f64}
// TRAIN: %[[NM:.+]], %[[NV:.+]], %[[NN:.+]] = norm.update_running %[[RM]], %[[RV]], %[[N]] with %[[M]], %[[V]] {count = 18 : i64, momentum = 1.000000e-01 : f64}
// TRAIN: %[[R:.+]] = norm.rstd %[[V]] {epsilon = 1.000000e-03 : f64}
// TRAIN: return %[[Y]], %[[M]], %[[R]], %[[NM]], %[[NV]], %[[NN]]

// INFER-LABEL: func @batch_norm
// INFER-SAME: %[[RM:[^:]+]]: tensor<4xf32> {norm.state = "bn1.running_mean"}, %[[RV:[^:]+]]: tensor<4xf32> {norm.state = "bn1.running_var"}
// INFER-SAME: -> (tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>) attributes {norm.mode = "infer"}
// INFER-NOT: norm.moments
// INFER: %[[Y:.+]] = norm.apply %{{.+}} over [0, 2, 3] mean(%[[RM]]) var(%[[RV]]) params [1]
// INFER: %[[R:.+]] = norm.rstd %[[RV]] {epsilon = 1.000000e-03 : f64}
// INFER: return %[[Y]], %[[RM]], %[[R]]
func.func @batch_norm(%x: tensor<2x4x3x3xf32>, %w: tensor<4xf32>) -> (tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>) {
  %y, %m, %r = norm.batch_norm %x scale(%w) {epsilon = 1.0e-3 : f64, running = #norm.running<@bn1, momentum = 0.1>}
      : (tensor<2x4x3x3xf32>, tensor<4xf32>) -> (tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y, %m, %r : tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// One state used twice in a function: the second update sees the first.
norm.running_stats @bn : tensor<3xf32>
// TRAIN-LABEL: func @shared_state_chained
// TRAIN: %[[A0:.+]], %[[A1:.+]], %[[A2:.+]] = norm.update_running %{{.+}}, %{{.+}}, %{{.+}} with %{{.+}}, %{{.+}} convention onnx
// TRAIN: %[[B0:.+]], %[[B1:.+]], %[[B2:.+]] = norm.update_running %[[A0]], %[[A1]], %[[A2]] with
// TRAIN: return %{{.+}}, %[[B0]], %[[B1]], %[[B2]] :
// INFER-LABEL: func @shared_state_chained
// INFER-COUNT-2: norm.apply
func.func @shared_state_chained(%x: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %a = norm.batch_norm %x {running = #norm.running<@bn, momentum = 0.9, onnx>} : (tensor<5x3xf32>) -> tensor<5x3xf32>
  %b = norm.batch_norm %a {running = #norm.running<@bn, momentum = 0.9, onnx>} : (tensor<5x3xf32>) -> tensor<5x3xf32>
  return %b : tensor<5x3xf32>
}

// -----

// InstanceNorm: per-instance batch statistics, running statistics per
// channel, updated with the batch average; inference applies them per channel.
norm.running_stats @in : tensor<4xf32>
// TRAIN-LABEL: func @instance_norm
// TRAIN: norm.moments %{{.+}} over [2, 3] : tensor<2x4x3x3xf32> -> tensor<2x4xf32>, tensor<2x4xf32>
// TRAIN: norm.update_running {{.+}} {average_axes = array<i64: 0>, count = 9 : i64} : tensor<4xf32>, tensor<i64>, tensor<2x4xf32>
// INFER-LABEL: func @instance_norm
// INFER: norm.apply %{{.+}} over [0, 2, 3] mean(%{{.+}}) var(%{{.+}}) params [1] :
func.func @instance_norm(%x: tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32> {
  %y = norm.instance_norm %x {running = #norm.running<@in, cumulative>} : (tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  return %y : tensor<2x4x3x3xf32>
}

// -----

// PyTorch's InstanceNorm with a momentum never counts batches.
norm.running_stats @in : tensor<4xf32>
// TRAIN-LABEL: func @instance_norm_momentum
// TRAIN: norm.update_running {{.+}} {average_axes = array<i64: 0>, count = 9 : i64, count_batches = false, momentum = 1.000000e-01 : f64}
func.func @instance_norm_momentum(%x: tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32> {
  %y = norm.instance_norm %x {running = #norm.running<@in, momentum = 0.1>} : (tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  return %y : tensor<2x4x3x3xf32>
}

// -----

// Ghost BatchNorm: statistics per virtual batch of 2; the running statistics
// are updated once per virtual batch, in order, each over 2 x 3 elements.
norm.running_stats @ghost : tensor<3xf32>
// TRAIN-LABEL: func @ghost_batch_norm
// TRAIN: %[[M:.+]], %[[V:.+]] = norm.moments %{{.+}} over [0, 2] {groups = #norm.groups<axis = 0, count = 2>} : tensor<4x3x3xf32> -> tensor<2x3xf32>, tensor<2x3xf32>
// TRAIN-DAG: %[[M0:.+]] = tensor.extract_slice %[[M]][0, 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<3xf32>
// TRAIN-DAG: %[[V0:.+]] = tensor.extract_slice %[[V]][0, 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<3xf32>
// TRAIN-DAG: %[[M1:.+]] = tensor.extract_slice %[[M]][1, 0] [1, 3] [1, 1]
// TRAIN-DAG: %[[V1:.+]] = tensor.extract_slice %[[V]][1, 0] [1, 3] [1, 1]
// TRAIN: %[[A0:.+]], %[[A1:.+]], %[[A2:.+]] = norm.update_running %{{.+}}, %{{.+}}, %{{.+}} with %[[M0]], %[[V0]] {count = 6 : i64, momentum = 1.000000e-01 : f64}
// TRAIN: norm.update_running %[[A0]], %[[A1]], %[[A2]] with %[[M1]], %[[V1]] {count = 6 : i64
// INFER-LABEL: func @ghost_batch_norm
// INFER: norm.apply %{{.+}} over [0, 2] mean(%{{.+}}) var(%{{.+}}) params [1] :
func.func @ghost_batch_norm(%x: tensor<4x3x3xf32>) -> tensor<4x3x3xf32> {
  %y = norm.batch_norm %x {virtual_batch = 2 : i64, running = #norm.running<@ghost, momentum = 0.1>} : (tensor<4x3x3xf32>) -> tensor<4x3x3xf32>
  return %y : tensor<4x3x3xf32>
}

// -----

// Without running statistics nothing changes (batch statistics in both modes).
// TRAIN-LABEL: func @negative_no_running
// TRAIN-SAME: (%{{.+}}: tensor<4x8xf32>) -> tensor<4x8xf32> attributes {norm.mode = "train"}
// TRAIN: norm.normalize
// INFER-LABEL: func @negative_no_running
// INFER: norm.normalize
func.func @negative_no_running(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = norm.layer_norm %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
