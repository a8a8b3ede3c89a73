// RUN: norm-opt %s --convert-norm-to-cpu-kernels --canonicalize --split-input-file | FileCheck %s

// A LayerNorm without scale or bias has parameter axes but no parameters:
// its rows are one chunk, so the output pass is vector code over the whole
// row. (It was one chunk per element, each a scalar loop of one: 20x
// slower than with parameters.)
// CHECK-LABEL: func.func @layer_norm_no_affine
// CHECK-NOT: to %c64 step %c1
// CHECK: scf.for {{.*}} step %c8 {
// CHECK: vector.store {{.*}} : memref<256xf32>, vector<8xf32>
func.func @layer_norm_no_affine(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %y = norm.normalize %x over [1] params [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 2, row_chunks = 2, block = 4096, nontemporal = false>} : (tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Its backward: the sums of dy and dy * xhat and the dx pass run over the
// whole row with vectors, not one element per chunk.
// CHECK-LABEL: func.func @layer_norm_no_affine_grad
// CHECK-NOT: to %c64 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8 {
// CHECK: vector.store {{.*}} : memref<256xf32>, vector<8xf32>
func.func @layer_norm_no_affine_grad(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %m: tensor<4xf32>, %r: tensor<4xf32>) -> tensor<4x64xf32> {
  %dx = norm.normalize_grad %dy, %x over [1] mean(%m) rstd(%r) params [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 2, row_chunks = 2, block = 4096, nontemporal = false>} : (tensor<4x64xf32>, tensor<4x64xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4x64xf32>
  return %dx : tensor<4x64xf32>
}
