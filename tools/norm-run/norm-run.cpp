//===- norm-run.cpp - Run a compiled normalization graph on .npy data -----===//
//
//   norm-run GRAPH.mlir|ARTIFACT_DIR --entry=NAME --mode=train|infer
//            (--input=FILE.npy ... | --random [--seed=S]) [--state=FILE.npz]
//            [--steps=N] [--grad-output=FILE.npy ...] --out=DIR
//
// A graph file is compiled in process (JIT); a directory is an artifact
// written by normc. Inputs are the entry's user arguments in order;
// results are written as DIR/out0.npy, DIR/out1.npy, ... The state file is
// read if it exists and, after training steps, written back atomically.
//
//===----------------------------------------------------------------------===//

#include "normc/Jit.h"
#include "normc/Npy.h"
#include "normc/Session.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include <chrono>
#include <cstring>
#include <random>

namespace cl = llvm::cl;
using namespace normc;

static cl::opt<std::string> graphPath(cl::Positional,
                                      cl::desc("<graph.mlir | artifact dir>"),
                                      cl::Required);
static cl::opt<std::string> entryName("entry",
                                      cl::desc("Function to run (default: "
                                               "the only one)"));
static cl::opt<std::string> mode("mode", cl::desc("train or infer"),
                                 cl::init("infer"));
static cl::list<std::string>
    inputFiles("input",
               cl::desc("Input .npy files, in argument order (float32, "
                        "float64, float16 '<f2', bfloat16 as raw '<u2' bits)"));
static cl::opt<bool> randomInputs("random",
                                  cl::desc("Fill inputs with seeded N(0, 1) "
                                           "data of the declared shapes"));
static cl::opt<unsigned> seed("seed", cl::desc("Seed for --random"),
                              cl::init(0));
static cl::opt<std::string>
    statePath("state",
              cl::desc("Running statistics (.npz, PyTorch state_dict keys): "
                       "read if present, written back after training"));
static cl::opt<unsigned> steps("steps", cl::desc("Number of steps to run"),
                               cl::init(1));
static cl::opt<std::string> outDir("out", cl::desc("Directory for outN.npy"));
static cl::list<std::string> gradOutputFiles(
    "grad-output",
    cl::desc("Gradient of each output (.npy, in result order): after the "
             "steps, runs the backward entry and writes DIR/grad_argN.npy "
             "for every floating-point input"));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "norm-run: error: " << message << "\n";
  return 1;
}

/// Seeded N(0, 1) data of `info`'s dtype and shape.
static Array randomArray(const TensorInfo &info, std::mt19937_64 &rng) {
  Array a = Array::zeros(info.dtype, info.shape);
  std::normal_distribution<double> normal;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double v = normal(rng);
    switch (info.dtype) {
    case DType::F32:
      a.as<float>()[i] = static_cast<float>(v);
      break;
    case DType::F64:
      a.as<double>()[i] = v;
      break;
    case DType::F16:
    case DType::BF16: {
      llvm::APFloat f(v);
      bool lost;
      f.convert(info.dtype == DType::F16 ? llvm::APFloat::IEEEhalf()
                                         : llvm::APFloat::BFloat(),
                llvm::APFloat::rmNearestTiesToEven, &lost);
      uint16_t bits = f.bitcastToAPInt().getZExtValue();
      std::memcpy(a.data.data() + 2 * i, &bits, 2);
      break;
    }
    case DType::I64:
      break;
    }
  }
  return a;
}

