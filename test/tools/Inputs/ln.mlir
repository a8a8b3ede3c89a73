// LayerNorm with a scale, for the backward tool tests.
func.func @ln(%x: tensor<6x16xf32>, %w: tensor<16xf32>) -> tensor<6x16xf32> {
  %y = norm.layer_norm %x scale(%w) : (tensor<6x16xf32>, tensor<16xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}
