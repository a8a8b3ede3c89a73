// A conv -> BatchNorm (running statistics) -> ReLU block used by the tool tests.
norm.running_stats @"block.bn" : tensor<3xf32>
func.func @block(%x: tensor<4x2x5x5xf32>, %w: tensor<3x2x3x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<4x3x5x5xf32> {
  %c = norm.conv2d nchw %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<4x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<4x3x5x5xf32>
  %y = norm.batch_norm %c scale(%g) bias(%b) {running = #norm.running<@"block.bn", momentum = 1.000000e-01>} : (tensor<4x3x5x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<4x3x5x5xf32>
  %r = norm.activation relu %y : tensor<4x3x5x5xf32>
  return %r : tensor<4x3x5x5xf32>
}
