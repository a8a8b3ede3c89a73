//===- Jit.h - Compile a norm graph in process ------------------*- C++ -*-===//
//
// Compiles a `.mlir` norm graph with the same compiler as `normc` and JITs
// it with LLVM ORC, giving an Executable without writing any file.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_RUNTIME_JIT_H
#define NORMC_RUNTIME_JIT_H

#include "normc/Executable.h"

#include <string>
#include <vector>

namespace normc {

/// Compiles the graph in `source` (named `name` in diagnostics) for `modes`
/// (`train`, `infer`). Errors carry file:line:col diagnostics.
llvm::Expected<std::shared_ptr<Executable>>
jitCompileSource(const std::string &source, const std::string &name,
                 const std::vector<std::string> &modes);

/// Reads `path` and compiles it like `jitCompileSource`.
llvm::Expected<std::shared_ptr<Executable>>
jitCompileFile(const std::string &path, const std::vector<std::string> &modes);

} // namespace normc

#endif // NORMC_RUNTIME_JIT_H
