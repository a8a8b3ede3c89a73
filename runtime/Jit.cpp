//===- Jit.cpp - Compile a norm graph in process --------------------------===//
//
// Parses a graph, compiles it with mlir::norm::compileGraph and adds the
// resulting LLVM module to an ORC LLJIT whose symbols resolve against the
// process (libm for erf / tanh).
//
//===----------------------------------------------------------------------===//

#include "normc/Jit.h"

#include "codegen/Compiler.h"
#include "tools/InitAll.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace normc;

llvm::Expected<std::shared_ptr<Executable>>
normc::jitCompileSource(const std::string &source, const std::string &name,
                        const std::vector<std::string> &modes) {
  mlir::DialectRegistry registry;
  mlir::norm::registerNormCompilerDialects(registry);
  mlir::MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, name), llvm::SMLoc());
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return llvm::createStringError(diagnostics);
  mlir::norm::CompileOptions options;
  options.modes = modes;
  options.backward = true;
  mlir::FailureOr<mlir::norm::CompiledGraph> compiled =
      mlir::norm::compileGraph(*module, options);
  if (mlir::failed(compiled))
    return llvm::createStringError(diagnostics);

  // Compiled parallel loops call the OpenMP runtime: make it resolvable.
  std::string loadError;
  if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(NORMC_OPENMP_LIBRARY,
                                                        &loadError))
    return llvm::createStringError("cannot load the OpenMP runtime " +
                                   std::string(NORMC_OPENMP_LIBRARY) + ": " +
                                   loadError);
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  auto generator =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*jit)->getDataLayout().getGlobalPrefix());
  if (!generator)
    return generator.takeError();
  (*jit)->getMainJITDylib().addGenerator(std::move(*generator));
  compiled->module->setDataLayout((*jit)->getDataLayout());
  if (llvm::Error err = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(
          std::move(compiled->module), std::move(compiled->context))))
    return std::move(err);
  std::shared_ptr<llvm::orc::LLJIT> owner = std::move(*jit);
  Executable::Resolver resolve = [owner](const std::string &symbol) -> void * {
    auto address = owner->lookup(symbol);
    if (!address) {
      llvm::consumeError(address.takeError());
      return nullptr;
    }
    return address->toPtr<void *>();
  };
  return std::make_shared<Executable>(std::move(compiled->manifest), resolve,
                                      owner);
}

llvm::Expected<std::shared_ptr<Executable>>
normc::jitCompileFile(const std::string &path,
                      const std::vector<std::string> &modes) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError("cannot read " + path + ": " +
                                   buffer.getError().message());
  return jitCompileSource((*buffer)->getBuffer().str(), path, modes);
}
