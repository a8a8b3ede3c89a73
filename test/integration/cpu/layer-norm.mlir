// End to end on the CPU: LayerNorm, RMSNorm and GroupNorm through
// norm-to-cpu, run by mlir-runner. Expected values follow from the
// definitions: for x = [1, 2, 3, 4], mean 2.5 and biased variance 1.25.
// RUN: norm-opt %s --norm-to-cpu | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils,%libomp | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @print(%t: tensor<2x4xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x4xf32> to memref<2x4xf32>
  %u = memref.cast %m : memref<2x4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [10.0, 10.0, 10.0, 10.0]]> : tensor<2x4xf32>
  %w = arith.constant dense<[1.0, 2.0, 1.0, 1.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.0, 0.0, 0.5]> : tensor<4xf32>
  // (x - 2.5) / sqrt(1.25) * w + b; a constant row normalizes to 0 (+ b).
  // CHECK: [-1.3416{{[0-9]*}},{{ +}}-0.8944{{[0-9]*}},{{ +}}0.4472{{[0-9]*}},{{ +}}1.8416{{[0-9]*}}]
  // CHECK-NEXT: [0,{{ +}}0,{{ +}}0,{{ +}}0.5]
  %y = norm.layer_norm %x scale(%w) bias(%b) {epsilon = 1.0e-12 : f64}
      : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  call @print(%y) : (tensor<2x4xf32>) -> ()
  // x / sqrt(E[x^2]): E[x^2] = 7.5 for the first row, 100 for the second.
  // CHECK: [0.3651{{[0-9]*}},{{ +}}0.7302{{[0-9]*}},{{ +}}1.0954{{[0-9]*}},{{ +}}1.4605{{[0-9]*}}]
  // CHECK-NEXT: [1,{{ +}}1,{{ +}}1,{{ +}}1]
  %r = norm.rms_norm %x {epsilon = 1.0e-12 : f64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  call @print(%r) : (tensor<2x4xf32>) -> ()
  // Two groups of two: [1, 2] -> [-1, 1] and [3, 4] -> [-1, 1].
  // CHECK: [-1,{{ +}}1,{{ +}}-1,{{ +}}1]
  // CHECK-NEXT: [0,{{ +}}0,{{ +}}0,{{ +}}0]
  %g = norm.group_norm %x {num_groups = 2 : i64, epsilon = 1.0e-12 : f64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  call @print(%g) : (tensor<2x4xf32>) -> ()
  return
}
