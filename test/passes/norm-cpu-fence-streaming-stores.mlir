// RUN: norm-opt %s --norm-to-cpu | FileCheck %s

// A kernel with streaming stores ends each parallel iteration with a fence;
// one without gets none.
// CHECK-LABEL: llvm.func @streaming
// CHECK: omp.loop_nest
// CHECK: llvm.store {{.*}} {alignment = 32 : i64, nontemporal}
// CHECK: llvm.fence seq_cst
// CHECK-LABEL: llvm.func @regular
// CHECK-NOT: llvm.fence
// CHECK: llvm.return
func.func @streaming(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = true>} : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

func.func @regular(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false>} : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}
