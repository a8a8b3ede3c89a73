//===- Executable.h - Entries of a compiled graph ---------------*- C++ -*-===//
//
// A compiled normalization graph ready to call: its manifest and the
// address of every entry, whether it comes from a shared library written by
// `normc` (dlopen) or from the in-process JIT (normc/Jit.h).
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_RUNTIME_EXECUTABLE_H
#define NORMC_RUNTIME_EXECUTABLE_H

#include "normc/Manifest.h"

#include <functional>
#include <memory>
#include <string>

namespace normc {

/// The calling convention of every entry: an array of pointers to memref
/// descriptors, inputs first, then outputs.
using EntryFn = void (*)(void **);

/// A compiled graph's entries.
class Executable {
public:
  /// Resolves a symbol name to its address (null when absent).
  using Resolver = std::function<void *(const std::string &)>;

  /// Wraps entries found through `resolve`; `owner` keeps the code alive.
  Executable(Manifest manifest, Resolver resolve, std::shared_ptr<void> owner)
      : manifestData(std::move(manifest)), resolve(std::move(resolve)),
        owner(std::move(owner)) {}

  /// Loads `dir/manifest.json` and the shared library it names.
  static llvm::Expected<std::shared_ptr<Executable>>
  load(const std::string &dir);

  /// The manifest.
  const Manifest &manifest() const { return manifestData; }

  /// The address of `entry`; an error if the code lacks it.
  llvm::Expected<EntryFn> lookup(const EntryInfo &entry) const;

private:
  Manifest manifestData;
  Resolver resolve;
  std::shared_ptr<void> owner;
};

} // namespace normc

#endif // NORMC_RUNTIME_EXECUTABLE_H
