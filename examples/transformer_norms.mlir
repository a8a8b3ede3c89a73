// Transformer normalizations: BERT-base post-norm residual (x + sublayer ->
// LayerNorm, eps 1e-5) over [B=4, T=128, D=768] in f32, and a Llama-style
// pre-norm RMSNorm (eps 1e-6) over [4, 128, 4096] bf16 activations with an
// f32 weight (scale may have the input's element type or the f32 stats type).

func.func @post_norm_residual(%x: tensor<4x128x768xf32>,
                              %attn_out: tensor<4x128x768xf32>,
                              %ln_w: tensor<768xf32>, %ln_b: tensor<768xf32>)
    -> tensor<4x128x768xf32> {
  %h = norm.add %x, %attn_out : tensor<4x128x768xf32>
  %y = norm.layer_norm %h scale(%ln_w) bias(%ln_b)
      {normalized_rank = 1 : i64, epsilon = 1.000000e-05 : f64}
      : (tensor<4x128x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<4x128x768xf32>
  return %y : tensor<4x128x768xf32>
}

func.func @pre_norm_rms(%x: tensor<4x128x4096xbf16>,
                        %rms_w: tensor<4096xf32>)
    -> tensor<4x128x4096xbf16> {
  %y = norm.rms_norm %x scale(%rms_w) {epsilon = 1.000000e-06 : f64}
      : (tensor<4x128x4096xbf16>, tensor<4096xf32>) -> tensor<4x128x4096xbf16>
  return %y : tensor<4x128x4096xbf16>
}
