// Round trip of every norm op, in the pretty and in the generic form.
// RUN: norm-opt %s | norm-opt | FileCheck %s
// RUN: norm-opt %s --mlir-print-op-generic | norm-opt | FileCheck %s

// CHECK: norm.running_stats @bn1 : tensor<64xf32>
norm.running_stats @bn1 : tensor<64xf32>
// CHECK: norm.running_stats @{{"?}}layer1.0.bn2{{"?}} : tensor<4xf64> {initial_count = 3 : i64, initial_mean = dense<5.000000e-01> : tensor<4xf64>, initial_var = dense<2.000000e+00> : tensor<4xf64>}
norm.running_stats @"layer1.0.bn2" : tensor<4xf64> {initial_mean = dense<0.5> : tensor<4xf64>, initial_var = dense<2.0> : tensor<4xf64>, initial_count = 3 : i64}
// CHECK: norm.running_stats @in1 : tensor<16xf32>
norm.running_stats @in1 : tensor<16xf32>

// CHECK-LABEL: func @normalize_layer_norm
func.func @normalize_layer_norm(%x: tensor<8x1024xf32>, %w: tensor<1024xf32>, %b: tensor<1024xf32>) -> tensor<8x1024xf32> {
  // CHECK: norm.normalize %{{.*}} over [1] params [1] scale(%{{.*}}) bias(%{{.*}}) {epsilon = 1.000000e-03 : f64} : (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>) -> tensor<8x1024xf32>
  %y = norm.normalize %x over [1] params [1] scale(%w) bias(%b) {epsilon = 1.0e-3 : f64}
      : (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>) -> tensor<8x1024xf32>
  return %y : tensor<8x1024xf32>
}

