//===- Pipelines.h - The norm compilation pipelines -------------*- C++ -*-===//
//
// The named pipelines (contract): `norm-to-cpu` lowers a norm graph to the
// LLVM dialect for the host CPU. Its target-independent front
// (`buildNormFrontendPipeline`: named ops to generic, mode specialization,
// decomposition into linalg, elementwise fusion) is shared with the GPU path.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_PIPELINES_H
#define NORMC_CODEGEN_PIPELINES_H

#include "passes/Passes.h"

#include "mlir/Pass/PassOptions.h"
#include <string>

namespace mlir {
class OpPassManager;
namespace norm {

/// Options of the norm pipelines.
struct NormPipelineOptions : public PassPipelineOptions<NormPipelineOptions> {
  PassOptions::Option<std::string> mode{
      *this, "mode",
      llvm::cl::desc("Entry to build: train or infer (running statistics)"),
      llvm::cl::init("infer")};
  PassOptions::Option<bool> backward{
      *this, "backward",
      llvm::cl::desc("Also build <function>_backward for every function"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> memorySavingBackward{
      *this, "memory-saving-backward",
      llvm::cl::desc("Backward recovers x-hat from the output (needs nonzero "
                     "scales)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> cpuKernels{
      *this, "cpu-kernels",
      llvm::cl::desc("norm-to-cpu: run normalizations as scheduled CPU "
                     "kernels (norm-cpu-schedule); false keeps the portable "
                     "linalg lowering"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> nativeBf16{
      *this, "native-bf16",
      llvm::cl::desc("norm-to-cpu: the target converts f32 to bf16 itself "
                     "(AVX512-BF16); false expands the conversion into "
                     "integer ops"),
      llvm::cl::init(false)};
};

/// The target-independent front, norm graph -> linalg on tensors; with
/// `cpuKernels`, normalizations get CPU schedules (`schedule`: the cost
/// model's target) and become CPU kernels before the linalg lowering.
void buildNormFrontendPipeline(OpPassManager &pm,
                               const NormPipelineOptions &options,
                               bool cpuKernels = false,
                               const NormCpuSchedulePassOptions &schedule = {});

/// The whole CPU pipeline: norm graph -> LLVM dialect. Tensor results become
/// caller-provided output buffers (`buffer-results-to-out-params`) and every
/// function gets a C interface (`llvm.emit_c_interface`).
void buildNormToCpuPipeline(OpPassManager &pm,
                            const NormPipelineOptions &options);

/// The CPU back end: linalg on tensors -> LLVM dialect, with C interfaces
/// and packed `normc_<name>(void **)` entries. Parallel loop dimensions run
/// on OpenMP threads (the code calls libomp). `nativeBf16`: the target has
/// AVX512-BF16, so f32 -> bf16 stays `arith.truncf` (one vcvtneps2bf16 per
/// 16 lanes) instead of integer ops.
void buildNormCpuBackendPipeline(OpPassManager &pm, bool nativeBf16 = false);

/// Registers `norm-to-cpu` (and `norm-frontend`) with the pass registry.
void registerNormPipelines();

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_PIPELINES_H
