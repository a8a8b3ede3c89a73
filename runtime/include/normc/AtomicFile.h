//===- AtomicFile.h - Crash-safe replacement of a file ----------*- C++ -*-===//
//
// Replaces a file so that readers and crashes only ever see the old or the
// complete new contents: the new contents go to a uniquely named temporary in
// the same directory, which is fsync'ed, renamed over the target, and the
// directory is fsync'ed.
//
// Temporary files are named ".<target file name>.tmp-XXXXXXXX" (hidden, with
// a random suffix), so they never end in the target's extension and cannot
// be mistaken for the target. Failures reported through llvm::Error remove
// the temporary; a process that dies mid-write (crash, _exit, SIGKILL) may
// leave one behind, which is harmless and may be deleted by hand.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_ATOMICFILE_H
#define NORMC_ATOMICFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <string>

namespace normc {

/// Writes `path` atomically. `writer` is called with the path of a freshly
/// created, empty temporary file in the same directory as `path` and must
/// fill it (it may reopen, truncate or even replace that file). If `writer`
/// succeeds, the temporary is fsync'ed, renamed over `path` and the directory
/// is fsync'ed. On any failure (including one returned by `writer`) the
/// temporary is removed, `path` is left untouched, and the error names `path`.
llvm::Error writeFileAtomic(
    const std::string &path,
    llvm::function_ref<llvm::Error(const std::string &tmpPath)> writer);

/// Writes `contents` to `path` atomically (see `writeFileAtomic`).
llvm::Error writeBytesAtomic(const std::string &path, llvm::StringRef contents);

/// The prefix that every temporary file for `path` starts with, e.g.
/// "dir/.state.npz.tmp-" for "dir/state.npz". Useful to find or clean up
/// temporaries left behind by a crashed writer.
std::string atomicTempPrefix(const std::string &path);

/// Reads the whole file at `path` as bytes; the error names the path.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readFileBytes(const std::string &path);

} // namespace normc

#endif // NORMC_ATOMICFILE_H
