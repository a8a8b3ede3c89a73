//===- StreamingStores.h - Streaming stores LLVM's x86 backend keeps ------===//
//
// A fix-up of optimized LLVM IR before code generation: on x86, non-temporal
// stores of 16-bit float vectors become vmovntdq.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_STREAMINGSTORES_H
#define NORMC_CODEGEN_STREAMINGSTORES_H

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
namespace norm {

/// On x86 targets with AVX (`tm`), rewrites every aligned whole-register `store
/// <N x bfloat|half> ..., !nontemporal` in `module` into an inline `vmovntdq`;
/// returns how many. LLVM 22's x86 backend has no streaming-store patterns
/// for bf16 / f16 vectors and emits a regular store (vmovaps) for them, so
/// a streamed 16-bit output would pay a read for ownership per line. A
/// bitcast to an integer vector does not help: InstCombine and the DAG
/// combiner both fold a bitcast of a stored value back into the store.
/// Runs after the optimization pipeline, just before code generation.
unsigned streamHalfPrecisionStores(llvm::Module &module,
                                   const llvm::TargetMachine &tm);

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_STREAMINGSTORES_H
