// End to end on the CPU: conv2d (padding, groups) -> BatchNorm with batch
// statistics -> activations, NCHW, run by mlir-runner. Values follow from
// the definitions (see the comments at each check).
// RUN: norm-opt %s --norm-to-cpu | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils,%libomp | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @print(%t: tensor<1x2x2x2xf32>) {
  %m = bufferization.to_buffer %t : tensor<1x2x2x2xf32> to memref<1x2x2x2xf32>
  %u = memref.cast %m : memref<1x2x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  // Channel 0 holds 1..4, channel 1 holds 10, 20, 30, 40.
  %x = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[10.0, 20.0], [30.0, 40.0]]]]> : tensor<1x2x2x2xf32>
  // Depthwise 3x3 box filter with zero padding 1: every output is the sum of
  // its channel (2x2 inputs all lie within each 3x3 window), plus the bias.
  %w = arith.constant dense<1.0> : tensor<2x1x3x3xf32>
  %b = arith.constant dense<[0.5, -100.0]> : tensor<2xf32>
  // CHECK: [10.5,{{ +}}10.5]
  // CHECK: [0,{{ +}}0]
  %c = norm.conv2d nchw %x, %w bias(%b) {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x2x2x2xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  call @print(%c) : (tensor<1x2x2x2xf32>) -> ()
  // BatchNorm of x over N, H, W: channel 0 -> (x - 2.5) / sqrt(1.25),
  // channel 1 -> (x - 25) / sqrt(125): the same four values.
  // CHECK: [-1.3416{{[0-9]*}},{{ +}}-0.4472{{[0-9]*}}]
  // CHECK-NEXT: [0.4472{{[0-9]*}},{{ +}}1.3416{{[0-9]*}}]
  // CHECK-NEXT: [-1.3416{{[0-9]*}},{{ +}}-0.4472{{[0-9]*}}]
  %n = norm.batch_norm %x {epsilon = 1.0e-12 : f64} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  call @print(%n) : (tensor<1x2x2x2xf32>) -> ()
  // relu of the normalized values.
  // CHECK: [0,{{ +}}0]
  // CHECK-NEXT: [0.4472{{[0-9]*}},{{ +}}1.3416{{[0-9]*}}]
  %r = norm.activation relu %n : tensor<1x2x2x2xf32>
  call @print(%r) : (tensor<1x2x2x2xf32>) -> ()
  // sigmoid(0) = 0.5 in all of the conv's zero channel; silu(0) = 0.
  // CHECK: [0.5,{{ +}}0.5]
  %s = norm.activation sigmoid %c : tensor<1x2x2x2xf32>
  call @print(%s) : (tensor<1x2x2x2xf32>) -> ()
  return
}
