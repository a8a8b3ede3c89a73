// RUN: norm-opt %s --norm-canonicalize-named --norm-specialize-mode=mode=train --norm-cpu-schedule="cpu=x86-64 vector-width=8 threads=2" | FileCheck %s
// RUN: norm-opt %s --norm-canonicalize-named --norm-specialize-mode=mode=train --norm-cpu-schedule="cpu=x86-64 vector-width=8 threads=2 llc-bytes=8192" | FileCheck %s --check-prefix=SMALL-LLC
// RUN: norm-opt %s --norm-canonicalize-named --norm-specialize-mode=mode=train --norm-cpu-schedule="cpu=x86-64 vector-width=16 threads=2 native-bf16=true" | FileCheck %s --check-prefix=NATIVE
// RUN: norm-opt %s --norm-canonicalize-named --norm-specialize-mode=mode=train --norm-cpu-schedule="cpu=x86-64 vector-width=16 threads=2 llc-bytes=503316480" | FileCheck %s --check-prefix=HUGE-LLC
// RUN: norm-opt %s --norm-canonicalize-named --norm-specialize-mode=mode=train --norm-cpu-schedule="cpu=znver4 vector-width=16 threads=2 llc-bytes=33554432" | FileCheck %s --check-prefix=ZEN4

norm.running_stats @bn : tensor<16xf32>
norm.running_stats @bn4 : tensor<4xf32>

