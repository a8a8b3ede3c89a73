//===- Compiler.h - Compile a norm graph for the host CPU -------*- C++ -*-===//
//
// The compiler driver shared by `normc` (ahead of time: object file, shared
// library, header, manifest) and the runtime's JIT: one function per graph
// function and mode (`<function>_<mode>`), lowered by norm-to-cpu and linked
// into one LLVM module optimized for the host CPU (AVX2 / AVX-512 when
// present), plus the manifest that describes every entry.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_COMPILER_H
#define NORMC_CODEGEN_COMPILER_H

#include "normc/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace mlir {
namespace norm {

/// What to compile.
/// The CPU a graph is compiled for; empty fields mean the host's. A named
/// CPU cross-compiles: the kernels' vector width follows its features, and
/// `threads` / `llcBytes` describe the machine the library will run on.
struct CpuTarget {
  /// LLVM CPU name, e.g. "znver5" or "sapphirerapids" ("": the host CPU).
  std::string cpu;
  /// Features added to or removed from the CPU's, e.g. "-avx512f,+avx2".
  std::string features;
  /// Threads the kernels are sized for (0: the host's).
  int64_t threads = 0;
  /// Bytes of last-level cache (0: the host's).
  int64_t llcBytes = 0;
  /// Bytes ahead that the streaming passes prefetch their inputs (-1: the
  /// cost model's choice for the CPU).
  int64_t prefetchBytes = -1;
};

struct CompileOptions {
  /// `train`, `infer` or both.
  std::vector<std::string> modes = {"infer"};
  /// LLVM optimization level (0-3).
  unsigned optLevel = 3;
  /// Also compile `<function>_<mode>_backward` entries (for every function
  /// that can be differentiated; others are reported with a warning).
  bool backward = true;
  /// Backward entries recover x-hat from the output (memory-saving form).
  bool memorySavingBackward = false;
  /// Normalizations run as scheduled CPU kernels (norm-cpu-schedule); false
  /// keeps the portable linalg lowering for every op.
  bool cpuKernels = true;
  /// The CPU the code is for.
  CpuTarget target;
};

/// A compiled graph: the LLVM module of every entry and its manifest.
struct CompiledGraph {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  normc::Manifest manifest;
};

/// Runs the pipeline up to the LLVM dialect for one mode on a clone of
/// `graph`, renaming every entry to `<function>_<mode>`; records the entries
/// in `manifest`. Diagnostics go to the context's handler.
FailureOr<OwningOpRef<ModuleOp>>
lowerGraphForMode(ModuleOp graph, StringRef mode, normc::Manifest &manifest,
                  const CompileOptions &options);

/// Compiles `graph` in every requested mode into one optimized LLVM module.
FailureOr<CompiledGraph> compileGraph(ModuleOp graph,
                                      const CompileOptions &options);

/// A target machine for `target` (by default the host CPU and its features,
/// e.g. AVX-512). An unknown CPU or feature name is an error.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createCpuTargetMachine(const CpuTarget &target = {});

/// f32 lanes of the widest vector unit `tm` has (16 with AVX-512F, 8 with
/// AVX, else 4).
int64_t vectorWidthOf(const llvm::TargetMachine &tm);

/// Whether `tm` converts f32 to bf16 in hardware (AVX512-BF16).
bool hasNativeBf16(const llvm::TargetMachine &tm);

/// Emits `module` as an object file (or assembly when `assembly`) for `tm`.
llvm::Expected<std::string> emitObject(llvm::Module &module,
                                       llvm::TargetMachine &tm, bool assembly);

/// A C header declaring every entry of `manifest`.
std::string emitHeader(const normc::Manifest &manifest, StringRef guard);

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_COMPILER_H
