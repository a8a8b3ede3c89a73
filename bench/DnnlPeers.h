//===- DnnlPeers.h - oneDNN as the peer of normc's kernels ------*- C++ -*-===//
//
// Google Benchmark cases that run oneDNN's layer and batch normalization on
// the shapes of NormBench, so both are measured against the same copy probe
// in the same process.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_BENCH_DNNLPEERS_H
#define NORMC_BENCH_DNNLPEERS_H

namespace normc::bench {

/// Registers `oneDNN/<Op>_<Layout>_<shape>/<dtype>` with the thread count
/// (1, 2) as argument: LayerNorm forward inference and backward, BatchNorm
/// forward training, inference (global statistics) and backward in NCHW,
/// NHWC and oneDNN's blocked format, each in f32 and bf16. A case whose
/// primitive oneDNN cannot create on this CPU (bf16 without AVX-512) is
/// skipped with an error message.
void registerDnnlPeers();

} // namespace normc::bench

#endif // NORMC_BENCH_DNNLPEERS_H
