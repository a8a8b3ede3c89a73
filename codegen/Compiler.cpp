//===- Compiler.cpp - Compile a norm graph for a CPU ----------------------===//
//
// Lowers each mode of a graph with norm-to-cpu, records the manifest from
// the specialized function signatures, translates to LLVM IR, links the
// modes and optimizes for the host CPU or a named one.
//
//===----------------------------------------------------------------------===//

#include "codegen/Compiler.h"

#include "codegen/Pipelines.h"
#include "codegen/StreamingStores.h"
#include "dialect/NormOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace mlir;
using namespace mlir::norm;

/// The runtime dtype of a tensor element type.
static normc::DType toDType(Type element) {
  if (element.isF16())
    return normc::DType::F16;
  if (element.isBF16())
    return normc::DType::BF16;
  if (element.isF64())
    return normc::DType::F64;
  if (element.isInteger(64))
    return normc::DType::I64;
  return normc::DType::F32;
}

/// Describes a tensor argument or result of a specialized entry.
static normc::TensorInfo describe(Type type, DictionaryAttr attrs,
                                  std::string name) {
  auto tensor = cast<RankedTensorType>(type);
  normc::TensorInfo info;
  info.dtype = toDType(tensor.getElementType());
  info.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  if (attrs) {
    if (auto state = attrs.getAs<StringAttr>("norm.state"))
      info.state = state.str();
    if (auto saved = attrs.getAs<StringAttr>("norm.saved"))
      info.saved = saved.str();
    info.nonzero = static_cast<bool>(attrs.get("norm.nonzero"));
  }
  info.name = info.isState()   ? info.state
              : info.isSaved() ? info.saved
                               : std::move(name);
  return info;
}

/// Values of an optional elements attribute, or `fill` repeated.
static std::vector<double> valuesOr(std::optional<ElementsAttr> attr,
                                    int64_t count, double fill) {
  if (!attr)
    return std::vector<double>(count, fill);
  std::vector<double> values;
  for (APFloat v : attr->getValues<APFloat>())
    values.push_back(v.convertToDouble());
  return values;
}

/// Records the running-statistics declarations of `module` once.
static void recordStates(ModuleOp module, normc::Manifest &manifest) {
  if (!manifest.states.empty())
    return;
  for (auto decl : module.getOps<RunningStatsOp>()) {
    RankedTensorType type = decl.getStatsType();
    normc::StateInfo s;
    s.layer = decl.getSymName().str();
    s.dtype = toDType(type.getElementType());
    s.shape.assign(type.getShape().begin(), type.getShape().end());
    s.initialMean = valuesOr(decl.getInitialMean(), type.getNumElements(), 0.0);
    s.initialVar = valuesOr(decl.getInitialVar(), type.getNumElements(), 1.0);
    s.initialCount = decl.getInitialCountAttr().getInt();
    manifest.states.push_back(std::move(s));
  }
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::norm::lowerGraphForMode(ModuleOp graph, StringRef mode,
                              normc::Manifest &manifest,
                              const CompileOptions &compile) {
  auto tm = createCpuTargetMachine(compile.target);
  if (!tm)
    return graph.emitError("no target machine: ")
           << llvm::toString(tm.takeError());
  NormCpuSchedulePassOptions schedule;
  schedule.vectorWidth = vectorWidthOf(**tm);
  schedule.threads = compile.target.threads;
  schedule.llcBytes = compile.target.llcBytes;
  schedule.nativeBf16 = hasNativeBf16(**tm);
  schedule.prefetchBytes = compile.target.prefetchBytes;
  schedule.cpu = (*tm)->getTargetCPU().str();
  OwningOpRef<ModuleOp> module(cast<ModuleOp>(graph->clone()));
  recordStates(*module, manifest);
  SmallVector<func::FuncOp> entries;
  for (auto func : module->getOps<func::FuncOp>())
    if (!func.isExternal() && func.isPublic())
      entries.push_back(func);
  for (func::FuncOp func : entries)
    if (failed(SymbolTable::replaceAllSymbolUses(
            func,
            StringAttr::get(graph.getContext(), func.getName() + "_" + mode),
            *module)))
      return failure();
  for (func::FuncOp func : entries)
    func.setName((func.getName() + "_" + mode).str());

  NormPipelineOptions options;
  options.mode = mode.str();
  options.backward = compile.backward;
  options.memorySavingBackward = compile.memorySavingBackward;
  PassManager front(graph.getContext());
  buildNormFrontendPipeline(front, options, compile.cpuKernels, schedule);
  if (failed(front.run(*module)))
    return failure();

  std::string suffix = ("_" + mode).str();
  for (auto func : module->getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.isPublic())
      continue;
    StringRef symbol = func.getName();
    normc::EntryInfo entry;
    entry.backward = symbol.consume_back("_backward");
    if (!symbol.consume_back(suffix))
      continue;
    entry.function = symbol.str();
    entry.mode = mode.str();
    entry.symbol = "normc_" + func.getName().str();
    FunctionType type = func.getFunctionType();
    // Backward entries: forward inputs, then gradients of the outputs; their
    // results are the gradients of the floating-point forward inputs.
    const normc::EntryInfo *forward =
        entry.backward ? manifest.findEntry(entry.function, entry.mode)
                       : nullptr;
    std::vector<std::string> argNames, resultNames;
    if (forward) {
      for (const normc::TensorInfo &t : forward->inputs)
        if (t.isUser())
          argNames.push_back(t.name);
      int j = 0;
      for (const normc::TensorInfo &t : forward->outputs)
        if (t.isUser())
          argNames.push_back("grad_out" + std::to_string(j++));
      for (const normc::TensorInfo &t : forward->inputs)
        if (t.isUser() && t.dtype != normc::DType::I64)
          resultNames.push_back("grad_" + t.name);
    }
    int user = 0;
    for (auto [i, t] : llvm::enumerate(type.getInputs()))
      entry.inputs.push_back(describe(
          t, func.getArgAttrDict(i),
          i < argNames.size() ? argNames[i] : "arg" + std::to_string(i)));
    for (auto [i, t] : llvm::enumerate(type.getResults())) {
      normc::TensorInfo info =
          describe(t, func.getResultAttrDict(i),
                   i < resultNames.size() ? resultNames[i]
                                          : "out" + std::to_string(user));
      user += info.isUser() ? 1 : 0;
      entry.outputs.push_back(std::move(info));
    }
    manifest.entries.push_back(std::move(entry));
    // The manifest holds the state tags now; LLVM IR has no use for them.
    for (StringRef tag : {"norm.state", "norm.saved", "norm.nonzero"}) {
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        func.removeArgAttr(i, tag);
      for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
        func.removeResultAttr(i, StringAttr::get(func.getContext(), tag));
    }
  }
  for (auto decl : llvm::make_early_inc_range(module->getOps<RunningStatsOp>()))
    decl.erase();

  PassManager back(graph.getContext());
  buildNormCpuBackendPipeline(back, hasNativeBf16(**tm));
  if (failed(back.run(*module)))
    return failure();
  return module;
}

