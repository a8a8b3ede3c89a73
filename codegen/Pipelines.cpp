//===- Pipelines.cpp - The norm compilation pipelines ---------------------===//
//
// Assembles the norm-frontend and norm-to-cpu pipelines from norm passes and
// upstream MLIR passes.
//
//===----------------------------------------------------------------------===//

#include "codegen/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::norm;

void mlir::norm::buildNormFrontendPipeline(
    OpPassManager &pm, const NormPipelineOptions &options, bool cpuKernels,
    const NormCpuSchedulePassOptions &schedule) {
  pm.addPass(createNormCanonicalizeNamedPass());
  if (options.backward) {
    NormBuildBackwardPassOptions backward;
    backward.mode = options.mode;
    backward.fromOutput = options.memorySavingBackward;
    pm.addPass(createNormBuildBackwardPass(backward));
  }
  NormSpecializeModePassOptions specialize;
  specialize.mode = options.mode;
  pm.addPass(createNormSpecializeModePass(specialize));
  if (cpuKernels) {
    pm.addPass(createNormCpuSchedulePass(schedule));
    pm.addPass(createConvertNormToCpuKernelsPass());
  }
  pm.addPass(createConvertNormToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCSEPass());
  pm.addPass(createNormCopyAliasedResultsPass());
}

/// Marks every function for a C-callable wrapper (`_mlir_ciface_<name>`).
static void addCInterfaces(OpPassManager &pm) {
  pm.addPass(createNormEmitCInterfacePass());
}

void mlir::norm::buildNormToCpuPipeline(OpPassManager &pm,
                                        const NormPipelineOptions &options) {
  NormCpuSchedulePassOptions schedule;
  schedule.nativeBf16 = options.nativeBf16;
  buildNormFrontendPipeline(pm, options, options.cpuKernels, schedule);
  buildNormCpuBackendPipeline(pm, options.nativeBf16);
}

void mlir::norm::buildNormCpuBackendPipeline(OpPassManager &pm,
                                             bool nativeBf16) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results become caller-provided buffers that the kernels write directly
  // (the runtime owns and reuses them: no per-call allocation).
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createNormCpuCopiesToLoopsPass());
  // Parallel dimensions become OpenMP work-shared loops (both cores);
  // reduction dimensions stay sequential inside each iteration.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass()); // inlines alloca-free alloca_scopes
  pm.addPass(createNormCpuFenceStreamingStoresPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  addCInterfaces(pm);
  // bf16 conversions as integer bit manipulation: x86 without AVX512-BF16
  // would otherwise call compiler-rt's __truncsfbf2. With it, LLVM converts
  // 16 lanes per vcvtneps2bf16.
  if (!nativeBf16)
    pm.addPass(createNormExpandBf16TruncationPass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = !nativeBf16;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createNormEmitPackedEntriesPass());
}

void mlir::norm::registerNormPipelines() {
  PassPipelineRegistration<NormPipelineOptions>(
      "norm-frontend",
      "norm graph to linalg on tensors (target-independent front)",
      [](OpPassManager &pm, const NormPipelineOptions &options) {
        buildNormFrontendPipeline(pm, options);
      });
  PassPipelineRegistration<NormPipelineOptions>(
      "norm-to-cpu", "norm graph to the LLVM dialect for the host CPU",
      buildNormToCpuPipeline);
}
