// RUN: norm-opt --convert-norm-to-cpu-kernels -split-input-file -verify-diagnostics %s

// A schedule on an op that no CPU kernel can run is an error, not a silent
// fallback: the schedule came from a tuner or by hand and is wrong.
func.func @f64_data(%x: tensor<4x64xf64>) -> tensor<4x64xf64> {
  // expected-error @+1 {{has a norm.cpu_schedule but no CPU kernel can run it (f64 data or statistics, or its axes do not view as [outer, rows, mid, inner])}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false>} : (tensor<4x64xf64>) -> tensor<4x64xf64>
  return %y : tensor<4x64xf64>
}

// -----

// LayerNorm over (H, W, C) of NHWC with per-channel parameters: the
// parameters are not a prefix of the reduced run.
func.func @params_inside_run(%x: tensor<2x3x3x10xf32>, %w: tensor<10xf32>) -> tensor<2x3x3x10xf32> {
  // expected-error @+1 {{has a norm.cpu_schedule but no CPU kernel can run it}}
  %y = norm.normalize %x over [1, 2, 3] params [3] scale(%w) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false>} : (tensor<2x3x3x10xf32>, tensor<10xf32>) -> tensor<2x3x3x10xf32>
  return %y : tensor<2x3x3x10xf32>
}

// -----

// The memory-saving backward (from_output) has no CPU kernel.
func.func @grad_from_output(%dy: tensor<4x64xf32>, %y: tensor<4x64xf32>, %rstd: tensor<4xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{has a norm.cpu_schedule but no CPU kernel can run it (backward kernels: f16/bf16/f32 data with f32 statistics, not from_output, per-channel parameters for channels_last)}}
  %dx = norm.normalize_grad %dy, %y over [1] rstd(%rstd) params [1] scale(%w) {from_output, center = false, norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false>} : (tensor<4x64xf32>, tensor<4x64xf32>, tensor<4xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %dx : tensor<4x64xf32>
}

// -----

// even_odd is a lane order of bf16 vectors; f32 data have none.
func.func @even_odd_f32(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{has a norm.cpu_schedule with even_odd, which needs bf16 data, not 'f32'}}
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 1, block = 64, nontemporal = false, even_odd = true>} : (tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
