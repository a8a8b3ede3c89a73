//===- Passes.td - Passes of normc -------------------------*- tablegen -*-===//
//
// Declares the norm passes; each one has a lit test named after its flag.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_PASSES_TD
#define NORMC_PASSES_TD

include "mlir/Pass/PassBase.td"

def NormCanonicalizeNamedPass : Pass<"norm-canonicalize-named"> {
  let summary = "Rewrite named normalizations into the generic norm.normalize";
  let description = [{
    Replaces `norm.batch_norm`, `norm.layer_norm`, `norm.rms_norm`,
    `norm.group_norm` and `norm.instance_norm` by the equivalent
    `norm.normalize` (reduction axes, group split, parameter axes, centering,
    epsilon, statistics type and running statistics). Later passes only see
    the generic form. The same rewrites are the named ops' canonicalizations.
  }];
  let dependentDialects = ["::mlir::norm::NormDialect"];
}

def NormBuildBackwardPass : Pass<"norm-build-backward", "::mlir::ModuleOp"> {
  let summary = "Add a backward function next to every public function";
  let description = [{
    For every public function `@f` (after `norm-canonicalize-named`), adds
    `@f_backward`: it takes f's arguments followed by one gradient per
    result of f, recomputes the forward pass, and returns the gradient of
    every floating-point argument (zeros where an argument does not reach a
    result). Normalizations are differentiated with `norm.normalize_grad`
    using the statistics of the recomputed forward: batch statistics in
    training (`mode=train`; running statistics are not updated by a backward
    call), the running statistics in inference (`mode=infer`);
    activations with `norm.activation_grad`; residual adds by passing the
    gradient to both operands (fan-out gradients are summed).

    Convolutions are differentiated with `norm.conv2d_grad`. A function that
    contains an op without a derivative (any op outside the norm dialect, or
    saved statistics that are returned) gets no backward function, with a
    warning that says why.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"train\"",
           "Statistics of the backward pass: train (batch) or infer (running)">,
    Option<"fromOutput", "from-output", "bool", /*default=*/"false",
           "Memory-saving gradients: recover x-hat from the normalization's "
           "output y (normalize_grad {from_output}) where it has a scale">
  ];
  let dependentDialects = ["::mlir::norm::NormDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

def NormSpecializeModePass : Pass<"norm-specialize-mode", "::mlir::ModuleOp"> {
  let summary = "Build the training or the inference form of a norm graph";
  let description = [{
    Resolves every `norm.normalize` that refers to running statistics
    (`running = #norm.running<@state, ...>`) for one mode. Named ops are first
    rewritten into `norm.normalize`.

    Each function that uses running statistics gets three arguments per
    `norm.running_stats` declaration it uses (in declaration order):
    running_mean, running_var and num_batches_tracked, tagged with
    `norm.state = "<layer>.running_mean"` etc.

    - `mode=infer`: the normalization uses the running statistics:
      `norm.apply` over every axis but the parameter axes.
    - `mode=train`: batch statistics (`norm.moments`), `norm.apply`, and a
      `norm.update_running` whose results the function returns as three extra
      results per state (same tags). Training with one value per statistic is
      rejected, as PyTorch does. Ghost (virtual-batch) normalization updates
      the running statistics once per virtual batch, in batch order.

    Normalizations without running statistics use batch statistics in both
    modes and are left alone. The function is tagged `norm.mode`.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"infer\"",
           "Which entry to build: train or infer">
  ];
  let dependentDialects = ["::mlir::norm::NormDialect",
                           "::mlir::func::FuncDialect"];
}

def ConvertNormToLinalgPass : Pass<"convert-norm-to-linalg"> {
  let summary = "Decompose norm ops into linalg on tensors";
  let description = [{
    The target-independent decomposition shared by the CPU and GPU
    pipelines. Named ops are first rewritten into `norm.normalize`, which
    (without running statistics: run
    `norm-specialize-mode` first) becomes `norm.moments` + `norm.apply` (+
    `norm.rstd` for saved statistics); those, `norm.update_running`,
    `norm.normalize_grad`, `norm.activation`, `norm.add` and `norm.conv2d`
    become `linalg.generic` ops. Statistics use two passes with f64 accumulators. A group split is a
    `tensor.expand_shape` of the input.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def NormCopyAliasedResultsPass : Pass<"norm-copy-aliased-results", "::mlir::ModuleOp"> {
  let summary = "Give every returned tensor its own value";
  let description = [{
    Entry results become caller-provided output buffers. A function that
    returns one of its arguments, or the same value twice (a residual
    gradient reaches two inputs unchanged), gets a `linalg.copy` into a fresh
    tensor for each repeated or argument result, so every output buffer is
    written exactly once.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def NormEmitCInterfacePass : Pass<"norm-emit-c-interface", "::mlir::ModuleOp"> {
  let summary = "Give every defined function a C-callable wrapper";
  let description = [{
    Sets `llvm.emit_c_interface` on every function with a body, so that
    `convert-func-to-llvm` emits `_mlir_ciface_<name>` wrappers that take
    memref descriptors by pointer: the ABI of normc's shared libraries and
    of the JIT.
  }];
}

def NormEmitPackedEntriesPass : Pass<"norm-emit-packed-entries", "::mlir::ModuleOp"> {
  let summary = "Add a packed entry `normc_<name>(void **)` per C interface";
  let description = [{
    Runs on the LLVM dialect. For every `_mlir_ciface_<name>` function, adds
    `normc_<name>(ptr args)` that loads its i-th argument from `args[i]` and
    calls the C interface: one calling convention, whatever the arity, for
    the runtime's dlopen and JIT paths. Arguments are pointers to memref
    descriptors: inputs first, then the outputs (results turned into
    caller-provided buffers).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def NormCpuCopiesToLoopsPass : Pass<"norm-cpu-copies-to-loops"> {
  let summary = "Turn memref.copy into linalg.copy so it lowers to loops";
  let description = [{
    Bufferization copies buffers with `memref.copy`, which the LLVM lowering
    turns into a call to `memrefCopy` from MLIR's C runner utilities whenever
    a layout is not the identity. Compiled graphs must not depend on that
    library: as `linalg.copy` the copy becomes plain loops (which LLVM
    turns into memcpy where it can).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def NormCpuSchedulePass : Pass<"norm-cpu-schedule", "::mlir::ModuleOp"> {
  let summary = "Choose the CPU kernel of every normalization (cost model)";
  let description = [{
    Sets `norm.cpu_schedule = #norm.cpu_schedule<...>` on every
    `norm.normalize` (without running statistics) and `norm.apply` that a CPU
    kernel can run: f32, f16 or bf16 data with f32 statistics, and reduction
    axes that view the input as [outer, rows, mid, inner] with statistics per
    (outer, mid). The cost model picks `rows` when the contiguous reduced
    extent spans two vectors or more, else `channels_last`, the host's vector
    width, and row chunks that give every thread several pieces of work. An
    op that already carries a schedule (set by hand or by a tuner) is kept.
    Ops without a schedule keep the portable linalg lowering.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "f32 lanes per vector (0: the host's widest vector unit)">,
    Option<"threads", "threads", "int64_t", /*default=*/"0",
           "Threads the kernels are sized for (0: the host's)">,
    Option<"llcBytes", "llc-bytes", "int64_t", /*default=*/"0",
           "Bytes of last-level cache (0: the host's)">,
    Option<"prefetchBytes", "prefetch-bytes", "int64_t", /*default=*/"-1",
           "Bytes ahead that streaming passes prefetch their inputs (0: "
           "none; -1: the cost model's choice for the CPU)">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"",
           "LLVM name of the CPU the kernels are for (empty: the host's)">,
    Option<"nativeBf16", "native-bf16", "bool", /*default=*/"false",
           "The target converts f32 to bf16 itself (AVX512-BF16); false: "
           "bf16 rows kernels use even_odd lanes">
  ];
  let dependentDialects = ["::mlir::norm::NormDialect"];
}

def ConvertNormToCpuKernelsPass
    : Pass<"convert-norm-to-cpu-kernels", "::mlir::ModuleOp"> {
  let summary = "Replace scheduled normalizations by vector loops on buffers";
  let description = [{
    Every `norm.apply` with a `norm.cpu_schedule` (and every scheduled
    `norm.normalize`, first split into moments and apply) becomes one kernel:
    scf.parallel / scf.for loops of vector loads, FMAs and stores on the
    operands' buffers (`bufferization.to_buffer`), writing freshly allocated
    outputs that are returned as tensors (`bufferization.to_tensor restrict`).
    The kernel also computes the statistics when they come from a
    `norm.moments` of the same input, reads the input as `lhs + rhs` when it
    is a `norm.add` used only by this normalization, and applies a following
    `norm.activation` that is the output's only user. Everything else is
    left to convert-norm-to-linalg.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def NormExpandBf16TruncationPass : Pass<"norm-expand-bf16-truncation"> {
  let summary = "Expand f32 -> bf16 truncation into integer ops";
  let description = [{
    Rewrites every `arith.truncf` to bf16 (scalar or vector; f64 through
    f32) into round-to-nearest-even integer arithmetic that keeps NaN a
    quiet NaN: a shift, an add of 0x7FFF plus the lowest kept bit, a NaN
    blend in the i32 lanes and one narrowing. x86 without AVX512-BF16 would
    otherwise convert lane by lane through compiler-rt's `__truncsfbf2`.
    The CPU backend runs it only for targets without AVX512-BF16; with it,
    LLVM selects `vcvtneps2bf16` for the plain `arith.truncf`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def NormCpuFenceStreamingStoresPass
    : Pass<"norm-cpu-fence-streaming-stores", "::mlir::ModuleOp"> {
  let summary = "End parallel iterations that stream stores with a fence";
  let description = [{
    Non-temporal (streaming) stores are weakly ordered on x86: another
    thread may not see them after an ordinary synchronisation. Every
    parallel loop iteration that contains a `vector.store` with
    `nontemporal = true` gets a sequentially consistent `llvm.fence` at its
    end: it runs on `omp.loop_nest` after convert-scf-to-openmp (earlier,
    the deallocation analysis and the alloca-scope inlining would reject an
    op with unknown memory effects) and before the CFG lowering.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // NORMC_PASSES_TD
