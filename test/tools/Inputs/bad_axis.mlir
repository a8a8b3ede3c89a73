func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = norm.normalize %x over [2] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
