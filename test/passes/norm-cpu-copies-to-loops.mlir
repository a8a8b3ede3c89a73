// RUN: norm-opt --pass-pipeline="builtin.module(func.func(norm-cpu-copies-to-loops))" %s | FileCheck %s

// CHECK-LABEL: func @strided_copy
// CHECK-SAME: (%[[A:.+]]: memref<4x4xf32, strided<[8, 1]>>, %[[B:.+]]: memref<4x4xf32>)
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[A]] : memref<4x4xf32, strided<[8, 1]>>) outs(%[[B]] : memref<4x4xf32>)
func.func @strided_copy(%a: memref<4x4xf32, strided<[8, 1]>>, %b: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}
