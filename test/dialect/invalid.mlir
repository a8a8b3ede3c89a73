// Diagnostics of the norm dialect's verifiers and parsers: one case per
// diagnostic.
// RUN: norm-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Shared helpers (dialect/NormSpec.cpp)
//===----------------------------------------------------------------------===//

func.func @normalize_input_not_float(%x: tensor<4x8xi32>) -> tensor<4x8xi32> {
  // expected-error @+1 {{input element type must be f16, bf16, f32 or f64, got 'i32'}}
  %y = norm.normalize %x over [1] : (tensor<4x8xi32>) -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// -----

func.func @normalize_input_dynamic_shape(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{input must have a static shape, got 'tensor<?x8xf32>'}}
  %y = norm.normalize %x over [1] : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

func.func @normalize_axis_out_of_range(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{reduction axis 2 is out of range for a rank-2 input}}
  %y = norm.normalize %x over [2] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @normalize_axis_repeated(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{reduction axis 1 is repeated}}
  %y = norm.normalize %x over [1, 1] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @normalize_no_reduction_axes(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{reduction axes must not be empty}}
  %y = norm.normalize %x over [] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @normalize_group_axis_out_of_range(%x: tensor<2x64x8xf32>) -> tensor<2x64x8xf32> {
  // expected-error @+1 {{group axis 3 is out of range for a rank-3 input}}
  %y = norm.normalize %x over [1, 2] {groups = #norm.groups<axis = 3, count = 2>} : (tensor<2x64x8xf32>) -> tensor<2x64x8xf32>
  return %y : tensor<2x64x8xf32>
}

// -----

func.func @normalize_group_count_not_positive(%x: tensor<2x64x8xf32>) -> tensor<2x64x8xf32> {
  // expected-error @+1 {{group count must be positive, got 0}}
  %y = norm.normalize %x over [1, 2] {groups = #norm.groups<axis = 1, count = 0>} : (tensor<2x64x8xf32>) -> tensor<2x64x8xf32>
  return %y : tensor<2x64x8xf32>
}

// -----

func.func @normalize_group_axis_not_reduced(%x: tensor<2x64x8xf32>) -> tensor<2x64x8xf32> {
  // expected-error @+1 {{group axis 0 must be a reduction axis}}
  %y = norm.normalize %x over [1, 2] {groups = #norm.groups<axis = 0, count = 2>} : (tensor<2x64x8xf32>) -> tensor<2x64x8xf32>
  return %y : tensor<2x64x8xf32>
}

// -----

func.func @normalize_group_count_not_dividing(%x: tensor<2x64x8xf32>) -> tensor<2x64x8xf32> {
  // expected-error @+1 {{group count 5 does not divide axis 1 of size 64}}
  %y = norm.normalize %x over [1, 2] {groups = #norm.groups<axis = 1, count = 5>} : (tensor<2x64x8xf32>) -> tensor<2x64x8xf32>
  return %y : tensor<2x64x8xf32>
}

// -----

func.func @normalize_epsilon_not_positive(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{epsilon must be positive and finite, got 0.000000e+00}}
  %y = norm.normalize %x over [1] {epsilon = 0.0 : f64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @normalize_stats_type_not_f32_or_f64(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{statistics type must be f32 or f64, got 'f16'}}
  %y = norm.normalize %x over [1] {stats_type = f16} : (tensor<4x8xf16>) -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

func.func @normalize_mean_wrong_shape(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<4xf32>) {
  // expected-error @+1 {{mean type 'tensor<8xf32>' does not match the statistics type 'tensor<4xf32>'}}
  %y, %m, %r = norm.normalize %x over [1] : (tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<4xf32>)
  return %y, %m, %r : tensor<4x8xf32>, tensor<8xf32>, tensor<4xf32>
}

// -----

func.func @normalize_scale_wrong_shape(%x: tensor<4x8xf32>, %w: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{scale type 'tensor<4xf32>' does not match the input's shape [8] at parameter axes [1]}}
  %y = norm.normalize %x over [1] params [1] scale(%w) : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @normalize_bias_wrong_element_type(%x: tensor<4x8xf16>, %b: tensor<8xbf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{bias element type must be the input's ('f16') or the statistics type ('f32'), got 'bf16'}}
  %y = norm.normalize %x over [1] params [1] bias(%b) : (tensor<4x8xf16>, tensor<8xbf16>) -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

func.func @normalize_scale_without_params(%x: tensor<4x8xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{scale and bias require parameter axes ('params')}}
  %y = norm.normalize %x over [1] scale(%w) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @normalize_result_type_mismatch(%x: tensor<4x8xf32>) -> tensor<4x8xf16> {
  // expected-error @+1 {{result type 'tensor<4x8xf16>' must match the input type 'tensor<4x8xf32>'}}
  %y = norm.normalize %x over [1] : (tensor<4x8xf32>) -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

func.func @normalize_one_stats_result(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  // expected-error @+1 {{expects 0 or 2 statistics results (mean, rstd), got 1}}
  %y, %m = norm.normalize %x over [1] : (tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>)
  return %y, %m : tensor<4x8xf32>, tensor<4xf32>
}

// -----

norm.running_stats @bn1 : tensor<8xf32>

func.func @normalize_running_without_params(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{running statistics require parameter axes ('params')}}
  %y = norm.normalize %x over [0] {running = #norm.running<@bn1, momentum = 0.1>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

norm.running_stats @bn1 : tensor<8xf32>

func.func @normalize_running_params_reduced(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{running statistics span the parameter axes, but parameter axis 1 is reduced}}
  %y = norm.normalize %x over [0, 1] params [1] {running = #norm.running<@bn1, momentum = 0.1>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

norm.running_stats @bn1 : tensor<8xf32>

func.func @normalize_running_not_centered(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{running statistics require a centered normalization}}
  %y = norm.normalize %x over [0] params [1] {center = false, running = #norm.running<@bn1, momentum = 0.1>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

//===----------------------------------------------------------------------===//
// Running-statistics symbols (dialect/NormOps.cpp)
//===----------------------------------------------------------------------===//

// -----

norm.running_stats @bn1 : tensor<8xf32>

func.func @normalize_running_symbol_missing(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{running statistics @bn2 do not name a norm.running_stats declaration}}
  %y = norm.normalize %x over [0] params [1] {running = #norm.running<@bn2, momentum = 0.1>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

norm.running_stats @bn1 : tensor<64xf32>

func.func @batch_norm_running_wrong_type(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{running statistics @bn1 have type 'tensor<64xf32>' but this layer needs 'tensor<16xf32>'}}
  %y = norm.batch_norm %x {running = #norm.running<@bn1, momentum = 0.1>} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

//===----------------------------------------------------------------------===//
// norm.moments, norm.apply, norm.normalize_grad, norm.rstd
//===----------------------------------------------------------------------===//

// -----

func.func @moments_var_wrong_shape(%x: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<8xf32>) {
  // expected-error @+1 {{var type 'tensor<8xf32>' does not match the statistics type 'tensor<4xf32>'}}
  %m, %v = norm.moments %x over [1] : tensor<4x8xf32> -> tensor<4xf32>, tensor<8xf32>
  return %m, %v : tensor<4xf32>, tensor<8xf32>
}

// -----

func.func @normalize_grad_dy_type_mismatch(%dy: tensor<4x8xf16>, %x: tensor<4x8xf32>, %r: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{output gradient type 'tensor<4x8xf16>' must match the input type 'tensor<4x8xf32>'}}
  %dx = norm.normalize_grad %dy, %x over [1] rstd(%r) : (tensor<4x8xf16>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

func.func @normalize_grad_one_param_grad(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %r: tensor<4xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  // expected-error @+1 {{expects 0 or 2 parameter gradients (dscale, dbias), got 1}}
  %dx, %dw = norm.normalize_grad %dy, %x over [1] rstd(%r) params [1] : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<8xf32>)
  return %dx, %dw : tensor<4x8xf32>, tensor<8xf32>
}

// -----

func.func @normalize_grad_param_grads_without_params(%dy: tensor<4x8xf32>, %x: tensor<4x8xf32>, %r: tensor<4xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  // expected-error @+1 {{parameter gradients require parameter axes ('params')}}
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] rstd(%r) : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %dx, %dw, %db : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

func.func @rstd_f16_statistics(%v: tensor<8xf16>) -> tensor<8xf16> {
  // expected-error @+1 {{'norm.rstd' op statistics must be f32 or f64, got 'f16'}}
  %r = norm.rstd %v : tensor<8xf16>
  return %r : tensor<8xf16>
}

// -----

func.func @rstd_epsilon_negative(%v: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'norm.rstd' op epsilon must be positive and finite, got -1.000000e+00}}
  %r = norm.rstd %v {epsilon = -1.0 : f64} : tensor<8xf32>
  return %r : tensor<8xf32>
}

//===----------------------------------------------------------------------===//
// norm.update_running
//===----------------------------------------------------------------------===//

// -----

func.func @update_running_f16_statistics(%rm: tensor<8xf16>, %rv: tensor<8xf16>, %n: tensor<i64>, %m: tensor<8xf16>, %v: tensor<8xf16>) -> (tensor<8xf16>, tensor<8xf16>, tensor<i64>) {
  // expected-error @+1 {{running statistics must be f32 or f64, got 'f16'}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 4 : i64, momentum = 0.1 : f64} : tensor<8xf16>, tensor<i64>, tensor<8xf16>
  return %a#0, %a#1, %a#2 : tensor<8xf16>, tensor<8xf16>, tensor<i64>
}

// -----

func.func @update_running_batch_element_type_mismatch(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i64>, %m: tensor<8xf64>, %v: tensor<8xf64>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{batch statistics element type 'f64' must match the running statistics' 'f32'}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 4 : i64, momentum = 0.1 : f64} : tensor<8xf32>, tensor<i64>, tensor<8xf64>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

// -----

func.func @update_running_batch_shape_mismatch(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i64>, %m: tensor<2x8xf32>, %v: tensor<2x8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{batch statistics 'tensor<2x8xf32>' do not match running statistics 'tensor<8xf32>' after averaging the axes in 'average_axes'}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 4 : i64, momentum = 0.1 : f64} : tensor<8xf32>, tensor<i64>, tensor<2x8xf32>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

// -----

func.func @update_running_averaged_axis_out_of_range(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i64>, %m: tensor<2x8xf32>, %v: tensor<2x8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{averaged axis 2 is out of range for a rank-2 input}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 4 : i64, momentum = 0.1 : f64, average_axes = array<i64: 2>} : tensor<8xf32>, tensor<i64>, tensor<2x8xf32>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

// -----

func.func @update_running_count_one(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i64>, %m: tensor<8xf32>, %v: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{Expected more than 1 value per channel when training, got count 1}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 1 : i64, momentum = 0.1 : f64} : tensor<8xf32>, tensor<i64>, tensor<8xf32>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

// -----

func.func @update_running_momentum_out_of_range(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i64>, %m: tensor<8xf32>, %v: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{momentum must be in [0, 1], got 1.500000e+00}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 4 : i64, momentum = 1.5 : f64} : tensor<8xf32>, tensor<i64>, tensor<8xf32>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

// -----

func.func @update_running_onnx_without_momentum(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i64>, %m: tensor<8xf32>, %v: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{'norm.update_running' op the ONNX convention needs an explicit momentum}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v convention onnx {count = 4 : i64} : tensor<8xf32>, tensor<i64>, tensor<8xf32>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

// -----

func.func @update_running_num_batches_tracked_not_i64(%rm: tensor<8xf32>, %rv: tensor<8xf32>, %n: tensor<i32>, %m: tensor<8xf32>, %v: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i32>) {
  // expected-error @+1 {{operand #2 must be 0D tensor of 64-bit signless integer values, but got 'tensor<i32>'}}
  %a:3 = norm.update_running %rm, %rv, %n with %m, %v {count = 4 : i64, momentum = 0.1 : f64} : tensor<8xf32>, tensor<i32>, tensor<8xf32>
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i32>
}

// -----

func.func @update_running_running_types_differ(%rm: tensor<8xf32>, %rv: tensor<4xf32>, %n: tensor<i64>, %m: tensor<8xf32>, %v: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>) {
  // expected-error @+1 {{failed to verify that all of {running_mean, running_var, new_mean, new_var} have same type}}
  %a:3 = "norm.update_running"(%rm, %rv, %n, %m, %v) {count = 4 : i64, momentum = 0.1 : f64} : (tensor<8xf32>, tensor<4xf32>, tensor<i64>, tensor<8xf32>, tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<i64>)
  return %a#0, %a#1, %a#2 : tensor<8xf32>, tensor<8xf32>, tensor<i64>
}

//===----------------------------------------------------------------------===//
// norm.running_stats
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{running statistics must be f32 or f64, got 'bf16'}}
norm.running_stats @bn1 : tensor<8xbf16>

// -----

// expected-error @+1 {{running statistics must have a static shape, got 'tensor<?xf32>'}}
norm.running_stats @bn1 : tensor<?xf32>

// -----

// expected-error @+1 {{initial_mean has type 'tensor<4xf32>' but the statistics have type 'tensor<8xf32>'}}
norm.running_stats @bn1 : tensor<8xf32> {initial_mean = dense<0.0> : tensor<4xf32>}

// -----

// expected-error @+1 {{initial_var has type 'tensor<8xf64>' but the statistics have type 'tensor<8xf32>'}}
norm.running_stats @bn1 : tensor<8xf32> {initial_var = dense<1.0> : tensor<8xf64>}

// -----

// ODS: the declared type must be a ranked tensor.
// expected-error @+1 {{attribute 'type' failed to satisfy constraint: type attribute of ranked tensor of any type values}}
norm.running_stats @bn1 : tensor<*xf32>

// -----

// expected-error @+1 {{initial_count must be non-negative, got -1}}
norm.running_stats @bn1 : tensor<8xf32> {initial_count = -1 : i64}

// -----

func.func @update_running_negative_count(%rm: tensor<8xf32>, %n: tensor<i64>) {
  // expected-error @+1 {{Expected more than 1 value per channel when training, got count -5}}
  %a:3 = norm.update_running %rm, %rm, %n with %rm, %rm {count = -5 : i64, momentum = 0.1 : f64} : tensor<8xf32>, tensor<i64>, tensor<8xf32>
  return
}

// -----

func.func @normalize_empty_reduction(%x: tensor<8x0xf32>) -> tensor<8x0xf32> {
  // expected-error @+1 {{reduction axis 1 is empty (size 0)}}
  %y = norm.normalize %x over [1] : (tensor<8x0xf32>) -> tensor<8x0xf32>
  return %y : tensor<8x0xf32>
}

//===----------------------------------------------------------------------===//
// Named normalizations (dialect/NamedOps.cpp)
//===----------------------------------------------------------------------===//

// -----

func.func @batch_norm_rank_1(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{needs an input of rank >= 2 (batch and channel axes)}}
  %y = norm.batch_norm %x : (tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @batch_norm_channel_axis_out_of_range(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{channel axis 4 is out of range for a rank-4 input}}
  %y = norm.batch_norm %x {channel_axis = 4 : i64} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

func.func @batch_norm_virtual_batch_on_batch_axis(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{channel axis must not be the batch axis 0}}
  %y = norm.batch_norm %x {channel_axis = 0 : i64, virtual_batch = 2 : i64} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

func.func @batch_norm_virtual_batch_not_positive(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{virtual batch size must be positive, got 0}}
  %y = norm.batch_norm %x {virtual_batch = 0 : i64} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

func.func @batch_norm_virtual_batch_not_dividing(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{batch size 8 is not divisible by the virtual batch size 3}}
  %y = norm.batch_norm %x {virtual_batch = 3 : i64} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

func.func @layer_norm_normalized_rank_too_large(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{normalized rank 3 must be between 1 and the input rank 2}}
  %y = norm.layer_norm %x {normalized_rank = 3 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @rms_norm_normalized_rank_zero(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{normalized rank 0 must be between 1 and the input rank 2}}
  %y = norm.rms_norm %x {normalized_rank = 0 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @group_norm_rank_1(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{needs an input of rank >= 2 (batch and channel axes)}}
  %y = norm.group_norm %x {num_groups = 2 : i64} : (tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @group_norm_channel_axis_out_of_range(%x: tensor<2x16x4xf32>) -> tensor<2x16x4xf32> {
  // expected-error @+1 {{channel axis -1 is out of range for a rank-3 input}}
  %y = norm.group_norm %x {num_groups = 2 : i64, channel_axis = -1 : i64} : (tensor<2x16x4xf32>) -> tensor<2x16x4xf32>
  return %y : tensor<2x16x4xf32>
}

// -----

func.func @group_norm_channel_axis_is_batch_axis(%x: tensor<2x16x4xf32>) -> tensor<2x16x4xf32> {
  // expected-error @+1 {{channel axis must not be the batch axis 0}}
  %y = norm.group_norm %x {num_groups = 2 : i64, channel_axis = 0 : i64} : (tensor<2x16x4xf32>) -> tensor<2x16x4xf32>
  return %y : tensor<2x16x4xf32>
}

// -----

func.func @instance_norm_rank_2(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{needs an input of rank >= 3 (batch, channel and at least one spatial axis)}}
  %y = norm.instance_norm %x : (tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

func.func @instance_norm_channel_axis_out_of_range(%x: tensor<2x16x4xf32>) -> tensor<2x16x4xf32> {
  // expected-error @+1 {{channel axis 3 is out of range for a rank-3 input}}
  %y = norm.instance_norm %x {channel_axis = 3 : i64} : (tensor<2x16x4xf32>) -> tensor<2x16x4xf32>
  return %y : tensor<2x16x4xf32>
}

// -----

func.func @instance_norm_channel_axis_is_batch_axis(%x: tensor<2x16x4xf32>) -> tensor<2x16x4xf32> {
  // expected-error @+1 {{channel axis must not be the batch axis 0}}
  %y = norm.instance_norm %x {channel_axis = 0 : i64} : (tensor<2x16x4xf32>) -> tensor<2x16x4xf32>
  return %y : tensor<2x16x4xf32>
}

//===----------------------------------------------------------------------===//
// #norm.running (dialect/NormDialect.cpp)
//===----------------------------------------------------------------------===//

// -----

norm.running_stats @bn1 : tensor<16xf32>

func.func @running_attr_unknown_convention(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{expected momentum convention 'pytorch' or 'onnx', got 'caffe'}}
  %y = norm.batch_norm %x {running = #norm.running<@bn1, momentum = 0.1, caffe>} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

norm.running_stats @bn1 : tensor<16xf32>

func.func @running_attr_momentum_out_of_range(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{momentum must be in [0, 1], got -5.000000e-01}}
  %y = norm.batch_norm %x {running = #norm.running<@bn1, momentum = -0.5>} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

norm.running_stats @bn1 : tensor<16xf32>

func.func @running_attr_onnx_cumulative(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{the ONNX convention needs an explicit momentum (it has no cumulative average)}}
  %y = norm.batch_norm %x {running = #norm.running<@bn1, cumulative, onnx>} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

//===----------------------------------------------------------------------===//
// Graph ops (dialect/GraphOps.cpp, dialect/ConvShape.cpp)
//===----------------------------------------------------------------------===//

// -----

func.func @conv2d_input_rank_3(%x: tensor<8x9x9xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{input must have rank 4, got rank 3}}
  %y = norm.conv2d nchw %x, %w : (tensor<8x9x9xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_filter_rank_2(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{filter must have rank 4, got rank 2}}
  %y = norm.conv2d nchw %x, %w : (tensor<1x8x9x9xf32>, tensor<16x8xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_filter_element_type_mismatch(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf16>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{filter element type 'f16' must match the input's 'f32'}}
  %y = norm.conv2d nchw %x, %w : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf16>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_strides_not_positive(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{strides must be two positive integers}}
  %y = norm.conv2d nchw %x, %w {strides = array<i64: 1, 0>} : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_dilations_wrong_count(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{dilations must be two positive integers}}
  %y = norm.conv2d nchw %x, %w {dilations = array<i64: 1, 1, 1>} : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_padding_negative(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{padding must be four non-negative integers [top, left, bottom, right]}}
  %y = norm.conv2d nchw %x, %w {padding = array<i64: 0, -1, 0, 0>} : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_groups_not_positive(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{groups must be positive, got 0}}
  %y = norm.conv2d nchw %x, %w {groups = 0 : i64} : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_input_channels_not_divisible(%x: tensor<1x8x9x9xf32>, %w: tensor<16x2x3x3xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{input channels 8 are not divisible by groups 3}}
  %y = norm.conv2d nchw %x, %w {groups = 3 : i64} : (tensor<1x8x9x9xf32>, tensor<16x2x3x3xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @conv2d_output_channels_not_divisible(%x: tensor<1x8x9x9xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x7x7xf32> {
  // expected-error @+1 {{output channels 6 are not divisible by groups 4}}
  %y = norm.conv2d nchw %x, %w {groups = 4 : i64} : (tensor<1x8x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x7x7xf32>
  return %y : tensor<1x6x7x7xf32>
}

// -----

func.func @conv2d_filter_channels_per_group(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x16xf32>) -> tensor<1x7x7x16xf32> {
  // expected-error @+1 {{filter has 8 input channels per group, expected 4}}
  %y = norm.conv2d nhwc %x, %w {groups = 2 : i64} : (tensor<1x9x9x8xf32>, tensor<3x3x8x16xf32>) -> tensor<1x7x7x16xf32>
  return %y : tensor<1x7x7x16xf32>
}

// -----

func.func @conv2d_kernel_larger_than_input(%x: tensor<1x8x2x2xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x1x1xf32> {
  // expected-error @+1 {{the dilated kernel is larger than the padded input}}
  %y = norm.conv2d nchw %x, %w : (tensor<1x8x2x2xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x1x1xf32>
  return %y : tensor<1x16x1x1xf32>
}

// -----

func.func @conv2d_result_type_mismatch(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x9x9xf32> {
  // expected-error @+1 {{result type 'tensor<1x16x9x9xf32>' does not match the expected 'tensor<1x16x7x7xf32>'}}
  %y = norm.conv2d nchw %x, %w : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x9x9xf32>
  return %y : tensor<1x16x9x9xf32>
}

// -----

func.func @conv2d_bias_type_mismatch(%x: tensor<1x8x9x9xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x16x7x7xf32> {
  // expected-error @+1 {{bias type 'tensor<8xf32>' does not match the expected 'tensor<16xf32>'}}
  %y = norm.conv2d nchw %x, %w bias(%b) : (tensor<1x8x9x9xf32>, tensor<16x8x3x3xf32>, tensor<8xf32>) -> tensor<1x16x7x7xf32>
  return %y : tensor<1x16x7x7xf32>
}

// -----

func.func @activation_alpha_on_relu(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'alpha' only applies to leaky_relu}}
  %y = norm.activation relu %x {alpha = 0.2 : f64} : tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @add_integer_operands(%a: tensor<8xi32>, %b: tensor<8xi32>) -> tensor<8xi32> {
  // expected-error @+1 {{operand element type must be f16, bf16, f32 or f64, got 'i32'}}
  %y = norm.add %a, %b : tensor<8xi32>
  return %y : tensor<8xi32>
}

// -----

func.func @add_operand_types_differ(%a: tensor<8xf32>, %b: tensor<8xf16>) -> tensor<8xf32> {
  // expected-error @+1 {{'norm.add' op requires the same type for all operands and results}}
  %y = "norm.add"(%a, %b) : (tensor<8xf32>, tensor<8xf16>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

//===----------------------------------------------------------------------===//
// Malformed syntax
//===----------------------------------------------------------------------===//

// -----

func.func @normalize_missing_over(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{expected 'over'}}
  %y = norm.normalize %x [1] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @activation_unknown_kind(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [relu, relu6, leaky_relu, gelu_erf, gelu_tanh, silu, sigmoid, tanh]}}
  %y = norm.activation swish %x : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

norm.running_stats @bn1 : tensor<16xf32>

func.func @running_attr_missing_momentum_keyword(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  // expected-error @+1 {{expected 'momentum'}}
  %y = norm.batch_norm %x {running = #norm.running<@bn1, 0.1>} : (tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32>
  return %y : tensor<8x16x4x4xf32>
}

// -----

func.func @normalize_zero_centered_without_scale(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{zero_centered_scale requires a scale operand}}
  %y = norm.normalize %x over [1] params [1] {zero_centered_scale} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @update_running_cumulative_uncounted(%rm: tensor<8xf32>, %n: tensor<i64>) {
  // expected-error @+1 {{the cumulative average needs count_batches}}
  %a:3 = norm.update_running %rm, %rm, %n with %rm, %rm {count = 5 : i64, count_batches = false} : tensor<8xf32>, tensor<i64>, tensor<8xf32>
  return
}

// -----

func.func @grad_bias_without_from_output(%dy: tensor<4x8xf32>, %r: tensor<4xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{a bias operand is only used with from_output}}
  %dx = norm.normalize_grad %dy, %dy over [1] rstd(%r) params [1] scale(%w) bias(%w) : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

func.func @grad_from_output_without_scale(%dy: tensor<4x8xf32>, %r: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{from_output needs the scale to recover the normalized input from the output}}
  %dx = norm.normalize_grad %dy, %dy over [1] rstd(%r) {from_output} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

func.func @grad_from_output_with_mean(%dy: tensor<4x8xf32>, %r: tensor<4xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{from_output takes no mean}}
  %dx = norm.normalize_grad %dy, %dy over [1] mean(%r) rstd(%r) params [1] scale(%w) {from_output} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

func.func @grad_from_output_zero_scale(%dy: tensor<4x3xf32>, %r: tensor<4xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[1.0, 0.0, 2.0]> : tensor<3xf32>
  // expected-error @+1 {{from_output: the scale is zero at index 1, so the normalized input cannot be recovered from the output}}
  %dx = norm.normalize_grad %dy, %dy over [1] rstd(%r) params [1] scale(%w) {from_output} : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %dx : tensor<4x3xf32>
}

// -----

func.func @grad_center_without_from_output(%dy: tensor<4x8xf32>, %r: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'center' is only used with from_output}}
  %dx = norm.normalize_grad %dy, %dy over [1] rstd(%r) {center = false} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

func.func @conv2d_grad_wrong_output_grad(%dy: tensor<1x4x4x4xf32>, %x: tensor<1x2x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{output gradient type 'tensor<1x4x4x4xf32>' does not match the convolution's output 'tensor<1x4x3x3xf32>'}}
  %dx, %dw, %db = norm.conv2d_grad nchw %dy, %x, %w : (tensor<1x4x4x4xf32>, tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>)
  return
}

// -----

func.func @conv2d_grad_wrong_results(%dy: tensor<1x4x3x3xf32>, %x: tensor<1x2x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{input and filter gradients must have the types of the input and the filter}}
  %dx, %dw, %db = norm.conv2d_grad nchw %dy, %x, %w : (tensor<1x4x3x3xf32>, tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> (tensor<1x2x5x5xf32>, tensor<4x2x3x2xf32>, tensor<4xf32>)
  return
}

// -----

func.func @conv2d_grad_wrong_bias(%dy: tensor<1x4x3x3xf32>, %x: tensor<1x2x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{bias gradient type 'tensor<2xf32>' does not match the expected 'tensor<4xf32>'}}
  %dx, %dw, %db = norm.conv2d_grad nchw %dy, %x, %w : (tensor<1x4x3x3xf32>, tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<2xf32>)
  return
}

// -----

func.func @conv2d_grad_rank(%dy: tensor<1x4x3x3xf32>, %x: tensor<2x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{input and filter must have rank 4}}
  %dx, %dw, %db = norm.conv2d_grad nchw %dy, %x, %w : (tensor<1x4x3x3xf32>, tensor<2x5x5xf32>, tensor<4x2x3x3xf32>) -> (tensor<2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>)
  return
}

// -----

func.func @cpu_schedule_vector_width(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{vector_width must be a power of two in [1, 64], got 3}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 3, unroll = 4, row_chunks = 1, block = 64, nontemporal = false>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_unroll(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{unroll must be in [1, 8], got 9}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 9, row_chunks = 1, block = 64, nontemporal = false>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_row_chunks(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{row_chunks must be positive, got 0}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 0, block = 64, nontemporal = false>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_block(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{block must be positive, got 0}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 0, nontemporal = false>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_prefetch(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{prefetch must not be negative, got -1}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, prefetch = -1>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_prefetch_output(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{prefetch_output must not be negative, got -2}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, prefetch_output = -2>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_prefetch_output_streaming(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{prefetch_output needs nontemporal = false}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = true, prefetch_output = 16>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_even_odd_channels_last_streaming(%x: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  // expected-error @+1 {{even_odd on the channels_last kernel needs nontemporal = false}}
  %y = norm.normalize %x over [0] {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = true, even_odd = true>} : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}

// -----

func.func @cpu_schedule_merged_moments_channels_last(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{merged_moments needs the rows kernel}}
  %y = norm.normalize %x over [0] {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, merged_moments = true>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_negative_prefetch_stats(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{prefetch_stats must not be negative, got -8}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, prefetch_stats = -8>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_prefetch_stats_channels_last(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{prefetch_stats needs the rows kernel}}
  %y = norm.normalize %x over [0] {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, prefetch_stats = 8>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @cpu_schedule_reverse_spans_channels_last(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{reverse_spans needs the rows kernel}}
  %y = norm.normalize %x over [0] {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, reverse_spans = true>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
