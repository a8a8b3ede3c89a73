// ResNet-18/34 BasicBlock (torchvision layer1.0) in channels-last, NHWC:
// x[4, 56, 56, 64] with HWIO filters [3, 3, 64, 64] -> conv3x3 -> BN -> ReLU ->
// conv3x3 -> BN -> + identity -> ReLU. BatchNorm normalizes per channel on
// axis 3; running statistics with momentum 0.1, eps 1e-5.

norm.running_stats @"layer1.0.bn1" : tensor<64xf32>
norm.running_stats @"layer1.0.bn2" : tensor<64xf32>

func.func @basic_block_nhwc(%x: tensor<4x56x56x64xf32>,
                            %conv1_w: tensor<3x3x64x64xf32>,
                            %bn1_w: tensor<64xf32>, %bn1_b: tensor<64xf32>,
                            %conv2_w: tensor<3x3x64x64xf32>,
                            %bn2_w: tensor<64xf32>, %bn2_b: tensor<64xf32>)
    -> tensor<4x56x56x64xf32> {
  %c1 = norm.conv2d nhwc %x, %conv1_w
      {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<4x56x56x64xf32>, tensor<3x3x64x64xf32>) -> tensor<4x56x56x64xf32>
  %n1 = norm.batch_norm %c1 scale(%bn1_w) bias(%bn1_b)
      {channel_axis = 3 : i64,
       running = #norm.running<@"layer1.0.bn1", momentum = 1.000000e-01>}
      : (tensor<4x56x56x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<4x56x56x64xf32>
  %r1 = norm.activation relu %n1 : tensor<4x56x56x64xf32>
  %c2 = norm.conv2d nhwc %r1, %conv2_w
      {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<4x56x56x64xf32>, tensor<3x3x64x64xf32>) -> tensor<4x56x56x64xf32>
  %n2 = norm.batch_norm %c2 scale(%bn2_w) bias(%bn2_b)
      {channel_axis = 3 : i64,
       running = #norm.running<@"layer1.0.bn2", momentum = 1.000000e-01>}
      : (tensor<4x56x56x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<4x56x56x64xf32>
  %sum = norm.add %n2, %x : tensor<4x56x56x64xf32>
  %out = norm.activation relu %sum : tensor<4x56x56x64xf32>
  return %out : tensor<4x56x56x64xf32>
}
