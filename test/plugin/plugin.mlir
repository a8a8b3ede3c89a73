// Debian's stock mlir-opt loads the norm dialect and passes from the plugin.
// RUN: %stock_mlir_opt --load-dialect-plugin=%norm_plugin --load-pass-plugin=%norm_plugin %s | FileCheck %s --check-prefix=PARSE
// RUN: %stock_mlir_opt --load-dialect-plugin=%norm_plugin --load-pass-plugin=%norm_plugin %s -canonicalize | FileCheck %s --check-prefix=CANON
// RUN: %stock_mlir_opt --load-dialect-plugin=%norm_plugin --load-pass-plugin=%norm_plugin %s --pass-pipeline="builtin.module(norm-canonicalize-named)" | FileCheck %s --check-prefix=CANON
// RUN: %stock_mlir_opt --load-pass-plugin=%norm_plugin --help | FileCheck %s --check-prefix=HELP

// PARSE: norm.running_stats @bn1 : tensor<4xf32>
// PARSE: norm.batch_norm %{{.+}} {running = #norm.running<@bn1, momentum = 1.000000e-01>}
// CANON-NOT: norm.batch_norm
// CANON: norm.normalize %{{.+}} over [0, 2, 3] params [1] {running = #norm.running<@bn1, momentum = 1.000000e-01>}
// HELP: --norm-canonicalize-named
norm.running_stats @bn1 : tensor<4xf32>
func.func @bn(%x: tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32> {
  %y = norm.batch_norm %x {running = #norm.running<@bn1, momentum = 0.1>} : (tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  return %y : tensor<2x4x3x3xf32>
}
