// RUN: norm-opt --norm-emit-c-interface %s | FileCheck %s

// CHECK-LABEL: func @defined
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @defined() {
  return
}

// Declarations are left alone.
// CHECK: func.func private @negative_declared()
// CHECK-NOT: llvm.emit_c_interface
func.func private @negative_declared()
