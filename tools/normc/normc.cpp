//===- normc.cpp - Compile a normalization graph from the command line ----===//
//
//   normc GRAPH.mlir --target=cpu --mode=train|infer|both -o OUTDIR
//   normc GRAPH.mlir --mode=train --emit=mlir|llvm|asm
//   normc GRAPH.mlir --mcpu=znver5 [--mattr=-avx512f] [--cpu-threads=N]
//         [--llc-bytes=N] [--prefetch-bytes=N] -o OUTDIR
//             (cross-compile for another x86 CPU)
//
// Writes OUTDIR/lib<name>.so (C-ABI entries normc_<function>_<mode>),
// OUTDIR/<name>.h and OUTDIR/manifest.json. The directory appears whole or
// not at all: everything is written to a temporary sibling and renamed.
// Errors are printed as file:line:col: error: ..., and the exit code is 1.
//
//===----------------------------------------------------------------------===//

#include "codegen/Compiler.h"
#include "tools/InitAll.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<graph.mlir>"),
                                      cl::Required);
static cl::opt<std::string> outputDir("o", cl::desc("Output directory"),
                                      cl::value_desc("dir"));
static cl::opt<std::string>
    target("target", cl::desc("Target: cpu (cuda: later)"), cl::init("cpu"));
static cl::opt<std::string>
    mode("mode", cl::desc("Entries: train, infer or both"), cl::init("both"));
static cl::opt<std::string>
    emit("emit",
         cl::desc("Print a stage instead: mlir (LLVM dialect), "
                  "llvm (optimized LLVM IR) or asm"),
         cl::init(""));
static cl::opt<bool> memorySavingBackward(
    "memory-saving-backward",
    cl::desc("Backward entries recover the normalized input from the output "
             "(scales must have no zeros; the runtime checks)"));
static cl::opt<bool> cpuKernels(
    "cpu-kernels",
    cl::desc("Run normalizations as scheduled CPU kernels (default); "
             "--cpu-kernels=false keeps the portable linalg lowering"),
    cl::init(true));
static cl::opt<std::string>
    cpu("mcpu",
        cl::desc("CPU to compile for, an LLVM name such as znver5 or "
                 "sapphirerapids (default: the host's)"),
        cl::value_desc("name"));
static cl::opt<std::string>
    cpuFeatures("mattr",
                cl::desc("CPU features to add or remove, e.g. -avx512f"),
                cl::value_desc("+a,-b"));
static cl::opt<int64_t>
    cpuThreads("cpu-threads",
               cl::desc("Threads the kernels are sized for (default: the "
                        "host's)"),
               cl::init(0));
static cl::opt<int64_t>
    llcBytes("llc-bytes",
             cl::desc("Last-level cache of the CPU, in bytes (default: "
                      "the host's)"),
             cl::init(0));
static cl::opt<int64_t> prefetchBytes(
    "prefetch-bytes",
    cl::desc("Bytes ahead that the kernels' streaming passes prefetch their "
             "inputs, 0 for none (default: the cost model's choice for the "
             "CPU)"),
    cl::init(-1));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level"),
                                  cl::Prefix, cl::init(3));

/// Prints "normc: error: <message>" and returns 1.
static int fail(const llvm::Twine &message) {
  llvm::errs() << "normc: error: " << message << "\n";
  return 1;
}

/// Writes `contents` to `path`.
static llvm::Error writeFile(llvm::StringRef path, llvm::StringRef contents) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError("cannot write " + path + ": " +
                                   ec.message());
  os << contents;
  os.close();
  if (os.has_error())
    return llvm::createStringError("cannot write " + path);
  return llvm::Error::success();
}

/// Links `object` into the shared library `library` with the system driver.
static llvm::Error linkSharedLibrary(llvm::StringRef object,
                                     llvm::StringRef library) {
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("cc");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang");
  if (!driver)
    return llvm::createStringError(
        "no C compiler driver (cc or clang) to link the shared library");
  std::string error;
  // The parallel loops call LLVM's OpenMP runtime; the library finds it
  // through its run path.
  llvm::StringRef openmp = NORMC_OPENMP_LIBRARY;
  std::string rpath =
      ("-Wl,-rpath," + llvm::sys::path::parent_path(openmp)).str();
  llvm::StringRef args[] = {*driver, "-shared", "-o",  library,
                            object,  openmp,    rpath, "-lm"};
  int rc =
      llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return llvm::createStringError(
        "linking " + library + " failed: " +
        (error.empty() ? "exit code " + std::to_string(rc) : error));
  return llvm::Error::success();
}

