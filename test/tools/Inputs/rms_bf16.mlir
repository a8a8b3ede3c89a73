// RMSNorm over bf16 rows, for the cross-CPU tests (bf16 conversion).
func.func @rms_bf16(%x: tensor<64x1024xbf16>, %w: tensor<1024xbf16>) -> tensor<64x1024xbf16> {
  %y = norm.rms_norm %x scale(%w) : (tensor<64x1024xbf16>, tensor<1024xbf16>) -> tensor<64x1024xbf16>
  return %y : tensor<64x1024xbf16>
}
