// Fast neural style transfer encoder (Johnson et al.; PyTorch examples'
// TransformerNet): x[4, 3, 128, 128] -> conv9x9 (3->32) -> InstanceNorm(affine)
// -> ReLU -> conv3x3 stride 2 (32->64) -> InstanceNorm(affine,
// track_running_stats, momentum 0.1) -> ReLU = [4, 64, 64, 64]. Reflection
// padding is approximated by the convolution's zero padding.

norm.running_stats @in1 : tensor<64xf32>

func.func @style_encoder(%x: tensor<4x3x128x128xf32>,
                         %conv1_w: tensor<32x3x9x9xf32>,
                         %conv1_b: tensor<32xf32>,
                         %in0_w: tensor<32xf32>, %in0_b: tensor<32xf32>,
                         %conv2_w: tensor<64x32x3x3xf32>,
                         %conv2_b: tensor<64xf32>,
                         %in1_w: tensor<64xf32>, %in1_b: tensor<64xf32>)
    -> tensor<4x64x64x64xf32> {
  %c1 = norm.conv2d nchw %x, %conv1_w bias(%conv1_b)
      {strides = array<i64: 1, 1>, padding = array<i64: 4, 4, 4, 4>}
      : (tensor<4x3x128x128xf32>, tensor<32x3x9x9xf32>, tensor<32xf32>) -> tensor<4x32x128x128xf32>
  %n1 = norm.instance_norm %c1 scale(%in0_w) bias(%in0_b)
      : (tensor<4x32x128x128xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32x128x128xf32>
  %r1 = norm.activation relu %n1 : tensor<4x32x128x128xf32>
  %c2 = norm.conv2d nchw %r1, %conv2_w bias(%conv2_b)
      {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<4x32x128x128xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>) -> tensor<4x64x64x64xf32>
  %n2 = norm.instance_norm %c2 scale(%in1_w) bias(%in1_b)
      {running = #norm.running<@in1, momentum = 1.000000e-01>}
      : (tensor<4x64x64x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<4x64x64x64xf32>
  %r2 = norm.activation relu %n2 : tensor<4x64x64x64xf32>
  return %r2 : tensor<4x64x64x64xf32>
}