// Rows of 64 contiguous reduced elements: the rows kernel, 8 runs per
// thread (16 of the 32 rows); the output pass prefetches 64 rows ahead
// (the whole slabs that cover 16 KiB), and the output 1 KiB ahead for
// writing.
// CHECK-LABEL: func.func @layer_norm
// CHECK: norm.normalize {{.*}}norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 16, block = 4096, nontemporal = false, prefetch = 4096, prefetch_output = 256>
func.func @layer_norm(%x: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %y = norm.layer_norm %x : (tensor<32x64xf32>) -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

// bf16 rows without native bf16 conversion: vectors hold even then odd
// elements (even_odd); a target with AVX512-BF16 keeps memory order, and
// so does channels_last (batch_norm_nhwc below).
// CHECK-LABEL: func.func @layer_norm_bf16
// CHECK: norm.normalize {{.*}}#norm.cpu_schedule<kernel = rows, vector_width = 16, {{.*}}, even_odd = true, prefetch_output = 512>
// NATIVE-LABEL: func.func @layer_norm_bf16
// NATIVE: norm.normalize {{.*}}#norm.cpu_schedule<kernel = rows, vector_width = 32, {{[^>]*}}prefetch = 8192, prefetch_output = 512>
// NATIVE-NOT: even_odd
// NATIVE-LABEL: func.func @batch_norm_nhwc
func.func @layer_norm_bf16(%x: tensor<32x64xbf16>) -> tensor<32x64xbf16> {
  %y = norm.layer_norm %x : (tensor<32x64xbf16>) -> tensor<32x64xbf16>
  return %y : tensor<32x64xbf16>
}

// NHWC BatchNorm: channels innermost; the 128 rows split into 2 chunks of
// at least 64 rows. The training form is moments + apply: both get the
// schedule (the apply's kernel computes the moments too). bf16 data: 16
// lanes (two f32 vectors) per step, in even/odd order (no streaming stores,
// so every row splits into the same vectors); prefetch 16 KiB of bf16 ahead.
// CHECK-LABEL: func.func @batch_norm_nhwc
// CHECK: norm.moments {{.*}}norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last
// CHECK: norm.apply {{.*}}norm.cpu_schedule = #norm.cpu_schedule<kernel = channels_last, vector_width = 16, unroll = 4, row_chunks = 2, block = 256, nontemporal = false, prefetch = 8192, even_odd = true, prefetch_output = 512>}
func.func @batch_norm_nhwc(%x: tensor<2x8x8x16xbf16>, %w: tensor<16xbf16>, %b: tensor<16xbf16>) -> tensor<2x8x8x16xbf16> {
  %y = norm.batch_norm %x scale(%w) bias(%b) {channel_axis = 3 : i64, running = #norm.running<@bn, momentum = 0.1>} : (tensor<2x8x8x16xbf16>, tensor<16xbf16>, tensor<16xbf16>) -> tensor<2x8x8x16xbf16>
  return %y : tensor<2x8x8x16xbf16>
}

// NHWC GroupNorm on 4 samples (2 per thread): one row chunk, so each
// sample's sums, statistics and output run back to back. Outputs of half
// the last-level cache or more stream (4 KiB of an 8 KiB cache), here as
// in the rows kernel (@layer_norm_512_byte_rows; not @layer_norm, whose
// 256-byte rows would mix scalar and streaming stores in the same lines),
// but not with row chunks, whose
// second read of x needs the outputs out of the way (BatchNorm NHWC).
// CHECK-LABEL: func.func @group_norm_nhwc
// CHECK: norm.normalize {{.*}}#norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 1, block = 256, nontemporal = false, prefetch = 4096, prefetch_output = 256>
// SMALL-LLC-LABEL: func.func @layer_norm
// SMALL-LLC: kernel = rows, {{.*}}nontemporal = false
// SMALL-LLC-LABEL: func.func @batch_norm_nhwc
// SMALL-LLC: norm.apply {{.*}}row_chunks = 2, block = 256, nontemporal = false
// SMALL-LLC-LABEL: func.func @group_norm_nhwc
// SMALL-LLC: norm.normalize {{.*}}row_chunks = 1, block = 256, nontemporal = true
func.func @group_norm_nhwc(%x: tensor<4x4x4x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<4x4x4x16xf32> {
  %y = norm.group_norm %x scale(%w) bias(%b) {num_groups = 4 : i64, channel_axis = 3 : i64} : (tensor<4x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x4x4x16xf32>
  return %y : tensor<4x4x4x16xf32>
}

// The same on bf16: even/odd lanes, except where the output streams (each
// row's vectors would then start at y's alignment).
// CHECK-LABEL: func.func @group_norm_nhwc_bf16
// CHECK: norm.normalize {{.*}}row_chunks = 1, block = 256, nontemporal = false, prefetch = 8192, even_odd = true, prefetch_output = 512>
// SMALL-LLC-LABEL: func.func @group_norm_nhwc_bf16
// SMALL-LLC: norm.normalize {{.*}}row_chunks = 1, block = 256, nontemporal = true, prefetch = 8192>
func.func @group_norm_nhwc_bf16(%x: tensor<4x4x4x32xbf16>, %w: tensor<32xbf16>, %b: tensor<32xbf16>) -> tensor<4x4x4x32xbf16> {
  %y = norm.group_norm %x scale(%w) bias(%b) {num_groups = 4 : i64, channel_axis = 3 : i64} : (tensor<4x4x4x32xbf16>, tensor<32xbf16>, tensor<32xbf16>) -> tensor<4x4x4x32xbf16>
  return %y : tensor<4x4x4x32xbf16>
}

// Given statistics over strided spans (BatchNorm inference NCHW): the
// output goes in memory order, so row_chunks counts (n) rows (2 here) and
// the prefetch is 16 KiB of f32 ahead.
// CHECK-LABEL: func.func @batch_norm_infer_nchw
// CHECK: norm.apply {{.*}}#norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 2, block = 4096, nontemporal = false, prefetch = 4096, prefetch_output = 256>
func.func @batch_norm_infer_nchw(%x: tensor<2x4x8x8xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<2x4x8x8xf32> {
  %y = norm.apply %x over [0, 2, 3] mean(%m) var(%v) : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  return %y : tensor<2x4x8x8xf32>
}

// Backward kernels: channels_last adds one row per accumulator update (two
// input streams per row); the rows backward keeps two sums, so bf16 (two
// vectors per step) gets 2 accumulators per sum, f32 4 (8 registers).
// CHECK-LABEL: func.func @backward
// CHECK: norm.normalize_grad {{.*}}#norm.cpu_schedule<kernel = channels_last, vector_width = 8, unroll = 1,
// CHECK: norm.normalize_grad {{.*}}#norm.cpu_schedule<kernel = rows, vector_width = 16, unroll = 2,
// CHECK: norm.normalize_grad {{.*}}#norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4,
func.func @backward(%dy: tensor<2x8x8x16xf32>, %x: tensor<2x8x8x16xf32>, %m: tensor<16xf32>, %r: tensor<16xf32>, %w: tensor<16xf32>, %dyh: tensor<8x64xbf16>, %xh: tensor<8x64xbf16>, %mh: tensor<8xf32>, %rh: tensor<8xf32>, %wh: tensor<64xbf16>, %dyf: tensor<8x64xf32>, %xf: tensor<8x64xf32>, %wf: tensor<64xf32>) -> (tensor<2x8x8x16xf32>, tensor<8x64xbf16>, tensor<8x64xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [0, 1, 2] mean(%m) rstd(%r) params [3] scale(%w) : (tensor<2x8x8x16xf32>, tensor<2x8x8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x8x8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  %dxh, %dwh, %dbh = norm.normalize_grad %dyh, %xh over [1] mean(%mh) rstd(%rh) params [1] scale(%wh) : (tensor<8x64xbf16>, tensor<8x64xbf16>, tensor<8xf32>, tensor<8xf32>, tensor<64xbf16>) -> (tensor<8x64xbf16>, tensor<64xbf16>, tensor<64xbf16>)
  %dxf, %dwf, %dbf = norm.normalize_grad %dyf, %xf over [1] mean(%mh) rstd(%rh) params [1] scale(%wf) : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8xf32>, tensor<64xf32>) -> (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return %dx, %dxh, %dxf : tensor<2x8x8x16xf32>, tensor<8x64xbf16>, tensor<8x64xf32>
}

// The same in training: the apply computes the moments it is fused with,
// so it goes statistic by statistic (4 runs of the 4 channels) and
// prefetches the next whole channels (32 of 512 bytes) ahead.
// CHECK-LABEL: func.func @batch_norm_train_nchw
// CHECK: norm.apply {{.*}}#norm.cpu_schedule<kernel = rows, vector_width = 8, unroll = 4, row_chunks = 4, block = 4096, nontemporal = false, prefetch = 2048, prefetch_output = 256>
func.func @batch_norm_train_nchw(%x: tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32> {
  %y = norm.batch_norm %x {running = #norm.running<@bn4, momentum = 0.1>} : (tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  return %y : tensor<2x4x8x8xf32>
}

// f64 data keep the portable lowering.
// CHECK-LABEL: func.func @f64_data
// CHECK-NOT: cpu_schedule
// CHECK: return
func.func @f64_data(%x: tensor<32x64xf64>) -> tensor<32x64xf64> {
  %y = norm.layer_norm %x : (tensor<32x64xf64>) -> tensor<32x64xf64>
  return %y : tensor<32x64xf64>
}

// A schedule set by hand (or by a tuner) is kept; prefetch = 0 is elided.
// CHECK-LABEL: func.func @hand_picked
// CHECK: norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 4, unroll = 2, row_chunks = 3, block = 16, nontemporal = true>
func.func @hand_picked(%x: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %y = norm.normalize %x over [1] {norm.cpu_schedule = #norm.cpu_schedule<kernel = rows, vector_width = 4, unroll = 2, row_chunks = 3, block = 16, nontemporal = true>} : (tensor<32x64xf32>) -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

// Rows of 512 bytes or more stream when the output is half the last-level
// cache or more.
// SMALL-LLC-LABEL: func.func @layer_norm_512_byte_rows
// SMALL-LLC: kernel = rows, {{.*}}nontemporal = true
func.func @layer_norm_512_byte_rows(%x: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %y = norm.layer_norm %x : (tensor<8x128xf32>) -> tensor<8x128xf32>
  return %y : tensor<8x128xf32>
}

// A reported L3 of 480 MiB (a VM's view of a server socket) counts as at
// most 128 MiB: a 64 MiB output streams, a 32 MiB one does not.
// HUGE-LLC-LABEL: func.func @layer_norm_64_mib
// HUGE-LLC: kernel = rows, {{.*}}nontemporal = true, prefetch = 4096>
func.func @layer_norm_64_mib(%x: tensor<4096x4096xf32>) -> tensor<4096x4096xf32> {
  %y = norm.layer_norm %x : (tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  return %y : tensor<4096x4096xf32>
}
// HUGE-LLC-LABEL: func.func @layer_norm_32_mib
// HUGE-LLC: kernel = rows, {{.*}}nontemporal = false, prefetch = 4096, prefetch_output = 256>
func.func @layer_norm_32_mib(%x: tensor<8192x1024xf32>) -> tensor<8192x1024xf32> {
  %y = norm.layer_norm %x : (tensor<8192x1024xf32>) -> tensor<8192x1024xf32>
  return %y : tensor<8192x1024xf32>
}

// Streaming stores take no ownership of the output lines, so the 64 MiB
// output above is not prefetched for writing. Neither are the outputs of
// rows-kernel slabs of one contiguous run longer than 4 KiB in tensors
// under 32 MiB (InstanceNorm / GroupNorm NCHW, long LayerNorm rows), which
// already ran at their cache level's rate; 4 KiB slabs and the same long
// rows in a 32 MiB tensor are.
// HUGE-LLC-LABEL: func.func @instance_norm_16_kib_slabs
// HUGE-LLC: kernel = rows, {{.*}}nontemporal = false, prefetch = 4096>
// HUGE-LLC-LABEL: func.func @instance_norm_4_kib_slabs
// HUGE-LLC: kernel = rows, {{.*}}nontemporal = false, prefetch = 4096, prefetch_output = 256>
// HUGE-LLC-LABEL: func.func @layer_norm_16_kib_rows_32_mib
// HUGE-LLC: kernel = rows, {{.*}}nontemporal = false, prefetch = 4096, prefetch_output = 256>
// HUGE-LLC-LABEL: func.func @layer_norm_16_kib_rows_16_mib
// HUGE-LLC: kernel = rows, {{.*}}nontemporal = false, prefetch = 4096>
func.func @instance_norm_16_kib_slabs(%x: tensor<16x64x64x64xf32>) -> tensor<16x64x64x64xf32> {
  %y = norm.instance_norm %x {channel_axis = 1 : i64} : (tensor<16x64x64x64xf32>) -> tensor<16x64x64x64xf32>
  return %y : tensor<16x64x64x64xf32>
}
func.func @instance_norm_4_kib_slabs(%x: tensor<64x64x32x32xf32>) -> tensor<64x64x32x32xf32> {
  %y = norm.instance_norm %x {channel_axis = 1 : i64} : (tensor<64x64x32x32xf32>) -> tensor<64x64x32x32xf32>
  return %y : tensor<64x64x32x32xf32>
}
func.func @layer_norm_16_kib_rows_32_mib(%x: tensor<2048x4096xf32>) -> tensor<2048x4096xf32> {
  %y = norm.layer_norm %x : (tensor<2048x4096xf32>) -> tensor<2048x4096xf32>
  return %y : tensor<2048x4096xf32>
}
func.func @layer_norm_16_kib_rows_16_mib(%x: tensor<1024x4096xf32>) -> tensor<1024x4096xf32> {
  %y = norm.layer_norm %x : (tensor<1024x4096xf32>) -> tensor<1024x4096xf32>
  return %y : tensor<1024x4096xf32>
}

// The NCHW backward with spans shorter than the 1 KiB distance (784 bytes)
// does not prefetch dx; with longer spans (1 KiB) it does.
// HUGE-LLC-LABEL: func.func @batch_norm_backward_nchw_short_spans
// HUGE-LLC: norm.normalize_grad {{.*}}kernel = rows, {{.*}}nontemporal = false, prefetch = {{[0-9]+}}>
// HUGE-LLC: norm.normalize_grad {{.*}}kernel = rows, {{.*}}nontemporal = false, prefetch = {{[0-9]+}}, prefetch_output = 256>
func.func @batch_norm_backward_nchw_short_spans(%dy: tensor<8x16x14x14xf32>, %x: tensor<8x16x14x14xf32>, %m: tensor<16xf32>, %r: tensor<16xf32>, %w: tensor<16xf32>, %dy2: tensor<8x16x16x16xf32>, %x2: tensor<8x16x16x16xf32>) -> (tensor<8x16x14x14xf32>, tensor<8x16x16x16xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [0, 2, 3] mean(%m) rstd(%r) params [1] scale(%w) {batch_stats = true} : (tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<8x16x14x14xf32>, tensor<16xf32>, tensor<16xf32>)
  %dx2, %dw2, %db2 = norm.normalize_grad %dy2, %x2 over [0, 2, 3] mean(%m) rstd(%r) params [1] scale(%w) {batch_stats = true} : (tensor<8x16x16x16xf32>, tensor<8x16x16x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<8x16x16x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return %dx, %dx2 : tensor<8x16x14x14xf32>, tensor<8x16x16x16xf32>
}

// A backward whose slab (x and dy: 2 x 516 KiB here) is larger than half
// an L2 walks its spans last to first in the dx pass; the 1 MiB slab of
// [8, 4, 128, 128] (2 x 512 KiB) is at the limit and does not.
// HUGE-LLC-LABEL: func.func @batch_norm_backward_nchw_large_channels
// HUGE-LLC: norm.normalize_grad {{.*}}kernel = rows, {{.*}}, reverse_spans = true>
// HUGE-LLC-NOT: reverse_spans
// HUGE-LLC: return
func.func @batch_norm_backward_nchw_large_channels(%dy: tensor<8x4x128x129xf32>, %x: tensor<8x4x128x129xf32>, %m: tensor<4xf32>, %r: tensor<4xf32>, %w: tensor<4xf32>, %dy2: tensor<8x4x128x128xf32>, %x2: tensor<8x4x128x128xf32>) -> (tensor<8x4x128x129xf32>, tensor<8x4x128x128xf32>) {
  %dx, %dw, %db = norm.normalize_grad %dy, %x over [0, 2, 3] mean(%m) rstd(%r) params [1] scale(%w) {batch_stats = true} : (tensor<8x4x128x129xf32>, tensor<8x4x128x129xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x4x128x129xf32>, tensor<4xf32>, tensor<4xf32>)
  %dx2, %dw2, %db2 = norm.normalize_grad %dy2, %x2 over [0, 2, 3] mean(%m) rstd(%r) params [1] scale(%w) {batch_stats = true} : (tensor<8x4x128x128xf32>, tensor<8x4x128x128xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x4x128x128xf32>, tensor<4xf32>, tensor<4xf32>)
  return %dx, %dx2 : tensor<8x4x128x129xf32>, tensor<8x4x128x128xf32>
}

// Statistics over slabs larger than 1 MiB (half an L2) merge the moments of
// L1-sized blocks, so that the slab is read once for them, and prefetch 4
// KiB ahead within their spans: NCHW BatchNorm
// training over 2 MiB per channel (the moments and the apply alike); not
// without centering (RMSNorm: one sum), nor for the 512-byte channels of
// @batch_norm_train_nchw above (its whole attribute is checked).
// HUGE-LLC-LABEL: func.func @batch_norm_train_nchw_2_mib_channels
// HUGE-LLC: norm.apply {{.*}}kernel = rows, {{.*}}, prefetch = 1024, prefetch_output = 256, merged_moments = true>
// HUGE-LLC-LABEL: func.func @rms_norm_2_mib_rows
// HUGE-LLC-NOT: merged_moments
// HUGE-LLC: return
func.func @batch_norm_train_nchw_2_mib_channels(%x: tensor<8x4x256x256xf32>) -> tensor<8x4x256x256xf32> {
  %y = norm.batch_norm %x {running = #norm.running<@bn4, momentum = 0.1>} : (tensor<8x4x256x256xf32>) -> tensor<8x4x256x256xf32>
  return %y : tensor<8x4x256x256xf32>
}
func.func @rms_norm_2_mib_rows(%x: tensor<4x524288xf32>) -> tensor<4x524288xf32> {
  %y = norm.rms_norm %x : (tensor<4x524288xf32>) -> tensor<4x524288xf32>
  return %y : tensor<4x524288xf32>
}

// Zen 4: the hardware prefetchers follow contiguous rows and every stream
// past the last-level cache, so those passes do not prefetch in software;
// strided spans within the cache still do (@batch_norm_train_nchw).
// Channels-last outputs past the cache stream with row chunks too (the
// second read of x comes from DRAM whatever the stores do); generic x86-64
// keeps its 16 KiB prefetch there. Within the cache an f32 training
// forward streams as well once x and y fill half of it (their regular
// stores would evict the x of the second pass): 64 MiB in the 128 MiB that
// HUGE-LLC counts, 16 MiB in Zen 4's 32 MiB; 16 MiB under HUGE-LLC keeps
// regular stores.
// The squared deviations of slabs up to 64 KiB, read from cache, prefetch
// the next statistics' data, 16 KiB of whole statistics ahead: 64 rows of
// 64 f32, or 32 spans of 64 f32 (the channels' spans interleave).
// ZEN4-LABEL: func.func @layer_norm
// ZEN4: norm.normalize {{.*}}<kernel = rows, vector_width = 16, unroll = 4, row_chunks = 16, block = 4096, nontemporal = false, prefetch_output = 256, prefetch_stats = 4096>
// ZEN4-LABEL: func.func @batch_norm_train_nchw
// ZEN4: norm.apply {{.*}}<kernel = rows, vector_width = 16, unroll = 4, row_chunks = 4, block = 4096, nontemporal = false, prefetch = 2048, prefetch_output = 256, prefetch_stats = 2048>
// Merged moments prefetch 16 KiB ahead within the span there (the output
// pass reads the slab back from the last-level cache).
// ZEN4-LABEL: func.func @batch_norm_train_nchw_2_mib_channels
// ZEN4: norm.apply {{.*}}kernel = rows, {{.*}}, prefetch = 4096, prefetch_output = 256, merged_moments = true>
// ZEN4-LABEL: func.func @batch_norm_nhwc_64_mib
// ZEN4: norm.normalize {{.*}}<kernel = channels_last, vector_width = 16, unroll = 4, row_chunks = 8, block = 256, nontemporal = true>
// HUGE-LLC-LABEL: func.func @batch_norm_nhwc_64_mib
// HUGE-LLC: norm.normalize {{.*}}<kernel = channels_last, vector_width = 16, unroll = 4, row_chunks = 8, block = 256, nontemporal = true, prefetch = 4096>
// ZEN4-LABEL: func.func @batch_norm_nhwc_16_mib
// ZEN4: norm.normalize {{.*}}<kernel = channels_last, vector_width = 16, unroll = 4, row_chunks = 8, block = 256, nontemporal = true, prefetch = 4096>
// HUGE-LLC-LABEL: func.func @batch_norm_nhwc_16_mib
// HUGE-LLC: norm.normalize {{.*}}<kernel = channels_last, vector_width = 16, unroll = 4, row_chunks = 8, block = 256, nontemporal = false, prefetch = 4096, prefetch_output = 256>
func.func @batch_norm_nhwc_64_mib(%x: tensor<64x64x64x64xf32>) -> tensor<64x64x64x64xf32> {
  %y = norm.batch_norm %x {channel_axis = 3 : i64} : (tensor<64x64x64x64xf32>) -> tensor<64x64x64x64xf32>
  return %y : tensor<64x64x64x64xf32>
}
func.func @batch_norm_nhwc_16_mib(%x: tensor<16x64x64x64xf32>) -> tensor<16x64x64x64xf32> {
  %y = norm.batch_norm %x {channel_axis = 3 : i64} : (tensor<16x64x64x64xf32>) -> tensor<16x64x64x64xf32>
  return %y : tensor<16x64x64x64xf32>
}

// Inference (given statistics) reads x once: channels-last outputs stream
// with row chunks too (8 KiB, half the 8 KiB cache or more).
// SMALL-LLC-LABEL: func.func @batch_norm_nhwc_infer
// SMALL-LLC: norm.apply {{.*}}<kernel = channels_last, vector_width = 8, unroll = 4, row_chunks = 2, block = 256, nontemporal = true, prefetch = 4096>
func.func @batch_norm_nhwc_infer(%x: tensor<2x8x8x16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<2x8x8x16xf32> {
  %y = norm.apply %x over [0, 1, 2] mean(%m) var(%v) : (tensor<2x8x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x8x16xf32>
  return %y : tensor<2x8x8x16xf32>
}