// CHECK-LABEL: func @normalize_group_stats
func.func @normalize_group_stats(%x: tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16>, tensor<2x32xf64>, tensor<2x32xf64>) {
  // CHECK: norm.normalize %{{.*}} over [1, 2, 3] {groups = #norm.groups<axis = 1, count = 32>, stats_type = f64} : (tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16>, tensor<2x32xf64>, tensor<2x32xf64>)
  %y, %m, %r = norm.normalize %x over [1, 2, 3] {groups = #norm.groups<axis = 1, count = 32>, stats_type = f64}
      : (tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16>, tensor<2x32xf64>, tensor<2x32xf64>)
  return %y, %m, %r : tensor<2x64x8x8xf16>, tensor<2x32xf64>, tensor<2x32xf64>
}

// CHECK-LABEL: func @normalize_rms_running
func.func @normalize_rms_running(%x: tensor<4x64x3x3xbf16>, %w: tensor<64xf32>) -> (tensor<4x64x3x3xbf16>, tensor<4x64x3x3xbf16>) {
  // CHECK: norm.normalize %{{.*}} over [0, 2, 3] params [1] {running = #norm.running<@bn1, cumulative>}
  %y = norm.normalize %x over [0, 2, 3] params [1] {running = #norm.running<@bn1, cumulative>}
      : (tensor<4x64x3x3xbf16>) -> tensor<4x64x3x3xbf16>
  // CHECK: norm.normalize %{{.*}} over [1, 2, 3] params [1] scale(%{{.*}}) {center = false}
  %z = norm.normalize %x over [1, 2, 3] params [1] scale(%w) {center = false}
      : (tensor<4x64x3x3xbf16>, tensor<64xf32>) -> tensor<4x64x3x3xbf16>
  return %y, %z : tensor<4x64x3x3xbf16>, tensor<4x64x3x3xbf16>
}

// CHECK-LABEL: func @moments_apply
func.func @moments_apply(%x: tensor<32x64x7x7xf16>, %w: tensor<64xf16>, %b: tensor<64xf16>) -> tensor<32x64x7x7xf16> {
  // CHECK: %[[M:.+]], %[[V:.+]] = norm.moments %{{.*}} over [0, 2, 3] : tensor<32x64x7x7xf16> -> tensor<64xf32>, tensor<64xf32>
  %mean, %var = norm.moments %x over [0, 2, 3] : tensor<32x64x7x7xf16> -> tensor<64xf32>, tensor<64xf32>
  // CHECK: norm.apply %{{.*}} over [0, 2, 3] mean(%[[M]]) var(%[[V]]) params [1] scale(%{{.*}}) bias(%{{.*}})
  %y = norm.apply %x over [0, 2, 3] mean(%mean) var(%var) params [1] scale(%w) bias(%b)
      : (tensor<32x64x7x7xf16>, tensor<64xf32>, tensor<64xf32>, tensor<64xf16>, tensor<64xf16>) -> tensor<32x64x7x7xf16>
  // CHECK: norm.moments %{{.*}} over [1] {center = false}
  %m2, %v2 = norm.moments %y over [1] {center = false} : tensor<32x64x7x7xf16> -> tensor<32x7x7xf32>, tensor<32x7x7xf32>
  // CHECK: norm.rstd %{{.*}} {epsilon = 1.000000e-03 : f64} : tensor<64xf32>
  %rstd = norm.rstd %var {epsilon = 1.0e-3 : f64} : tensor<64xf32>
  // CHECK: norm.apply %{{.*}} over [1] var(%{{.*}}) {epsilon = 9.9999999999999995E-7 : f64}
  %z = norm.apply %y over [1] var(%v2) {epsilon = 1.0e-6 : f64}
      : (tensor<32x64x7x7xf16>, tensor<32x7x7xf32>) -> tensor<32x64x7x7xf16>
  return %z : tensor<32x64x7x7xf16>
}

// CHECK-LABEL: func @update_running
func.func @update_running(%rm: tensor<64xf32>, %rv: tensor<64xf32>, %n: tensor<i64>, %m: tensor<64xf32>, %v: tensor<64xf32>, %mi: tensor<8x64xf32>, %vi: tensor<8x64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<i64>) {
  // CHECK: norm.update_running %{{.*}}, %{{.*}}, %{{.*}} with %{{.*}}, %{{.*}} {count = 100352 : i64, momentum = 1.000000e-01 : f64} : tensor<64xf32>, tensor<i64>, tensor<64xf32>
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 100352 : i64, momentum = 1.0e-1 : f64} : tensor<64xf32>, tensor<i64>, tensor<64xf32>
  // CHECK: with %{{.*}}, %{{.*}} convention onnx {count = 2 : i64, momentum = 9.000000e-01 : f64}
  %b:3 = norm.update_running %a#0, %a#1, %a#2 with %m, %v convention onnx {count = 2 : i64, momentum = 0.9 : f64} : tensor<64xf32>, tensor<i64>, tensor<64xf32>
  // CHECK: {average_axes = array<i64: 0>, count = 49 : i64}
  %c:3 = norm.update_running %b#0, %b#1, %b#2 with %mi, %vi {count = 49 : i64, average_axes = array<i64: 0>} : tensor<64xf32>, tensor<i64>, tensor<8x64xf32>
  return %c#0, %c#1, %c#2 : tensor<64xf32>, tensor<64xf32>, tensor<i64>
}

// CHECK-LABEL: func @normalize_grad
func.func @normalize_grad(%dy: tensor<8x1024xf32>, %x: tensor<8x1024xf32>, %m: tensor<8xf32>, %r: tensor<8xf32>, %w: tensor<1024xf32>) -> (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<8x1024xf32>) {
  // CHECK: norm.normalize_grad %{{.*}}, %{{.*}} over [1] mean(%{{.*}}) rstd(%{{.*}}) params [1] scale(%{{.*}}) : (tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1024xf32>) -> (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%m) rstd(%r) params [1] scale(%w)
      : (tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1024xf32>) -> (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
  // CHECK: norm.normalize_grad %{{.*}}, %{{.*}} over [1] rstd(%{{.*}}) params [1] scale(%{{.*}}) bias(%{{.*}}) {from_output}
  %dx3, %dw3, %db3 = norm.normalize_grad %dy, %x over [1] rstd(%r) params [1] scale(%w) bias(%w) {from_output}
      : (tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<1024xf32>, tensor<1024xf32>) -> (tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
  // CHECK: norm.normalize_grad %{{.*}}, %{{.*}} over [1] rstd(%{{.*}}) {batch_stats = false}
  %dx2 = norm.normalize_grad %dy, %x over [1] rstd(%r) {batch_stats = false}
      : (tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>) -> tensor<8x1024xf32>
  return %dx, %dw, %db, %dx2 : tensor<8x1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<8x1024xf32>
}

// CHECK-LABEL: func @named
func.func @named(%x: tensor<8x64x4x4xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>, %s: tensor<4x16x768xbf16>, %g: tensor<768xbf16>) -> (tensor<8x64x4x4xf32>, tensor<8x64x4x4xf32>, tensor<8x64x4x4xf32>, tensor<8x64x4x4xf32>, tensor<4x16x768xbf16>, tensor<4x16x768xbf16>) {
  // CHECK: norm.batch_norm %{{.*}} scale(%{{.*}}) bias(%{{.*}}) {running = #norm.running<@bn1, momentum = 1.000000e-01>}
  %0 = norm.batch_norm %x scale(%w) bias(%b) {running = #norm.running<@bn1, momentum = 0.1>}
      : (tensor<8x64x4x4xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64x4x4xf32>
  // CHECK: norm.batch_norm %{{.*}} {virtual_batch = 2 : i64}
  %1 = norm.batch_norm %x {virtual_batch = 2 : i64} : (tensor<8x64x4x4xf32>) -> tensor<8x64x4x4xf32>
  // CHECK: norm.group_norm %{{.*}} scale(%{{.*}}) bias(%{{.*}}) {num_groups = 16 : i64}
  %2 = norm.group_norm %x scale(%w) bias(%b) {num_groups = 16 : i64}
      : (tensor<8x64x4x4xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64x4x4xf32>
  // CHECK: norm.instance_norm %{{.*}} {channel_axis = 3 : i64}
  %3 = norm.instance_norm %x {channel_axis = 3 : i64} : (tensor<8x64x4x4xf32>) -> tensor<8x64x4x4xf32>
  // CHECK: norm.layer_norm %{{.*}} scale(%{{.*}}) bias(%{{.*}}) : (tensor<4x16x768xbf16>, tensor<768xbf16>, tensor<768xbf16>)
  %4 = norm.layer_norm %s scale(%g) bias(%g)
      : (tensor<4x16x768xbf16>, tensor<768xbf16>, tensor<768xbf16>) -> tensor<4x16x768xbf16>
  // CHECK: norm.rms_norm %{{.*}} scale(%{{.*}}) bias(%{{.*}}) {zero_centered_scale}
  %6 = norm.rms_norm %s scale(%g) bias(%g) {zero_centered_scale}
      : (tensor<4x16x768xbf16>, tensor<768xbf16>, tensor<768xbf16>) -> tensor<4x16x768xbf16>
  // CHECK: norm.rms_norm %{{.*}} scale(%{{.*}}) {epsilon = 1.000000e-05 : f64, stats_type = f64}
  %5 = norm.rms_norm %s scale(%g) {epsilon = 1.0e-5 : f64, stats_type = f64}
      : (tensor<4x16x768xbf16>, tensor<768xbf16>) -> tensor<4x16x768xbf16>
  %7 = norm.add %5, %6 : tensor<4x16x768xbf16>
  return %0, %1, %2, %3, %4, %7 : tensor<8x64x4x4xf32>, tensor<8x64x4x4xf32>, tensor<8x64x4x4xf32>, tensor<8x64x4x4xf32>, tensor<4x16x768xbf16>, tensor<4x16x768xbf16>
}

// CHECK-LABEL: func @instance_norm_running
func.func @instance_norm_running(%x: tensor<2x16x9x9xf32>) -> (tensor<2x16x9x9xf32>, tensor<2x16xf32>, tensor<2x16xf32>) {
  // CHECK: norm.instance_norm %{{.*}} {running = #norm.running<@in1, momentum = 9.000000e-01, onnx>}
  %y, %m, %r = norm.instance_norm %x {running = #norm.running<@in1, momentum = 0.9, onnx>}
      : (tensor<2x16x9x9xf32>) -> (tensor<2x16x9x9xf32>, tensor<2x16xf32>, tensor<2x16xf32>)
  return %y, %m, %r : tensor<2x16x9x9xf32>, tensor<2x16xf32>, tensor<2x16xf32>
}

// CHECK-LABEL: func @graph
func.func @graph(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<16xf32>, %xh: tensor<1x9x9x8xf32>, %wd: tensor<3x3x1x8xf32>) -> (tensor<1x16x5x5xf32>, tensor<1x9x9x8xf32>) {
  // CHECK: norm.conv2d nchw %{{.*}}, %{{.*}} bias(%{{.*}}) {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %c = norm.conv2d nchw %x, %w bias(%b) {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<1x16x5x5xf32>
  // CHECK: norm.conv2d nhwc %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, groups = 8 : i64, padding = array<i64: 2, 2, 2, 2>}
  %d = norm.conv2d nhwc %xh, %wd {groups = 8 : i64, dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>}
      : (tensor<1x9x9x8xf32>, tensor<3x3x1x8xf32>) -> tensor<1x9x9x8xf32>
  // CHECK: norm.conv2d_grad nchw %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %gx, %gw, %gb = norm.conv2d_grad nchw %c, %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x16x5x5xf32>, tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>) -> (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>)
  // CHECK: norm.activation relu
  %0 = norm.activation relu %c : tensor<1x16x5x5xf32>
  // CHECK: norm.activation relu6
  %1 = norm.activation relu6 %0 : tensor<1x16x5x5xf32>
  // CHECK: norm.activation leaky_relu %{{.*}} {alpha = 2.000000e-01 : f64}
  %2 = norm.activation leaky_relu %1 {alpha = 0.2 : f64} : tensor<1x16x5x5xf32>
  // CHECK: norm.activation gelu_erf
  %3 = norm.activation gelu_erf %2 : tensor<1x16x5x5xf32>
  // CHECK: norm.activation gelu_tanh
  %4 = norm.activation gelu_tanh %3 : tensor<1x16x5x5xf32>
  // CHECK: norm.activation silu
  %5 = norm.activation silu %4 : tensor<1x16x5x5xf32>
  // CHECK: norm.activation sigmoid
  %6 = norm.activation sigmoid %5 : tensor<1x16x5x5xf32>
  // CHECK: norm.activation tanh
  %7 = norm.activation tanh %6 : tensor<1x16x5x5xf32>
  // CHECK: norm.add %{{.*}}, %{{.*}} : tensor<1x16x5x5xf32>
  %8 = norm.add %7, %c : tensor<1x16x5x5xf32>
  return %8, %d : tensor<1x16x5x5xf32>, tensor<1x9x9x8xf32>
}
