//===- Session.h - Train and run one graph function -------------*- C++ -*-===//
//
// A Session runs one function of a compiled graph the way a framework
// module does: `train()` / `eval()` choose the entry, `forward` runs it on
// the caller's inputs, and the running statistics live in a StateStore that
// training steps update (PyTorch semantics) and that is saved and loaded
// as `.npz`. Output buffers are allocated once, touched, and reused by every
// call (first-touch page faults are expensive on these machines).
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_RUNTIME_SESSION_H
#define NORMC_RUNTIME_SESSION_H

#include "normc/Executable.h"
#include "normc/StateStore.h"

#include <map>
#include <memory>

namespace normc {

/// Runs one function of a compiled graph in training or inference mode.
class Session {
public:
  /// A session for `function`; fails if the executable has no entry for it.
  static llvm::Expected<std::unique_ptr<Session>>
  create(std::shared_ptr<Executable> executable, const std::string &function);

  /// Selects the training entry (batch statistics, running-stat updates).
  llvm::Error train();
  /// Selects the inference entry (running statistics).
  llvm::Error eval();
  /// True after `train()`.
  bool isTraining() const { return current->mode == "train"; }

  /// The entry `forward` runs now.
  const EntryInfo &entry() const { return *current; }
  /// The user inputs / outputs of the current entry (state excluded).
  std::vector<const TensorInfo *> userInputs() const;
  std::vector<const TensorInfo *> userOutputs() const;

  /// Runs the current entry. `inputs` are the user inputs in order, with the
  /// declared dtypes and shapes; returns the user outputs, owned by the
  /// session and valid until the next call.
  llvm::Expected<std::vector<const Array *>>
  forward(const std::vector<const Array *> &inputs);

  /// Runs the backward entry of the current mode: gradients of the
  /// floating-point user inputs (in order) given the same `inputs` as
  /// `forward` and one gradient per user output. Training-mode backward uses
  /// batch statistics and does not update running statistics; inference
  /// backward treats the running statistics as constants. Outputs are owned
  /// by the session and valid until the next backward call.
  llvm::Expected<std::vector<const Array *>>
  backward(const std::vector<const Array *> &inputs,
           const std::vector<const Array *> &gradOutputs);
  /// The backward entry of the current mode, or null if none was compiled.
  const EntryInfo *backwardEntry() const;

  /// Runs the current entry on raw input buffers (C order, the declared
  /// dtypes and shapes; not checked) and returns the user outputs, owned by
  /// the session and valid until the next call. Used by the C API.
  std::vector<const Array *>
  forwardUnchecked(const std::vector<const void *> &inputs);

  /// The running statistics.
  StateStore &state() { return store; }
  /// Replaces the running statistics with the contents of `path`.
  llvm::Error loadState(const std::string &path);
  /// Saves the running statistics to `path` atomically.
  llvm::Error saveState(const std::string &path) const;
  /// The specs of every state the graph declares.
  std::vector<StateSpec> stateSpecs() const;

private:
  Session(std::shared_ptr<Executable> executable, std::string function);
  llvm::Error select(const std::string &mode);
  /// Checks `inputs` against the user inputs of `entry`.
  llvm::Expected<std::vector<const void *>>
  checkInputs(const EntryInfo &entry,
              const std::vector<const Array *> &inputs) const;
  /// Calls `fn` (the code of `entry`) on raw user inputs.
  std::vector<const Array *> call(const EntryInfo &entry, EntryFn fn,
                                  const std::vector<const void *> &inputs);

  std::shared_ptr<Executable> executable;
  std::string function;
  const EntryInfo *current = nullptr;
  EntryFn currentFn = nullptr;
  StateStore store;
  /// Reused output buffers per entry symbol.
  std::map<std::string, std::vector<Array>> outputs;
  /// Statistics saved by the last training forward step, by tag.
  std::map<std::string, Array> saved;
};

} // namespace normc

#endif // NORMC_RUNTIME_SESSION_H
