//===- StateStore.h - Running statistics of norm layers ---------*- C++ -*-===//
//
// Holds the running statistics of the normalization layers of a model under
// PyTorch state_dict names and persists them as a `.npz` archive:
//   <layer>.running_mean         dtype and shape of the layer's spec
//   <layer>.running_var          dtype and shape of the layer's spec
//   <layer>.num_batches_tracked  int64, 0-d (shape ())
// `load` checks a file against the expected layers and never modifies it;
// `save` replaces the file atomically.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_STATESTORE_H
#define NORMC_STATESTORE_H

#include "normc/Array.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace normc {

/// The running statistics one normalization layer expects.
struct StateSpec {
  /// State-dict prefix of the layer, e.g. "layer1.0.bn1".
  std::string layer;
  /// Element type of running_mean and running_var: F32 or F64.
  DType dtype = DType::F32;
  /// Shape of running_mean and running_var, e.g. {C}.
  std::vector<int64_t> shape;
  /// Initial running_mean: empty for PyTorch's 0, one value to broadcast, or
  /// one value per element.
  std::vector<double> initialMean;
  /// Initial running_var: empty for PyTorch's 1, one value to broadcast, or
  /// one value per element.
  std::vector<double> initialVar;
  /// Initial num_batches_tracked (PyTorch: 0).
  int64_t initialCount = 0;
};

/// State-dict key of the running mean of `layer`: "<layer>.running_mean".
std::string runningMeanKey(llvm::StringRef layer);
/// State-dict key of the running variance: "<layer>.running_var".
std::string runningVarKey(llvm::StringRef layer);
/// State-dict key of the batch counter: "<layer>.num_batches_tracked".
std::string numBatchesTrackedKey(llvm::StringRef layer);

/// Running statistics of a set of layers, keyed by state-dict name.
class StateStore {
public:
  /// Checks that `specs` are usable: non-empty, distinct layer names, dtype
  /// F32 or F64, non-negative extents, initial values of size 0, 1 or numel.
  static llvm::Error checkSpecs(const std::vector<StateSpec> &specs);

  /// The initial state of `specs` (PyTorch: mean 0, var 1, count 0 unless the
  /// spec gives values). Invalid specs (see `checkSpecs`) are a fatal error.
  static StateStore initial(const std::vector<StateSpec> &specs);

  /// Loads the `.npz` at `path` and checks it against `expected`: every key
  /// present with the expected dtype and shape, and no other key. Every
  /// problem is reported in one error naming `path`, the keys, and the
  /// expected and actual dtype/shape. The file is only read.
  static llvm::Expected<StateStore>
  load(const std::string &path, const std::vector<StateSpec> &expected);

  /// Saves all statistics to `path` atomically (via `writeNpzAtomic`).
  llvm::Error save(const std::string &path) const;

  /// The layers of this store, in the order they were specified.
  const std::vector<StateSpec> &specs() const { return layerSpecs; }

  /// True if `layer` is one of the specified layers.
  bool hasLayer(llvm::StringRef layer) const;

  /// Running mean of `layer`; `layer` must be specified (fatal error if not).
  Array &mean(llvm::StringRef layer);
  /// Const running mean of `layer`.
  const Array &mean(llvm::StringRef layer) const;
  /// Running variance of `layer`; `layer` must be specified.
  Array &var(llvm::StringRef layer);
  /// Const running variance of `layer`.
  const Array &var(llvm::StringRef layer) const;
  /// num_batches_tracked of `layer` (int64, 0-d); `layer` must be specified.
  Array &count(llvm::StringRef layer);
  /// Const num_batches_tracked of `layer`.
  const Array &count(llvm::StringRef layer) const;

  /// All arrays keyed by state-dict name, as they are saved.
  const std::map<std::string, Array> &arrays() const { return byKey; }

private:
  /// The array stored under state-dict `key`; fatal error if there is none.
  Array &at(const std::string &key);
  /// Const version of `at`.
  const Array &at(const std::string &key) const;

  /// The layers, in the order given to `initial` or `load`.
  std::vector<StateSpec> layerSpecs;
  /// Every array, keyed by state-dict name.
  std::map<std::string, Array> byKey;
};

} // namespace normc

#endif // NORMC_STATESTORE_H
