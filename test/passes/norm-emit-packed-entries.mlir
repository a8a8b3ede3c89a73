// RUN: norm-opt --norm-emit-packed-entries -split-input-file -verify-diagnostics %s | FileCheck %s

// CHECK-LABEL: llvm.func @normc_f(%{{.+}}: !llvm.ptr)
// CHECK: %[[P0:.+]] = llvm.getelementptr %{{.+}}[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[A0:.+]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.+]] = llvm.getelementptr %{{.+}}[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[A1:.+]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_f(%[[A0]], %[[A1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK: llvm.return
llvm.func @_mlir_ciface_f(%a: !llvm.ptr, %b: !llvm.ptr) {
  llvm.return
}
// Declarations and other functions get no packed entry.
// CHECK-NOT: @normc_g
// CHECK-NOT: @normc_negative_external
llvm.func @g(%a: !llvm.ptr) {
  llvm.return
}
llvm.func @_mlir_ciface_negative_external(!llvm.ptr)

// -----

// expected-error @+1 {{C interface '_mlir_ciface_bad' does not take only descriptor pointers and return void}}
llvm.func @_mlir_ciface_bad(%a: i64) {
  llvm.return
}
