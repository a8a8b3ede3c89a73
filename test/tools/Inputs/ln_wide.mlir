// LayerNorm over 1000-wide rows (not a multiple of 16 lanes), for the
// cross-CPU tests.
func.func @ln_wide(%x: tensor<64x1000xf32>, %w: tensor<1000xf32>, %b: tensor<1000xf32>) -> tensor<64x1000xf32> {
  %y = norm.layer_norm %x scale(%w) bias(%b) : (tensor<64x1000xf32>, tensor<1000xf32>, tensor<1000xf32>) -> tensor<64x1000xf32>
  return %y : tensor<64x1000xf32>
}
