// RUN: norm-opt %s --norm-expand-bf16-truncation --split-input-file | FileCheck %s

// A vector f32 -> bf16 truncation becomes round-to-nearest-even integer
// arithmetic with a NaN blend in the i32 lanes and one narrowing; no
// arith.truncf and no select remain.
// CHECK-LABEL: func.func @vector
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.select
// CHECK-DAG: %[[QUIET:.*]] = arith.constant dense<4194304> : vector<16xi32>
// CHECK-DAG: %[[HALF:.*]] = arith.constant dense<32767> : vector<16xi32>
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1> : vector<16xi32>
// CHECK-DAG: %[[SIXTEEN:.*]] = arith.constant dense<16> : vector<16xi32>
// CHECK: %[[BITS:.*]] = arith.bitcast %arg0 : vector<16xf32> to vector<16xi32>
// CHECK: %[[HIGH:.*]] = arith.shrui %[[BITS]], %[[SIXTEEN]]
// CHECK: %[[LSB:.*]] = arith.andi %[[HIGH]], %[[ONE]]
// CHECK: %[[BIAS:.*]] = arith.addi %[[LSB]], %[[HALF]]
// CHECK: arith.addi %[[BITS]], %[[BIAS]]
// CHECK: arith.ori %[[BITS]], %[[QUIET]]
// CHECK: arith.cmpf uno, %arg0, %arg0 : vector<16xf32>
// CHECK: arith.extsi {{.*}} : vector<16xi1> to vector<16xi32>
// CHECK: arith.trunci {{.*}} : vector<16xi32> to vector<16xi16>
// CHECK: arith.bitcast {{.*}} : vector<16xi16> to vector<16xbf16>
func.func @vector(%x: vector<16xf32>) -> vector<16xbf16> {
  %y = arith.truncf %x : vector<16xf32> to vector<16xbf16>
  return %y : vector<16xbf16>
}

// -----

// Scalars too; f64 goes through f32 first.
// CHECK-LABEL: func.func @scalar_f64
// CHECK: %[[F32:.*]] = arith.truncf %arg0 : f64 to f32
// CHECK: arith.bitcast %[[F32]] : f32 to i32
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast {{.*}} : i16 to bf16
func.func @scalar_f64(%x: f64) -> bf16 {
  %y = arith.truncf %x : f64 to bf16
  return %y : bf16
}

// -----

// Other truncations are left alone.
// CHECK-LABEL: func.func @f16
// CHECK-NEXT: arith.truncf %arg0 : vector<8xf32> to vector<8xf16>
func.func @f16(%x: vector<8xf32>) -> vector<8xf16> {
  %y = arith.truncf %x : vector<8xf32> to vector<8xf16>
  return %y : vector<8xf16>
}