/// The entries of an LLVM feature list, "+a,-b".
static llvm::SmallVector<llvm::StringRef> splitFeatures(llvm::StringRef list) {
  llvm::SmallVector<llvm::StringRef> features;
  list.split(features, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef &feature : features)
    feature = feature.trim();
  return features;
}

/// An error when `target` names a CPU or a feature ("+a,-b") that LLVM's
/// target for `triple` does not know (checked before LLVM would warn and
/// ignore it).
static llvm::Error checkCpuTarget(const CpuTarget &target,
                                  const llvm::Triple &triple) {
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return llvm::createStringError(error);
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (!target.cpu.empty() && !info->isCPUStringValid(target.cpu))
    return llvm::createStringError("unknown CPU '" + target.cpu + "' for " +
                                   triple.str());
  for (llvm::StringRef name : splitFeatures(target.features)) {
    llvm::StringRef bare = name;
    if (!bare.consume_front("+") && !bare.consume_front("-"))
      return llvm::createStringError("CPU feature '" + name +
                                     "' must start with + or -");
    if (!llvm::any_of(
            info->getAllProcessorFeatures(),
            [&](const llvm::SubtargetFeatureKV &kv) { return bare == kv.Key; }))
      return llvm::createStringError("unknown CPU feature '" + bare + "'");
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
mlir::norm::createCpuTargetMachine(const CpuTarget &target) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // Inline assembly (StreamingStores.cpp) is assembled by the target's
  // parser, in object files and in the JIT alike.
  llvm::InitializeNativeTargetAsmParser();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  if (llvm::Error err = checkCpuTarget(target, triple))
    return std::move(err);
  auto builder = target.cpu.empty()
                     ? llvm::orc::JITTargetMachineBuilder::detectHost()
                     : llvm::Expected<llvm::orc::JITTargetMachineBuilder>(
                           llvm::orc::JITTargetMachineBuilder(triple));
  if (!builder)
    return builder.takeError();
  if (!target.cpu.empty())
    builder->setCPU(target.cpu);
  for (llvm::StringRef feature : splitFeatures(target.features))
    builder->getFeatures().AddFeature(feature);
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  builder->setRelocationModel(llvm::Reloc::PIC_);
  return builder->createTargetMachine();
}

bool mlir::norm::hasNativeBf16(const llvm::TargetMachine &tm) {
  return tm.getMCSubtargetInfo()->checkFeatures("+avx512bf16");
}

int64_t mlir::norm::vectorWidthOf(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo &info = *tm.getMCSubtargetInfo();
  if (info.checkFeatures("+avx512f"))
    return 16;
  if (info.checkFeatures("+avx"))
    return 8;
  return 4;
}

/// Defines compiler-rt's `__truncsfbf2` (f32 -> bf16, round to nearest
/// even, quiet NaN) in `module`. x86 without AVX512-BF16 lowers scalar bf16
/// arithmetic and selects through it, and neither the JIT nor a normc
/// shared library links compiler-rt (Debian's libgcc has no bf16 helpers).
/// Integer ops only, and `optnone`, so the body cannot call itself.
static void defineTruncSFBF2(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  if (module.getFunction("__truncsfbf2"))
    return;
  auto *type = llvm::FunctionType::get(llvm::Type::getBFloatTy(ctx),
                                       {llvm::Type::getFloatTy(ctx)}, false);
  auto *fn = llvm::Function::Create(type, llvm::GlobalValue::WeakODRLinkage,
                                    "__truncsfbf2", module);
  fn->setVisibility(llvm::GlobalValue::HiddenVisibility);
  fn->addFnAttr(llvm::Attribute::NoInline);
  fn->addFnAttr(llvm::Attribute::OptimizeNone);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  llvm::Value *x = fn->getArg(0);
  llvm::Value *bits = b.CreateBitCast(x, b.getInt32Ty());
  llvm::Value *lsb = b.CreateAnd(b.CreateLShr(bits, 16), 1);
  llvm::Value *rounded =
      b.CreateAdd(bits, b.CreateAdd(lsb, b.getInt32(0x7FFF)));
  llvm::Value *high = b.CreateTrunc(b.CreateLShr(rounded, 16), b.getInt16Ty());
  llvm::Value *result =
      b.CreateSelect(b.CreateFCmpUNO(x, x), b.getInt16(0x7FC0), high);
  b.CreateRet(b.CreateBitCast(result, llvm::Type::getBFloatTy(ctx)));
  llvm::appendToUsed(module, {fn});
}

FailureOr<CompiledGraph>
mlir::norm::compileGraph(ModuleOp graph, const CompileOptions &options) {
  registerBuiltinDialectTranslation(*graph.getContext());
  registerLLVMDialectTranslation(*graph.getContext());
  registerOpenMPDialectTranslation(*graph.getContext());
  CompiledGraph result;
  result.context = std::make_unique<llvm::LLVMContext>();
  for (const std::string &mode : options.modes) {
    FailureOr<OwningOpRef<ModuleOp>> lowered =
        lowerGraphForMode(graph, mode, result.manifest, options);
    if (failed(lowered))
      return failure();
    std::unique_ptr<llvm::Module> llvmModule =
        translateModuleToLLVMIR(**lowered, *result.context, "normc_graph");
    if (!llvmModule)
      return graph.emitError("translation to LLVM IR failed");
    if (!result.module)
      result.module = std::move(llvmModule);
    else if (llvm::Linker::linkModules(*result.module, std::move(llvmModule)))
      return graph.emitError("linking the entries of both modes failed");
  }
  defineTruncSFBF2(*result.module);
  auto tm = createCpuTargetMachine(options.target);
  if (!tm)
    return graph.emitError("no target machine: ")
           << llvm::toString(tm.takeError());
  result.module->setDataLayout((*tm)->createDataLayout());
  result.module->setTargetTriple((*tm)->getTargetTriple());
  auto optimize =
      makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, tm->get());
  if (llvm::Error err = optimize(result.module.get()))
    return graph.emitError("LLVM optimization failed: ")
           << llvm::toString(std::move(err));
  streamHalfPrecisionStores(*result.module, **tm);
  return result;
}

