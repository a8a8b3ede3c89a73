// The norm-to-cpu pipeline: every example block lowers to the LLVM dialect in
// both modes; results become caller-provided buffers and every entry gets a
// C interface. The plugin registers the same pipeline for stock mlir-opt.
// RUN: norm-opt %s --norm-to-cpu=mode=train | FileCheck %s --check-prefix=TRAIN
// RUN: norm-opt %s --pass-pipeline="builtin.module(norm-to-cpu{mode=infer})" | FileCheck %s --check-prefix=INFER
// RUN: %stock_mlir_opt --load-dialect-plugin=%norm_plugin --load-pass-plugin=%norm_plugin %s --pass-pipeline="builtin.module(norm-to-cpu{mode=infer})" | FileCheck %s --check-prefix=INFER
// RUN: norm-opt %s --pass-pipeline="builtin.module(norm-frontend{mode=train})" | FileCheck %s --check-prefix=FRONT
// RUN: for f in %norm_src_root/examples/*.mlir; do norm-opt $f --norm-to-cpu=mode=train > /dev/null || exit 1; norm-opt $f --norm-to-cpu=mode=infer > /dev/null || exit 1; done

// TRAIN-NOT: {{norm\.[a-z_]+ %}}
// TRAIN: llvm.func @bn_relu({{.*}}) attributes
// TRAIN: llvm.func @_mlir_ciface_bn_relu(
// INFER-NOT: {{norm\.[a-z_]+ %}}
// INFER: llvm.func @bn_relu({{.*}}) attributes
// INFER: llvm.func @_mlir_ciface_bn_relu(
// FRONT-LABEL: func.func @bn_relu
// FRONT-SAME: -> (tensor<4x3x2x2xf32>, tensor<3xf32> {norm.state = "bn.running_mean"}, tensor<3xf32> {norm.state = "bn.running_var"}, tensor<i64> {norm.state = "bn.num_batches_tracked"})
// FRONT-NOT: {{norm\.[a-z_]+ %}}
// FRONT: linalg.generic
norm.running_stats @bn : tensor<3xf32>
func.func @bn_relu(%x: tensor<4x3x2x2xf32>, %w: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<4x3x2x2xf32> {
  %y = norm.batch_norm %x scale(%w) bias(%b) {running = #norm.running<@bn, momentum = 0.1>}
      : (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<4x3x2x2xf32>
  %r = norm.activation relu %y : tensor<4x3x2x2xf32>
  return %r : tensor<4x3x2x2xf32>
}
