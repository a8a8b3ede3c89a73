// RUN: norm-opt --pass-pipeline="builtin.module(convert-norm-to-linalg)" -split-input-file %s | FileCheck %s

// LayerNorm: two f64 reduction passes (sum, squared deviations), the
// statistics, rsqrt(var + eps), then one elementwise output pass.
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @layer_norm
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf16>, %[[W:.+]]: tensor<8xf16>)
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<4x8xf16>) outs(%{{.+}} : tensor<4xf64>)
// CHECK:   arith.extf %{{.+}} : f16 to f64
// CHECK:   arith.addf
// CHECK: %[[MEAN:.+]] = linalg.generic {{.+}} ins(%[[SUM]] : tensor<4xf64>)
// CHECK: %[[SQ:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<4x8xf16>, tensor<4xf64>)
// CHECK:   arith.subf
// CHECK:   arith.mulf
// CHECK: %[[STATS:.+]]:2 = linalg.generic {{.+}} ins(%[[MEAN]], %[[SQ]] : tensor<4xf64>, tensor<4xf64>) outs(%{{.+}}, %{{.+}} : tensor<4xf32>, tensor<4xf32>)
// CHECK:   arith.truncf %{{.+}} : f64 to f32
// CHECK: %[[RSTD:.+]] = linalg.generic {{.+}} ins(%[[STATS]]#1 : tensor<4xf32>)
// CHECK:   math.rsqrt
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ROW]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[STATS]]#0, %[[RSTD]], %[[W]] : tensor<4x8xf16>, tensor<4xf32>, tensor<4xf32>, tensor<8xf16>)
// CHECK:   arith.truncf %{{.+}} : f32 to f16
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<4x8xf16>, %w: tensor<8xf16>) -> tensor<4x8xf16> {
  %y = norm.layer_norm %x scale(%w) : (tensor<4x8xf16>, tensor<8xf16>) -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

// GroupNorm: the channel axis is split into (groups, channels per group);
// the per-channel scale is split the same way.
// CHECK-LABEL: func @group_norm
// CHECK: %[[XE:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3]] output_shape [2, 4, 2, 3] : tensor<2x8x3xf32> into tensor<2x4x2x3xf32>
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[XE]] : tensor<2x4x2x3xf32>) outs(%{{.+}} : tensor<2x4xf64>)
// CHECK: %[[WE:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [4, 2] : tensor<8xf32> into tensor<4x2xf32>
// CHECK: %[[Y:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %{{.+}}, %{{.+}}, %[[WE]] : tensor<2x4x2x3xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<4x2xf32>)
// CHECK: tensor.collapse_shape %[[Y]] {{\[\[}}0], [1, 2], [3]] : tensor<2x4x2x3xf32> into tensor<2x8x3xf32>
func.func @group_norm(%x: tensor<2x8x3xf32>, %w: tensor<8xf32>) -> tensor<2x8x3xf32> {
  %y = norm.group_norm %x scale(%w) {num_groups = 4 : i64} : (tensor<2x8x3xf32>, tensor<8xf32>) -> tensor<2x8x3xf32>
  return %y : tensor<2x8x3xf32>
}

// -----

