//===- Executable.cpp - Entries of a compiled graph -----------------------===//
//
// Loads a normc artifact directory (manifest.json + shared library) with
// dlopen and resolves entries with dlsym.
//
//===----------------------------------------------------------------------===//

#include "normc/Executable.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include <dlfcn.h>

using namespace normc;

llvm::Expected<std::shared_ptr<Executable>>
Executable::load(const std::string &dir) {
  llvm::SmallString<256> manifestPath(dir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  auto buffer = llvm::MemoryBuffer::getFile(manifestPath);
  if (!buffer)
    return llvm::createStringError("cannot read " + manifestPath + ": " +
                                   buffer.getError().message() + " (is '" +
                                   dir + "' a directory written by normc?)");
  llvm::Expected<Manifest> manifest =
      Manifest::fromJSON((*buffer)->getBuffer(), manifestPath);
  if (!manifest)
    return manifest.takeError();
  if (manifest->library.empty())
    return llvm::createStringError(manifestPath + ": names no library");
  llvm::SmallString<256> libraryPath(dir);
  llvm::sys::path::append(libraryPath, manifest->library);
  void *handle = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return llvm::createStringError("cannot load " + libraryPath + ": " +
                                   dlerror());
  std::shared_ptr<void> owner(handle, [](void *h) { dlclose(h); });
  Resolver resolve = [handle](const std::string &name) {
    return dlsym(handle, name.c_str());
  };
  return std::make_shared<Executable>(std::move(*manifest), resolve, owner);
}

llvm::Expected<EntryFn> Executable::lookup(const EntryInfo &entry) const {
  void *address = resolve(entry.symbol);
  if (!address)
    return llvm::createStringError("the compiled code has no entry '" +
                                   entry.symbol + "'");
  return reinterpret_cast<EntryFn>(address);
}
