// RUN: norm-opt --norm-copy-aliased-results %s | FileCheck %s

// CHECK-LABEL: func @aliased
// CHECK-SAME: (%[[A:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[S:.+]] = norm.add %[[A]], %[[B]]
// CHECK: %[[C1:.+]] = linalg.copy ins(%[[S]] : tensor<4xf32>)
// CHECK: %[[C2:.+]] = linalg.copy ins(%[[A]] : tensor<4xf32>)
// CHECK: return %[[S]], %[[C1]], %[[C2]]
func.func @aliased(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %s = norm.add %a, %b : tensor<4xf32>
  return %s, %s, %a : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func @negative_distinct
// CHECK-NOT: linalg.copy
func.func @negative_distinct(%a: tensor<4xf32>) -> tensor<4xf32> {
  %s = norm.add %a, %a : tensor<4xf32>
  return %s : tensor<4xf32>
}