// RMSNorm: one reduction of x^2, no centering.
// CHECK-LABEL: func @rms_norm
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]
// CHECK-NOT: arith.subf
// CHECK: math.rsqrt
// CHECK-NOT: arith.subf
// CHECK: return
func.func @rms_norm(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = norm.rms_norm %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Running-statistics update (PyTorch): unbiased variance n / (n - 1) = 2,
// num_batches_tracked + 1; InstanceNorm statistics averaged over the batch.
// CHECK-LABEL: func @update_running
// CHECK: linalg.generic {{.+}} iterator_types = ["reduction", "parallel"]} ins(%{{.+}} : tensor<2x4xf32>) outs(%{{.+}} : tensor<4xf32>)
// CHECK: %[[N:.+]] = tensor.extract %{{.+}}[] : tensor<i64>
// CHECK: %[[N1:.+]] = arith.addi %[[N]], %{{.+}} : i64
// CHECK: tensor.from_elements %[[N1]] : tensor<i64>
// CHECK: linalg.generic
// CHECK: arith.constant 2.000000e+00 : f32
func.func @update_running(%rm: tensor<4xf32>, %n: tensor<i64>, %m: tensor<2x4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<i64>) {
  %a:3 = norm.update_running %rm, %rm, %n with %m, %m {count = 2 : i64, momentum = 0.1 : f64, average_axes = array<i64: 0>} : tensor<4xf32>, tensor<i64>, tensor<2x4xf32>
  return %a#0, %a#1, %a#2 : tensor<4xf32>, tensor<4xf32>, tensor<i64>
}

// -----

// Cumulative moving average: momentum = 1 / (num_batches_tracked + 1).
// CHECK-LABEL: func @update_running_cumulative
// CHECK: %[[N1:.+]] = arith.addi
// CHECK: %[[F:.+]] = arith.sitofp %[[N1]] : i64 to f32
// CHECK: arith.divf %{{.+}}, %[[F]] : f32
func.func @update_running_cumulative(%rm: tensor<4xf32>, %n: tensor<i64>) -> tensor<4xf32> {
  %a:3 = norm.update_running %rm, %rm, %n with %rm, %rm {count = 5 : i64} : tensor<4xf32>, tensor<i64>, tensor<4xf32>
  return %a#0 : tensor<4xf32>
}

// -----

// Convolution: zero padding, groups as an explicit loop dimension.
// CHECK-DAG: #[[$IN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-LABEL: func @conv_grouped_strided
// CHECK: tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], {{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
func.func @conv_grouped_strided(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32> {
  %y = norm.conv2d nchw %x, %w {groups = 2 : i64, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32>
  return %y : tensor<1x6x3x3xf32>
}

// -----

// Activations compute in f32 for bf16 data; the result is rounded to bf16
// by arith.truncf (norm-expand-bf16-truncation turns it into integer ops
// for CPUs without AVX512-BF16).
// CHECK-LABEL: func @gelu_bf16
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: math.erf
// CHECK: arith.truncf %{{.+}} : f32 to bf16
func.func @gelu_bf16(%x: tensor<8xbf16>) -> tensor<8xbf16> {
  %y = norm.activation gelu_erf %x : tensor<8xbf16>
  return %y : tensor<8xbf16>
}


// -----

// normalize_grad with batch statistics: one reduction (E[g], E[g * xhat]),
// the dx pass, and one reduction onto the parameters (dscale, dbias).
// CHECK-LABEL: func @layer_norm_grad
// CHECK: %[[SUMS:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) outs(%{{.+}}, %{{.+}} : tensor<4xf64>, tensor<4xf64>)
// CHECK: %[[DX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]} ins({{.+}}, %[[SUMS]]#0, %[[SUMS]]#1 :
// CHECK: %[[P:.+]]:2 = linalg.generic {{.+}} iterator_types = ["reduction", "parallel"]} {{.+}} outs(%{{.+}}, %{{.+}} : tensor<8xf64>, tensor<8xf64>)
// CHECK: return %[[DX]]
func.func @layer_norm_grad(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %m: tensor<4xf32>, %r: tensor<4xf32>, %w: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%m) rstd(%r) params [1] scale(%w)
      : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %dx, %dw, %db : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Fixed statistics (inference): dx = rstd * dy, no reduction for dx.
// CHECK-LABEL: func @rms_grad_fixed
// CHECK-NOT: "reduction"
// CHECK: return
func.func @rms_grad_fixed(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %r: tensor<4xf32>) -> tensor<4x8xf32> {
  %dx = norm.normalize_grad %dy, %x over [1] rstd(%r) {batch_stats = false}
      : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

// count_batches = false (PyTorch InstanceNorm): num_batches_tracked passes
// through unchanged.
// CHECK-LABEL: func @update_running_uncounted
// CHECK-SAME: %[[N:[^:]+]]: tensor<i64>
// CHECK-NOT: tensor.from_elements
// CHECK: return %{{.+}}, %[[N]]
func.func @update_running_uncounted(%rm: tensor<4xf32>, %n: tensor<i64>) -> (tensor<4xf32>, tensor<i64>) {
  %a:3 = norm.update_running %rm, %rm, %n with %rm, %rm {count = 5 : i64, momentum = 0.1 : f64, count_batches = false} : tensor<4xf32>, tensor<i64>, tensor<4xf32>
  return %a#0, %a#2 : tensor<4xf32>, tensor<i64>
}
