// RUN: norm-opt %s --convert-norm-to-cpu-kernels --split-input-file | FileCheck %s

// LayerNorm + residual add before it + ReLU after it: one kernel. The
// statistics are computed in it (no norm.moments left), the input is read
// as lhs + rhs (no norm.add), ReLU runs on the output vectors, and the
// outputs are fresh buffers returned as tensors.
// CHECK-LABEL: func.func @add_layer_norm_relu
// CHECK-NOT: norm.
// CHECK-DAG: %[[X:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[R:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK-DAG: %[[Y:.*]] = memref.alloc() : memref<32x64xf32>
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f64)
// CHECK: vector.load {{.*}} : memref<2048xf32>, vector<8xf32>
// CHECK: vector.load {{.*}} : memref<2048xf32>, vector<8xf32>
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc>
// CHECK: math.sqrt
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK: bufferization.to_tensor %[[Y]] restrict writable
// CHECK-NOT: norm.
// CHECK: return
func.func @add_layer_norm_relu(%x: tensor<32x64xf32>, %r: tensor<32x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<32x64xf32> {
  %h = norm.add %x, %r : tensor<32x64xf32>
  %y = norm.normalize %h over [1] params [1] scale(%w) bias(%b) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 2, row_chunks = 4, block = 4096, nontemporal = false>} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %a = norm.activation relu %y : tensor<32x64xf32>
  return %a : tensor<32x64xf32>
}

// -----

// Inference BatchNorm NHWC (given statistics): no statistics pass, only the
// coefficients and the output pass; bf16 data are widened to f32 and
// the output narrowed by arith.truncf (the CPU backend expands it where
// the target lacks AVX512-BF16).
// CHECK-LABEL: func.func @batch_norm_infer_nhwc
// CHECK-NOT: vector.reduction
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK: scf.parallel
// CHECK: math.sqrt
// CHECK: scf.parallel
// CHECK: vector.load {{.*}} : memref<512xbf16>, vector<4xbf16>
// CHECK: arith.extf {{.*}} : vector<4xbf16> to vector<4xf32>
// CHECK: math.fma
// CHECK: arith.truncf {{.*}} : vector<4xf32> to vector<4xbf16>
// CHECK: vector.store
func.func @batch_norm_infer_nhwc(%x: tensor<2x4x4x16xbf16>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<2x4x4x16xbf16> {
  %y = norm.apply %x over [0, 1, 2] mean(%m) var(%v) {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 4, unroll = 1, row_chunks = 2, block = 256, nontemporal = false>} : (tensor<2x4x4x16xbf16>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x4x4x16xbf16>
  return %y : tensor<2x4x4x16xbf16>
}

// -----

// Streaming stores: scalar stores up to the first 32-byte aligned element
// of the output, then aligned non-temporal vector stores.
// CHECK-LABEL: func.func @streaming
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: memref.store
// CHECK: vector.store {{.*}} {alignment = 32 : i64, nontemporal = true}
func.func @streaming(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = true>} : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

// -----

// prefetch = 256: the output pass prefetches the input 256 elements ahead
// of every vector it loads; the distance is clamped once per span so that
// the span's prefetches stay in the tensor (start <= 400 - 100).
// CHECK-LABEL: func.func @prefetch
// CHECK: vector.reduction
// CHECK: %[[LAST:.*]] = arith.constant 300 : index
// CHECK: %[[AHEAD:.*]] = arith.constant 256 : index
// CHECK: %[[AT:.*]] = arith.addi %[[BASE:.*]], %[[AHEAD]] : index
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[AT]], %[[LAST]] : index
// CHECK: %[[DELTA:.*]] = arith.subi %[[CLAMPED]], %[[BASE]] : index
// CHECK: scf.for %[[I:.*]] = %[[BASE]] to
// CHECK: %[[P:.*]] = arith.addi %[[I]], %[[DELTA]] : index
// CHECK: memref.prefetch %{{.*}}[%[[P]]], read, locality<3>, data : memref<400xf32>
// CHECK-NOT: write
// CHECK: vector.load %{{.*}}[%[[I]]]
func.func @prefetch(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false, prefetch = 256>} : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

// -----

// prefetch_output = 64: the output pass also prefetches y for writing 64
// elements ahead of every vector it stores, with its own clamp to the tensor.
// CHECK-LABEL: func.func @prefetch_output
// CHECK: %[[Y:[a-z_0-9]+]] = memref.reinterpret_cast %alloc to offset: [0], sizes: [400]
// CHECK: %[[AHEAD:.*]] = arith.constant 64 : index
// CHECK: %[[AT:.*]] = arith.addi %[[BASE:.*]], %[[AHEAD]] : index
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[AT]], %{{.*}} : index
// CHECK: %[[DELTA:.*]] = arith.subi %[[CLAMPED]], %[[BASE]] : index
// CHECK: scf.for %[[I:.*]] = %[[BASE]] to
// CHECK: memref.prefetch %{{.*}}, read, locality<3>, data : memref<400xf32>
// CHECK: %[[P:.*]] = arith.addi %[[I]], %[[DELTA]] : index
// CHECK: memref.prefetch %[[Y]][%[[P]]], write, locality<3>, data : memref<400xf32>
// CHECK: vector.store %{{.*}}, %[[Y]][%[[I]]]
func.func @prefetch_output(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false, prefetch = 256, prefetch_output = 64>} : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

