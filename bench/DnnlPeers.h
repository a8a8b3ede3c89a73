//===- DnnlPeers.h - oneDNN as the peer of normc's kernels ------*- C++ -*-===//
//
// Google Benchmark cases that run oneDNN's layer and batch normalization on
// the shapes of NormBench, so both are measured against the same copy probe
// in the same process.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_BENCH_DNNLPEERS_H
#define NORMC_BENCH_DNNLPEERS_H

#include <string>

namespace normc::bench {

/// Registers `oneDNN/<Op>_<Layout>_<shape>/<dtype>` with the thread count
/// (1, 2) as argument for the problems that pair with NormBench's case
/// `caseName` (same op and shape; oneDNN's blocked layout pairs with the
/// NCHW case), in bf16 or f32. NormBench calls it right after registering
/// that case, so that both run seconds apart rather than minutes (on a VM
/// the machine's state drifts over a whole run). The problems: LayerNorm
/// forward inference and backward, BatchNorm forward training, inference
/// (global statistics) and backward in NCHW, NHWC and oneDNN's blocked
/// format. A case whose primitive oneDNN cannot create on this CPU (bf16
/// without AVX-512) is skipped with an error message.
void registerDnnlPeersOf(const std::string &caseName, bool bf16);
/// Registers, in both dtypes, the problems that no case paired with.
void registerUnpairedDnnlPeers();

} // namespace normc::bench

#endif // NORMC_BENCH_DNNLPEERS_H
