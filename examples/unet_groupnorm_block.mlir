// Diffusion UNet residual block (DDPM-style Block = conv3x3 -> GroupNorm(32)
// -> SiLU, twice, then + input) on x[2, 128, 32, 32] NCHW. Convolutions carry
// a bias; GroupNorm has per-channel affine parameters, eps 1e-5, and no
// running statistics.

func.func @unet_resnet_block(%x: tensor<2x128x32x32xf32>,
                             %conv1_w: tensor<128x128x3x3xf32>,
                             %conv1_b: tensor<128xf32>,
                             %gn1_w: tensor<128xf32>, %gn1_b: tensor<128xf32>,
                             %conv2_w: tensor<128x128x3x3xf32>,
                             %conv2_b: tensor<128xf32>,
                             %gn2_w: tensor<128xf32>, %gn2_b: tensor<128xf32>)
    -> tensor<2x128x32x32xf32> {
  %c1 = norm.conv2d nchw %x, %conv1_w bias(%conv1_b)
      {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<2x128x32x32xf32>, tensor<128x128x3x3xf32>, tensor<128xf32>) -> tensor<2x128x32x32xf32>
  %g1 = norm.group_norm %c1 scale(%gn1_w) bias(%gn1_b)
      {num_groups = 32 : i64, epsilon = 1.000000e-05 : f64}
      : (tensor<2x128x32x32xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<2x128x32x32xf32>
  %a1 = norm.activation silu %g1 : tensor<2x128x32x32xf32>
  %c2 = norm.conv2d nchw %a1, %conv2_w bias(%conv2_b)
      {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<2x128x32x32xf32>, tensor<128x128x3x3xf32>, tensor<128xf32>) -> tensor<2x128x32x32xf32>
  %g2 = norm.group_norm %c2 scale(%gn2_w) bias(%gn2_b)
      {num_groups = 32 : i64, epsilon = 1.000000e-05 : f64}
      : (tensor<2x128x32x32xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<2x128x32x32xf32>
  %a2 = norm.activation silu %g2 : tensor<2x128x32x32xf32>
  %out = norm.add %a2, %x : tensor<2x128x32x32xf32>
  return %out : tensor<2x128x32x32xf32>
}
