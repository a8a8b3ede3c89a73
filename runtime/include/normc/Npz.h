//===- Npz.h - NumPy .npz archive reader and writer -------------*- C++ -*-===//
//
// Reads and writes `.npz` archives: zip files whose members are `<key>.npy`,
// as `numpy.savez` (stored) and `numpy.savez_compressed` (deflated) write
// them. Uses libzip; the zip's CRCs are checked on read. Keys map to arrays
// in a `std::map`, so the member order of a written archive is sorted.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_NPZ_H
#define NORMC_NPZ_H

#include "normc/Array.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace normc {

/// Parses the bytes of a `.npz` archive; `name` is used in error messages
/// only. See `readNpz`.
llvm::Expected<std::map<std::string, Array>> parseNpz(llvm::StringRef bytes,
                                                      llvm::StringRef name);

/// Reads the `.npz` archive at `path`. Accepts stored and deflated members.
/// Every member must be named "<key>.npy" and hold a valid `.npy` file. A
/// missing, non-zip, truncated or corrupt archive, a CRC or decompression
/// error, or an invalid member is an error naming `path` (and the member).
llvm::Expected<std::map<std::string, Array>> readNpz(const std::string &path);

/// Serializes `arrays` as the bytes of a `.npz` archive, one "<key>.npy"
/// member per entry, deflated if `compress` (like `numpy.savez_compressed`),
/// stored otherwise (like `numpy.savez`). Keys must be non-empty.
llvm::Expected<std::string>
serializeNpz(const std::map<std::string, Array> &arrays, bool compress = false);

/// Writes `arrays` as a `.npz` archive to `path` atomically (see
/// `writeFileAtomic`): `path` ends up holding either its previous contents or
/// the complete new archive.
llvm::Error writeNpzAtomic(const std::string &path,
                           const std::map<std::string, Array> &arrays,
                           bool compress = false);

} // namespace normc

#endif // NORMC_NPZ_H