/// Writes the artifact into a temporary sibling of `outDir` (creating its
/// parent directories), then renames it. (LLVM puts a relative unique-directory
/// model under the system temp directory, so the sibling is named from the
/// absolute path.)
static llvm::Error writeArtifact(norm::CompiledGraph &graph,
                                 llvm::TargetMachine &tm,
                                 llvm::StringRef outDir, llvm::StringRef name) {
  llvm::SmallString<256> dir(outDir);
  if (std::error_code ec = llvm::sys::fs::make_absolute(dir))
    return llvm::createStringError("cannot resolve " + outDir + ": " +
                                   ec.message());
  if (std::error_code ec =
          llvm::sys::fs::create_directories(llvm::sys::path::parent_path(dir)))
    return llvm::createStringError("cannot create the parent of " + dir + ": " +
                                   ec.message());
  llvm::SmallString<256> tmp;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory(dir + ".tmp", tmp))
    return llvm::createStringError("cannot create a directory next to " + dir +
                                   ": " + ec.message());
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(tmp); });
  llvm::Expected<std::string> object = norm::emitObject(*graph.module, tm,
                                                        /*assembly=*/false);
  if (!object)
    return object.takeError();
  std::string library = ("lib" + name + ".so").str();
  graph.manifest.library = library;
  llvm::SmallString<256> objPath(tmp), libPath(tmp), headerPath(tmp),
      manifestPath(tmp);
  llvm::sys::path::append(objPath, name + ".o");
  llvm::sys::path::append(libPath, library);
  llvm::sys::path::append(headerPath, name + ".h");
  llvm::sys::path::append(manifestPath, "manifest.json");
  std::string guard = "NORMC_" + llvm::StringRef(name).upper() + "_H";
  for (char &c : guard)
    if (!llvm::isAlnum(c))
      c = '_';
  if (llvm::Error err = writeFile(objPath, *object))
    return err;
  if (llvm::Error err = linkSharedLibrary(objPath, libPath))
    return err;
  llvm::sys::fs::remove(objPath);
  if (llvm::Error err =
          writeFile(headerPath, norm::emitHeader(graph.manifest, guard)))
    return err;
  if (llvm::Error err = writeFile(manifestPath, graph.manifest.toJSON()))
    return err;
  // Replace an existing output directory only once the new one is complete.
  llvm::SmallString<256> old;
  if (llvm::sys::fs::exists(dir)) {
    old = (dir + ".old").str();
    llvm::sys::fs::remove_directories(old);
    if (std::error_code ec = llvm::sys::fs::rename(dir, old))
      return llvm::createStringError("cannot replace " + dir + ": " +
                                     ec.message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, dir))
    return llvm::createStringError("cannot create " + dir + ": " +
                                   ec.message());
  cleanup.release();
  if (!old.empty())
    llvm::sys::fs::remove_directories(old);
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "normc: compile a normalization graph to a shared library, C header "
      "and manifest\n");
  if (target != "cpu")
    return fail("target '" + target + "' is not available (supported: cpu)");
  std::vector<std::string> modes;
  if (mode == "both")
    modes = {"train", "infer"};
  else if (mode == "train" || mode == "infer")
    modes = {mode};
  else
    return fail("--mode must be train, infer or both, got '" + mode + "'");
  if (!emit.empty() && emit != "mlir" && emit != "llvm" && emit != "asm")
    return fail("--emit must be mlir, llvm or asm, got '" + emit + "'");
  if (emit.empty() && outputDir.empty())
    return fail("no output directory: pass -o DIR (or --emit=...)");

  DialectRegistry registry;
  norm::registerNormCompilerDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string errorMessage;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputPath);
  if (!buffer)
    return fail("cannot read " + inputPath + ": " +
                buffer.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  norm::CompileOptions options;
  options.modes = modes;
  options.optLevel = optLevel;
  options.memorySavingBackward = memorySavingBackward;
  options.cpuKernels = cpuKernels;
  options.target.cpu = cpu;
  options.target.features = cpuFeatures;
  options.target.threads = cpuThreads;
  options.target.llcBytes = llcBytes;
  options.target.prefetchBytes = prefetchBytes;
  auto tm = norm::createCpuTargetMachine(options.target);
  if (!tm)
    return fail(llvm::toString(tm.takeError()));
  if (emit == "mlir") {
    normc::Manifest manifest;
    for (const std::string &m : modes) {
      FailureOr<OwningOpRef<ModuleOp>> lowered =
          norm::lowerGraphForMode(*module, m, manifest, options);
      if (failed(lowered))
        return 1;
      (*lowered)->print(llvm::outs());
      llvm::outs() << "\n";
    }
    return 0;
  }

  FailureOr<norm::CompiledGraph> compiled =
      norm::compileGraph(*module, options);
  if (failed(compiled))
    return 1;
  if (emit == "llvm") {
    compiled->module->print(llvm::outs(), nullptr);
    return 0;
  }
  if (emit == "asm") {
    llvm::Expected<std::string> text =
        norm::emitObject(*compiled->module, **tm, /*assembly=*/true);
    if (!text)
      return fail(llvm::toString(text.takeError()));
    llvm::outs() << *text;
    return 0;
  }
  std::string name = llvm::sys::path::stem(inputPath).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (llvm::Error err = writeArtifact(*compiled, **tm, outputDir, name))
    return fail(llvm::toString(std::move(err)));
  llvm::outs() << "normc: wrote " << outputDir << "/lib" << name << ".so, "
               << name << ".h, manifest.json ("
               << compiled->manifest.entries.size() << " entries)\n";
  return 0;
}
