// The named ops' canonicalizations rewrite them into norm.normalize; dead
// pure norm ops fold away.
// RUN: norm-opt -canonicalize -split-input-file %s | FileCheck %s

// CHECK-LABEL: func @named_to_generic
// CHECK-NOT: norm.layer_norm
// CHECK: %[[Y:.+]] = norm.normalize %{{.+}} over [1] params [1] scale(%{{.+}}) :
// CHECK: return %[[Y]]
func.func @named_to_generic(%x: tensor<4x8xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = norm.layer_norm %x scale(%w) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func @dead_ops_removed
// CHECK-NEXT: return %arg0
func.func @dead_ops_removed(%x: tensor<4x8x3xf32>) -> tensor<4x8x3xf32> {
  %a = norm.group_norm %x {num_groups = 2 : i64} : (tensor<4x8x3xf32>) -> tensor<4x8x3xf32>
  %m, %v = norm.moments %x over [0, 2] : tensor<4x8x3xf32> -> tensor<8xf32>, tensor<8xf32>
  %b = norm.activation silu %x : tensor<4x8x3xf32>
  return %x : tensor<4x8x3xf32>
}

// -----

// CHECK-LABEL: func @chain_of_named
// CHECK-COUNT-2: norm.normalize
// CHECK-NOT: norm.instance_norm
// CHECK-NOT: norm.rms_norm
func.func @chain_of_named(%x: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
  %a = norm.instance_norm %x : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %b = norm.rms_norm %a : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  return %b : tensor<2x4x6xf32>
}
