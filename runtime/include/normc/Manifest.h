//===- Manifest.h - What a compiled normc artifact contains ----*- C++ -*-===//
//
// The JSON manifest written next to a compiled graph (manifest.json): its
// entries (one per function and mode) with their argument and result
// tensors, and the running-statistics state with initial values. The
// compiler produces it; the runtime and norm-run read it.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_RUNTIME_MANIFEST_H
#define NORMC_RUNTIME_MANIFEST_H

#include "normc/Array.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace normc {

/// One tensor argument or result of an entry.
struct TensorInfo {
  /// `arg<i>` / `out<i>` for user tensors, the state key otherwise.
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// `<layer>.running_mean` etc. for running statistics, empty otherwise.
  std::string state;

  /// Number of elements.
  int64_t numel() const;
  /// `norm<k>.mean` / `norm<k>.rstd` for statistics a training entry saves
  /// for its backward entry, empty otherwise.
  std::string saved;

  /// The entry divides by this input (the memory-saving gradient's scale):
  /// the runtime rejects zeros in it.
  bool nonzero = false;

  /// True for running statistics.
  bool isState() const { return !state.empty(); }
  /// True for statistics saved between a forward and a backward entry.
  bool isSaved() const { return !saved.empty(); }
  /// True for tensors the caller passes or receives (not state, not saved).
  bool isUser() const { return !isState() && !isSaved(); }
};

/// One compiled entry: a graph function in one mode.
struct EntryInfo {
  /// The function's name in the graph.
  std::string function;
  /// `train` or `infer`.
  std::string mode;
  /// The packed entry symbol `normc_<function>_<mode>(void **descriptors)`.
  std::string symbol;
  /// Arguments in order: user inputs, then running statistics (in).
  std::vector<TensorInfo> inputs;
  /// Results in order: user outputs, then running statistics (out, train).
  std::vector<TensorInfo> outputs;
  /// A backward entry: inputs are the forward's user inputs, one gradient
  /// per forward output (`grad_out<j>`), then running statistics; outputs
  /// are the gradients of the floating-point inputs (`grad_arg<i>`).
  bool backward = false;
};

/// Running statistics of one normalization layer.
struct StateInfo {
  std::string layer;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<double> initialMean, initialVar;
  int64_t initialCount = 0;
};

/// Everything a runtime needs to call a compiled graph.
struct Manifest {
  /// Name of the shared library in the artifact directory (empty for JIT).
  std::string library;
  std::vector<EntryInfo> entries;
  std::vector<StateInfo> states;

  /// The forward (or backward) entry for `function` in `mode`, or null.
  const EntryInfo *findEntry(const std::string &function,
                             const std::string &mode,
                             bool backward = false) const;
  /// Serializes to JSON text.
  std::string toJSON() const;
  /// Parses JSON text; errors name `source` and the offending field.
  static llvm::Expected<Manifest> fromJSON(llvm::StringRef text,
                                           llvm::StringRef source);
};

/// Parses `f16`, `bf16`, `f32`, `f64`, `i64`.
llvm::Expected<DType> parseDType(llvm::StringRef name);

} // namespace normc

#endif // NORMC_RUNTIME_MANIFEST_H