/// The function to run: --entry, or the only one in the manifest.
static llvm::Expected<std::string> chooseFunction(const Manifest &manifest) {
  if (!entryName.empty())
    return entryName.getValue();
  std::string only;
  for (const EntryInfo &e : manifest.entries) {
    if (!only.empty() && only != e.function)
      return llvm::createStringError(
          "the graph has several functions; choose one with --entry");
    only = e.function;
  }
  if (only.empty())
    return llvm::createStringError("the graph has no entry");
  return only;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  cl::ParseCommandLineOptions(
      argc, argv,
      "norm-run: run a compiled normalization graph on .npy data\n");
  if (mode != "train" && mode != "infer")
    return fail("--mode must be train or infer, got '" + mode + "'");
  if (outDir.empty())
    return fail("no output directory: pass --out=DIR");
  if (randomInputs && !inputFiles.empty())
    return fail("--random and --input exclude each other");

  llvm::Expected<std::shared_ptr<Executable>> executable =
      llvm::sys::fs::is_directory(graphPath)
          ? Executable::load(graphPath)
          : jitCompileFile(graphPath, {mode.getValue()});
  if (!executable)
    return fail(llvm::toString(executable.takeError()));
  llvm::Expected<std::string> function =
      chooseFunction((*executable)->manifest());
  if (!function)
    return fail(llvm::toString(function.takeError()));
  auto session = Session::create(*executable, *function);
  if (!session)
    return fail(llvm::toString(session.takeError()));
  if (llvm::Error err =
          mode == "train" ? (*session)->train() : (*session)->eval())
    return fail(llvm::toString(std::move(err)));

  if (!statePath.empty() && llvm::sys::fs::exists(statePath))
    if (llvm::Error err = (*session)->loadState(statePath))
      return fail(llvm::toString(std::move(err)));

  std::vector<const TensorInfo *> declared = (*session)->userInputs();
  std::vector<Array> inputs;
  if (randomInputs) {
    std::mt19937_64 rng(seed);
    for (const TensorInfo *t : declared)
      inputs.push_back(randomArray(*t, rng));
  } else {
    if (inputFiles.size() != declared.size())
      return fail("entry '" + (*session)->entry().symbol + "' takes " +
                  llvm::Twine(declared.size()) + " inputs, got " +
                  llvm::Twine(inputFiles.size()) + " --input files");
    for (const std::string &file : inputFiles) {
      llvm::Expected<Array> a = readNpy(file);
      if (!a)
        return fail(llvm::toString(a.takeError()));
      inputs.push_back(std::move(*a));
    }
  }
  std::vector<const Array *> inputPtrs;
  for (const Array &a : inputs)
    inputPtrs.push_back(&a);

  std::vector<const Array *> results;
  auto start = std::chrono::steady_clock::now();
  for (unsigned step = 0; step < steps; ++step) {
    auto out = (*session)->forward(inputPtrs);
    if (!out)
      return fail(llvm::toString(out.takeError()));
    results = *out;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return fail("cannot create " + outDir + ": " + ec.message());
  for (auto [i, a] : llvm::enumerate(results)) {
    llvm::SmallString<256> path(outDir);
    llvm::sys::path::append(path, "out" + std::to_string(i) + ".npy");
    if (llvm::Error err = writeNpy(path.str().str(), *a))
      return fail(llvm::toString(std::move(err)));
  }
  unsigned gradients = 0;
  if (!gradOutputFiles.empty()) {
    std::vector<Array> gradOutputs;
    for (const std::string &file : gradOutputFiles) {
      llvm::Expected<Array> a = readNpy(file);
      if (!a)
        return fail(llvm::toString(a.takeError()));
      gradOutputs.push_back(std::move(*a));
    }
    std::vector<const Array *> gradPtrs;
    for (const Array &a : gradOutputs)
      gradPtrs.push_back(&a);
    auto grads = (*session)->backward(inputPtrs, gradPtrs);
    if (!grads)
      return fail(llvm::toString(grads.takeError()));
    const EntryInfo *entry = (*session)->backwardEntry();
    for (auto [info, a] : llvm::zip(entry->outputs, *grads)) {
      llvm::SmallString<256> path(outDir);
      llvm::sys::path::append(path, info.name + ".npy");
      if (llvm::Error err = writeNpy(path.str().str(), *a))
        return fail(llvm::toString(std::move(err)));
      ++gradients;
    }
  }
  if (!statePath.empty() && mode == "train")
    if (llvm::Error err = (*session)->saveState(statePath))
      return fail(llvm::toString(std::move(err)));
  llvm::outs() << "norm-run: " << *function << " (" << mode << "), " << steps
               << " step(s), " << llvm::format("%.3f", seconds * 1e3 / steps)
               << " ms/step; wrote " << results.size() << " output(s)";
  if (!gradOutputFiles.empty())
    llvm::outs() << " and " << gradients << " gradient(s)";
  llvm::outs() << " to " << outDir << "\n";
  return 0;
}