llvm::Expected<std::string> mlir::norm::emitObject(llvm::Module &module,
                                                   llvm::TargetMachine &tm,
                                                   bool assembly) {
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the target cannot emit this file type");
  pm.run(module);
  return std::string(buffer.str());
}

std::string mlir::norm::emitHeader(const normc::Manifest &manifest,
                                   StringRef guard) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by normc: entries of a compiled normalization graph.\n"
        " *\n"
        " * Each entry takes an array of pointers to MLIR memref descriptors\n"
        " * (inputs, then outputs, in the order listed), laid out as\n"
        " *   struct { void *allocated, *aligned; int64_t offset;\n"
        " *            int64_t sizes[rank], strides[rank]; }\n"
        " * with row-major contiguous strides. See manifest.json. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto describeTensor = [&](const normc::TensorInfo &t) {
    os << " *   " << t.name << ": " << normc::dtypeName(t.dtype) << "[";
    llvm::interleaveComma(t.shape, os);
    os << "]\n";
  };
  for (const normc::EntryInfo &e : manifest.entries) {
    os << "/* " << e.function << " (" << e.mode << ")\n * inputs:\n";
    llvm::for_each(e.inputs, describeTensor);
    os << " * outputs:\n";
    llvm::for_each(e.outputs, describeTensor);
    os << " */\nvoid " << e.symbol << "(void **descriptors);\n\n";
  }
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return text;
}
