//===- InitAll.h - Register normc with an MLIR tool -------------*- C++ -*-===//
//
// One call each to register the norm dialect and every norm pass and
// pipeline, used by norm-opt, normc, norm-run and the mlir-opt plugin.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_TOOLS_INITALL_H
#define NORMC_TOOLS_INITALL_H

namespace mlir {
class DialectRegistry;
namespace norm {

/// Adds the norm dialect (and the dialects its passes create) to `registry`.
void registerNormDialects(DialectRegistry &registry);

/// Everything a standalone compiler needs: the norm dialects plus every
/// upstream dialect, its extensions (bufferization, LLVM conversion
/// interfaces) and the LLVM IR translations. Used by normc and the JIT.
void registerNormCompilerDialects(DialectRegistry &registry);

/// Registers every norm pass and named pipeline with the global registry.
void registerNormPasses();

} // namespace norm
} // namespace mlir

#endif // NORMC_TOOLS_INITALL_H
