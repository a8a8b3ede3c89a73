// NHWC BatchNorm on bf16: the channels_last kernel (even/odd lanes, or
// memory order where its output streams).
norm.running_stats @bn : tensor<64xf32>
func.func @bn_nhwc(%x: tensor<4x8x8x64xbf16>, %w: tensor<64xbf16>, %b: tensor<64xbf16>) -> tensor<4x8x8x64xbf16> {
  %y = norm.batch_norm %x scale(%w) bias(%b) {channel_axis = 3 : i64, running = #norm.running<@bn, momentum = 0.1>} : (tensor<4x8x8x64xbf16>, tensor<64xbf16>, tensor<64xbf16>) -> tensor<4x8x8x64xbf16>
  return %y : tensor<4x8x8x64xbf16>
}
