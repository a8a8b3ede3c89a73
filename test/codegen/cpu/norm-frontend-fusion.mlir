// The activation and the residual add that consume a normalization run in
// the same kernel (linalg.generic) as its output pass.
// RUN: norm-opt %s --norm-frontend | FileCheck %s

// CHECK-LABEL: func @layer_norm_gelu_residual
// CHECK-SAME: (%[[X:.+]]: tensor<8x16xf32>, %[[R:.+]]: tensor<8x16xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {{.+}} ins(%[[X]], %[[R]] :
// CHECK: iterator_types = ["parallel", "reduction"]} ins(%[[SUM]] :
// CHECK: iterator_types = ["parallel", "reduction"]} ins(%[[SUM]], %{{.+}} :
// The output pass reads the normalized input, the statistics and the
// residual, and applies rsqrt, the affine-free normalization, GELU and the add.
// CHECK: %[[Y:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]} ins(%[[SUM]], %{{.+}}, %{{.+}}, %[[R]] :
// CHECK:   math.rsqrt
// CHECK:   math.tanh
// CHECK:   arith.addf
// CHECK:   linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @layer_norm_gelu_residual(%x: tensor<8x16xf32>, %r: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %a = norm.add %x, %r : tensor<8x16xf32>
  %y = norm.layer_norm %a : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %z = norm.activation gelu_tanh %y : tensor<8x16xf32>
  %w = norm.add %z, %r : tensor<8x16xf32>
  return %w : tensor<8x16xf32>
}
