// RUN: norm-opt --pass-pipeline="builtin.module(norm-canonicalize-named)" -split-input-file %s | FileCheck %s

// CHECK-LABEL: func @batch_norm_nchw
// CHECK-SAME: (%[[X:.+]]: tensor<8x16x5x5xf32>, %[[W:.+]]: tensor<16xf32>, %[[B:.+]]: tensor<16xf32>)
// CHECK: %[[Y:.+]] = norm.normalize %[[X]] over [0, 2, 3] params [1] scale(%[[W]]) bias(%[[B]]) {epsilon = 1.000000e-03 : f64, running = #norm.running<@bn, momentum = 1.000000e-01>}
// CHECK-NOT: norm.batch_norm
// CHECK: return %[[Y]]
norm.running_stats @bn : tensor<16xf32>
func.func @batch_norm_nchw(%x: tensor<8x16x5x5xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<8x16x5x5xf32> {
  %y = norm.batch_norm %x scale(%w) bias(%b) {epsilon = 1.0e-3 : f64, running = #norm.running<@bn, momentum = 0.1>}
      : (tensor<8x16x5x5xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16x5x5xf32>
  return %y : tensor<8x16x5x5xf32>
}

// -----

// CHECK-LABEL: func @batch_norm_nhwc_stats
// CHECK: %[[Y:.+]], %[[S:.+]]:2 = norm.normalize %{{.+}} over [0, 1, 2] params [3] : (tensor<2x5x5x16xf16>) -> (tensor<2x5x5x16xf16>, tensor<16xf32>, tensor<16xf32>)
// CHECK: return %[[Y]], %[[S]]#0, %[[S]]#1
func.func @batch_norm_nhwc_stats(%x: tensor<2x5x5x16xf16>) -> (tensor<2x5x5x16xf16>, tensor<16xf32>, tensor<16xf32>) {
  %y, %m, %r = norm.batch_norm %x {channel_axis = 3 : i64}
      : (tensor<2x5x5x16xf16>) -> (tensor<2x5x5x16xf16>, tensor<16xf32>, tensor<16xf32>)
  return %y, %m, %r : tensor<2x5x5x16xf16>, tensor<16xf32>, tensor<16xf32>
}

// -----

// CHECK-LABEL: func @ghost_batch_norm
// CHECK: norm.normalize %{{.+}} over [0, 2, 3] params [1] {groups = #norm.groups<axis = 0, count = 3>}
func.func @ghost_batch_norm(%x: tensor<12x4x3x3xf32>) -> tensor<12x4x3x3xf32> {
  %y = norm.batch_norm %x {virtual_batch = 4 : i64} : (tensor<12x4x3x3xf32>) -> tensor<12x4x3x3xf32>
  return %y : tensor<12x4x3x3xf32>
}

// -----

// CHECK-LABEL: func @layer_norm_two_axes
// CHECK: norm.normalize %{{.+}} over [1, 2] params [1, 2] scale(%{{.+}}) bias(%{{.+}}) :
func.func @layer_norm_two_axes(%x: tensor<4x6x10xf32>, %w: tensor<6x10xf32>) -> tensor<4x6x10xf32> {
  %y = norm.layer_norm %x scale(%w) bias(%w) {normalized_rank = 2 : i64}
      : (tensor<4x6x10xf32>, tensor<6x10xf32>, tensor<6x10xf32>) -> tensor<4x6x10xf32>
  return %y : tensor<4x6x10xf32>
}

// -----

// CHECK-LABEL: func @rms_norm
// CHECK: norm.normalize %{{.+}} over [2] params [2] scale(%{{.+}}) {center = false, epsilon = 9.9999999999999995E-7 : f64} : (tensor<2x3x4096xbf16>, tensor<4096xf32>)
func.func @rms_norm(%x: tensor<2x3x4096xbf16>, %w: tensor<4096xf32>) -> tensor<2x3x4096xbf16> {
  %y = norm.rms_norm %x scale(%w) : (tensor<2x3x4096xbf16>, tensor<4096xf32>) -> tensor<2x3x4096xbf16>
  return %y : tensor<2x3x4096xbf16>
}

// -----

// Zero-centered scale (Gemma) and an offset (bias) carry over.
// CHECK-LABEL: func @rms_norm_zero_centered_offset
// CHECK: norm.normalize %{{.+}} over [1] params [1] scale(%{{.+}}) bias(%{{.+}}) {center = false, epsilon = 9.9999999999999995E-7 : f64, zero_centered_scale}
func.func @rms_norm_zero_centered_offset(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %y = norm.rms_norm %x scale(%w) bias(%w) {zero_centered_scale} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @group_norm
// CHECK: norm.normalize %{{.+}} over [1, 2, 3] params [1] scale(%{{.+}}) bias(%{{.+}}) {groups = #norm.groups<axis = 1, count = 32>, stats_type = f64}
func.func @group_norm(%x: tensor<2x128x4x4xf32>, %w: tensor<128xf32>) -> tensor<2x128x4x4xf32> {
  %y = norm.group_norm %x scale(%w) bias(%w) {num_groups = 32 : i64, stats_type = f64}
      : (tensor<2x128x4x4xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<2x128x4x4xf32>
  return %y : tensor<2x128x4x4xf32>
}

// -----

// CHECK-LABEL: func @instance_norm_nhwc_running
// CHECK: norm.normalize %{{.+}} over [1, 2] params [3] {running = #norm.running<@in, cumulative>}
norm.running_stats @in : tensor<8xf32>
func.func @instance_norm_nhwc_running(%x: tensor<2x6x6x8xf32>) -> tensor<2x6x6x8xf32> {
  %y = norm.instance_norm %x {channel_axis = 3 : i64, running = #norm.running<@in, cumulative>}
      : (tensor<2x6x6x8xf32>) -> tensor<2x6x6x8xf32>
  return %y : tensor<2x6x6x8xf32>
}

// -----

// Generic and graph ops are left alone.
// CHECK-LABEL: func @negative_generic_untouched
// CHECK: norm.normalize %{{.+}} over [1] :
// CHECK: norm.activation relu
func.func @negative_generic_untouched(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = norm.normalize %x over [1] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = norm.activation relu %y : tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}