// -----

// The backward's output pass prefetches dx, the channels_last one too.
// CHECK-LABEL: func.func @prefetch_output_grad
// CHECK: %[[DX:[a-z_0-9]+]] = memref.reinterpret_cast %alloc to offset: [0], sizes: [512]
// CHECK: memref.prefetch %[[DX]][%{{.*}}], write, locality<3>, data : memref<512xf32>
// CHECK: vector.store %{{.*}}, %[[DX]]
func.func @prefetch_output_grad(%dy: tensor<8x64xf32>, %x: tensor<8x64xf32>, %mean: tensor<8xf32>, %rstd: tensor<8xf32>, %w: tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%mean) rstd(%rstd) params [1] scale(%w) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false, prefetch_output = 32>} : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8xf32>, tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return %dx, %dw, %db : tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

// CHECK-LABEL: func.func @prefetch_output_channels_last
// CHECK: %[[Y:[a-z_0-9]+]] = memref.reinterpret_cast %alloc to offset: [0], sizes: [512]
// CHECK: memref.prefetch %[[Y]][%{{.*}}], write, locality<3>, data : memref<512xf32>
// CHECK: vector.store %{{.*}}, %[[Y]]
func.func @prefetch_output_channels_last(%x: tensor<2x4x4x16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<2x4x4x16xf32> {
  %y = norm.apply %x over [0, 1, 2] mean(%m) var(%v) {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 1, row_chunks = 2, block = 256, nontemporal = false, prefetch_output = 16>} : (tensor<2x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x4x4x16xf32>
  return %y : tensor<2x4x4x16xf32>
}

// -----

// merged_moments: blocks of 32 of each row; per block the mean (sum / nb;
// that first pass prefetches ahead, the slab being larger than L2 where the
// cost model picks this), its squared deviations (from L1; they prefetch
// the next block, 32 elements ahead but not past the last block's start,
// 400 - 32), then Chan's merge of (n, mean, M2) in f64; the variance is
// M2 / 100 after the last block.
// CHECK-LABEL: func.func @merged_moments
// CHECK: scf.for {{.*}} step %c32{{.*}} iter_args(%[[N:.*]] = %{{.*}}, %[[MEAN:.*]] = %{{.*}}, %[[M2:.*]] = %{{.*}}) -> (f64, f64, f64)
// CHECK: %[[NB:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK: memref.prefetch %{{.*}}, read
// CHECK: vector.reduction <add>
// CHECK: %[[SUM:.*]] = arith.extf %{{.*}} : f32 to f64
// CHECK: %[[MEANB:.*]] = arith.divf %[[SUM]], %[[NB]] : f64
// CHECK: %[[AHEAD:.*]] = arith.addi %[[BLOCK:.*]], %c32{{.*}} : index
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[AHEAD]], %c368{{.*}} : index
// CHECK: arith.subi %[[CLAMPED]], %[[BLOCK]] : index
// CHECK: scf.for
// CHECK: memref.prefetch %{{.*}}, read
// CHECK: math.fma
// CHECK: %[[TOTAL:.*]] = arith.addf %[[N]], %[[NB]] : f64
// CHECK: %[[D:.*]] = arith.subf %[[MEANB]], %[[MEAN]] : f64
// CHECK: %[[SHARE:.*]] = arith.divf %[[NB]], %[[TOTAL]] : f64
// CHECK: %[[STEP:.*]] = arith.mulf %[[D]], %[[SHARE]] : f64
// CHECK: %[[NEXTMEAN:.*]] = arith.addf %[[MEAN]], %[[STEP]] : f64
// CHECK: %[[M2B:.*]] = arith.extf %{{.*}} : f32 to f64
// CHECK: %[[PART:.*]] = arith.addf %[[M2]], %[[M2B]] : f64
// CHECK: %[[D2:.*]] = arith.mulf %[[D]], %[[D]] : f64
// CHECK: %[[W:.*]] = arith.mulf %[[N]], %[[SHARE]] : f64
// CHECK: %[[CROSS:.*]] = arith.mulf %[[D2]], %[[W]] : f64
// CHECK: %[[NEXTM2:.*]] = arith.addf %[[PART]], %[[CROSS]] : f64
// CHECK: scf.yield %[[TOTAL]], %[[NEXTMEAN]], %[[NEXTM2]] : f64, f64, f64
// CHECK: %[[COUNT:.*]] = arith.constant 1.000000e+02 : f64
// CHECK: arith.divf %{{.*}}#2, %[[COUNT]] : f64
func.func @merged_moments(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 32, nontemporal = false, prefetch = 64, merged_moments = true>} : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

// -----

// Ops without a schedule are left to convert-norm-to-linalg.
// CHECK-LABEL: func.func @unscheduled
// CHECK: norm.normalize
func.func @unscheduled(%x: tensor<4x100xf32>) -> tensor<4x100xf32> {
  %y = norm.normalize %x over [1] : (tensor<4x100xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

// -----

// Moments without an apply of the same input (a backward pass recomputing
// the statistics): a statistics-only kernel, no output pass. The squared
// deviations accumulate as one FMA per vector.
// CHECK-LABEL: func.func @moments_only
// CHECK-NOT: norm.moments
// CHECK: scf.parallel
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc>
// CHECK: %[[D:.*]] = arith.subf {{.*}} : vector<8xf32>
// CHECK: math.fma %[[D]], %[[D]], %{{.*}} : vector<8xf32>
// CHECK-NOT: vector.store
// CHECK: bufferization.to_tensor {{.*}} restrict writable
// CHECK: bufferization.to_tensor {{.*}} restrict writable
func.func @moments_only(%x: tensor<8x64xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %m, %v = norm.moments %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false>} : tensor<8x64xf32> -> tensor<8xf32>, tensor<8xf32>
  return %m, %v : tensor<8xf32>, tensor<8xf32>
}

// -----

// The backward kernel: sums of g and g * xhat per statistic, dx, and the
// per-run partial parameter gradients added in f64 at the end.
// CHECK-LABEL: func.func @layer_norm_grad
// CHECK-NOT: norm.normalize_grad
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<128xf32>
// CHECK: scf.parallel
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: scf.parallel
// CHECK: arith.extf {{.*}} : f32 to f64
func.func @layer_norm_grad(%dy: tensor<8x64xf32>, %x: tensor<8x64xf32>, %mean: tensor<8xf32>, %rstd: tensor<8xf32>, %w: tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%mean) rstd(%rstd) params [1] scale(%w) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false>} : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8xf32>, tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return %dx, %dw, %db : tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

// The channels_last backward: per-channel sums of dy and dy * xhat over row
// chunks, per-statistic coefficients, then dx = a dy + b (x - mean) + c and
// the per-channel parameter gradients.
// CHECK-LABEL: func.func @batch_norm_grad_nhwc
// CHECK-NOT: norm.normalize_grad
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<32xf64>
// CHECK: scf.parallel
// CHECK: vector.load {{.*}} : memref<512xf32>, vector<8xf32>
// CHECK: scf.parallel
// CHECK: arith.negf
// CHECK: scf.parallel
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: scf.parallel
func.func @batch_norm_grad_nhwc(%dy: tensor<2x4x4x16xf32>, %x: tensor<2x4x4x16xf32>, %mean: tensor<16xf32>, %rstd: tensor<16xf32>, %w: tensor<16xf32>) -> (tensor<2x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [0, 1, 2] mean(%mean) rstd(%rstd) params [3] scale(%w) {norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 1, row_chunks = 2, block = 256, nontemporal = false>} : (tensor<2x4x4x16xf32>, tensor<2x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return %dx, %dw, %db : tensor<2x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// channels_last with one row chunk: each sample's sums, statistics (a loop
// over its groups) and output run back to back in one parallel loop over
// the samples, so the second read of a sample hits the cache; the output
// streams.
// CHECK-LABEL: func.func @group_norm_nhwc_per_outer
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK: scf.for
// CHECK: math.sqrt
// CHECK: vector.store {{.*}} {alignment = 32 : i64, nontemporal = true}
// CHECK: scf.reduce
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @group_norm_nhwc_per_outer(%x: tensor<2x4x4x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<2x4x4x16xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %y, %m, %v = norm.normalize %x over [1, 2, 3] params [3] scale(%w) bias(%b) {groups = #norm.groups<axis = 3, count = 4>, norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 1, block = 256, nontemporal = true>} : (tensor<2x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x4x4x16xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
  return %y, %m, %v : tensor<2x4x4x16xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Given statistics over strided spans (BatchNorm inference NCHW): rstd of
// every channel first, then the spans in memory order, parallel over the
// (n) rows with every channel of each, so the output is one stream.
// CHECK-LABEL: func.func @batch_norm_infer_nchw_memory_order
// CHECK: %[[RSTD:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4xf32>
// CHECK: scf.for
// CHECK: math.sqrt
// CHECK: memref.store {{.*}}, %[[RSTD]]
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load %[[RSTD]]
// CHECK: memref.prefetch
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK-NOT: math.sqrt
// CHECK: return
func.func @batch_norm_infer_nchw_memory_order(%x: tensor<2x4x8x8xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %w: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x4x8x8xf32> {
  %y = norm.apply %x over [0, 2, 3] mean(%m) var(%v) params [1] scale(%w) bias(%b) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false, prefetch = 4096>} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  return %y : tensor<2x4x8x8xf32>
}

// -----

// even_odd: a vector of 16 bf16 is 8 i32 words; the even elements are the
// words shifted left by 16, the odd ones the words' upper halves, so the
// f32 vector holds elements 0, 2, ..., 14, 1, 3, ..., 15. The f32 parameter
// is copied once into that order (16-, 8- and 4-lane pieces, then scalars,
// as every row splits), and the rows read the copy as it is. The output
// rounds in the i32 lanes, then puts the even lanes' upper halves in the
// low half of each word and the odd lanes' in the high half: memory order
// again, with no shuffle.
// CHECK-LABEL: func.func @even_odd
// CHECK: %[[W:.*]] = memref.reinterpret_cast {{.*}} : memref<40xf32> to memref<40xf32>
// CHECK: %[[COPY:.*]] = memref.alloc() {alignment = 64 : i64} : memref<40xf32>
// CHECK: %[[WL:.*]] = vector.load %[[W]][%{{.*}}] : memref<40xf32>, vector<16xf32>
// CHECK-NEXT: %[[WS:.*]] = vector.shuffle %[[WL]], %[[WL]] [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15]
// CHECK-NEXT: vector.store %[[WS]], %[[COPY]]
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 1, 3, 5, 7] : vector<8xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 1, 3] : vector<4xf32>
// CHECK: scf.parallel
// CHECK: %[[XV:.*]] = vector.load {{.*}} : memref<160xbf16>, vector<16xbf16>
// CHECK: %[[WORDS:.*]] = vector.bitcast %[[XV]] : vector<16xbf16> to vector<8xi32>
// CHECK: %[[EVEN:.*]] = arith.shli %[[WORDS]], %{{.*}} : vector<8xi32>
// CHECK: %[[ODD:.*]] = arith.andi %[[WORDS]], %{{.*}} : vector<8xi32>
// CHECK: %[[BOTH:.*]] = vector.shuffle %[[EVEN]], %[[ODD]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// CHECK: arith.bitcast %[[BOTH]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[WV:.*]] = vector.load %[[COPY]][%{{.*}}] : memref<40xf32>, vector<16xf32>
// CHECK-NEXT: arith.mulf %{{.*}}, %[[WV]] : vector<16xf32>
// CHECK: arith.cmpf uno
// CHECK: arith.xori
// CHECK: %[[R:.*]] = arith.xori
// CHECK: %[[LO:.*]] = vector.shuffle %[[R]], %[[R]] [0, 1, 2, 3, 4, 5, 6, 7]
// CHECK: %[[HI:.*]] = vector.shuffle %[[R]], %[[R]] [8, 9, 10, 11, 12, 13, 14, 15]
// CHECK: %[[LOW:.*]] = arith.shrui %[[LO]], %{{.*}} : vector<8xi32>
// CHECK: %[[HIGH:.*]] = arith.andi %[[HI]], %{{.*}} : vector<8xi32>
// CHECK: %[[OUT:.*]] = arith.ori %[[LOW]], %[[HIGH]] : vector<8xi32>
// CHECK: %[[Y:.*]] = vector.bitcast %[[OUT]] : vector<8xi32> to vector<16xbf16>
// CHECK: vector.store %[[Y]], {{.*}} : memref<160xbf16>, vector<16xbf16>
// The half-width tail: 8 bf16 as 4 words.
// CHECK: vector.bitcast {{.*}} : vector<8xbf16> to vector<4xi32>
func.func @even_odd(%x: tensor<4x40xbf16>, %w: tensor<40xf32>) -> tensor<4x40xbf16> {
  %y = norm.normalize %x over [1] params [1] scale(%w) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 16, unroll = 1, row_chunks = 2, block = 4096, nontemporal = false, even_odd = true>} : (tensor<4x40xbf16>, tensor<40xf32>) -> tensor<4x40xbf16>
  return %y : tensor<4x40xbf16>
}

// -----

// A bf16 backward in even/odd lanes: the per-run partial parameter
// gradients keep that lane order (loaded, updated and stored with no
// shuffle); the final reduction sums them over the runs in f64 vectors and
// shuffles each vector back to memory order once.
// CHECK-LABEL: func.func @even_odd_grad_lane_partials
// CHECK: %[[DW:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK: %[[P:.*]] = vector.load %[[DW]][%{{.*}}] : memref<64xf32>, vector<16xf32>
// CHECK-NEXT: %[[U:.*]] = math.fma %{{.*}}, %{{.*}}, %[[P]] : vector<16xf32>
// CHECK-NEXT: vector.store %[[U]], %[[DW]][%{{.*}}] : memref<64xf32>, vector<16xf32>
// CHECK: scf.parallel
// CHECK: %[[R:.*]] = vector.load %[[DW]][%{{.*}}] : memref<64xf32>, vector<16xf32>
// CHECK-NEXT: arith.extf %[[R]] : vector<16xf32> to vector<16xf64>
// CHECK: %[[S:.*]] = arith.truncf %{{.*}} : vector<16xf64> to vector<16xf32>
// CHECK-NEXT: vector.shuffle %[[S]], %[[S]] [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]
func.func @even_odd_grad_lane_partials(%dy: tensor<4x32xbf16>, %x: tensor<4x32xbf16>, %m: tensor<4xf32>, %r: tensor<4xf32>, %w: tensor<32xf32>) -> (tensor<4x32xbf16>, tensor<32xf32>, tensor<32xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%m) rstd(%r) params [1] scale(%w) {batch_stats = true, norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 16, unroll = 1, row_chunks = 2, block = 4096, nontemporal = false, even_odd = true>} : (tensor<4x32xbf16>, tensor<4x32xbf16>, tensor<4xf32>, tensor<4xf32>, tensor<32xf32>) -> (tensor<4x32xbf16>, tensor<32xf32>, tensor<32xf32>)
  return %dx, %dw, %db : tensor<4x32xbf16>, tensor<32xf32>, tensor<32xf32>
}

// -----

// With streaming stores the rows split at dx's alignment, so the partial
// parameter-gradient rows (cache-line aligned, one vector longer) are used
// from dx's misalignment on: their vectors are whole lines wherever dx's
// are, even when dx starts mid-vector.
// CHECK-LABEL: func.func @layer_norm_grad_streaming
// CHECK: %[[FULL:.*]] = memref.alloc() {alignment = 64 : i64} : memref<136xf32>
// CHECK: %[[DX:.*]] = memref.extract_aligned_pointer_as_index
// CHECK: %[[MIS:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[PEEL:.*]] = arith.minui
// CHECK: %[[BACK:.*]] = arith.subi %c8{{.*}}, %[[PEEL]]
// CHECK: %[[SHIFT:.*]] = arith.remui %[[BACK]], %c8
// CHECK: memref.subview %[[FULL]][%[[SHIFT]]] [128] [1] : memref<136xf32> to memref<128xf32, strided<[1], offset: ?>>
func.func @layer_norm_grad_streaming(%dy: tensor<8x64xf32>, %x: tensor<8x64xf32>, %mean: tensor<8xf32>, %rstd: tensor<8xf32>, %w: tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [1] mean(%mean) rstd(%rstd) params [1] scale(%w) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = true>} : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8xf32>, tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return %dx, %dw, %db : tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

// bf16 in memory order (native conversion): the sums still widen x as
// even/odd lanes (their order does not matter), the bf16 parameters are
// copied to f32 once, and the output pass reads x in memory order.
// CHECK-LABEL: func.func @bf16_memory_order
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK: scf.parallel
// CHECK: %[[XV:.*]] = vector.load {{.*}} : memref<256xbf16>, vector<16xbf16>
// CHECK: vector.bitcast %[[XV]] : vector<16xbf16> to vector<8xi32>
// CHECK: vector.reduction <add>
// CHECK: math.fma
// CHECK: vector.load {{.*}} : memref<256xbf16>, vector<16xbf16>
// CHECK: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK: vector.load {{.*}} : memref<64xf32>, vector<16xf32>
// CHECK: vector.load {{.*}} : memref<64xf32>, vector<16xf32>
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
func.func @bf16_memory_order(%x: tensor<4x64xbf16>, %w: tensor<64xbf16>, %b: tensor<64xbf16>) -> tensor<4x64xbf16> {
  %y = norm.normalize %x over [1] params [1] scale(%w) bias(%b) {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 16, unroll = 1, row_chunks = 2, block = 4096, nontemporal = false>} : (tensor<4x64xbf16>, tensor<64xbf16>, tensor<64xbf16>) -> tensor<4x64xbf16>
  return %y : tensor<4x64xbf16>
}
