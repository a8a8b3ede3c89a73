//===- Npy.h - NumPy .npy reader and writer ---------------------*- C++ -*-===//
//
// Reads and writes the NumPy `.npy` format (versions 1.0, 2.0 and 3.0) for
// the element types of `normc::Array`: little-endian, C order only. Anything
// else (Fortran order, big-endian, object or structured dtypes, other element
// types, bad magic, truncated or surplus data) is rejected with an error that
// names the file and the problem.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_NPY_H
#define NORMC_NPY_H

#include "normc/Array.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace normc {

/// Parses the bytes of a `.npy` file. `name` is used in error messages only
/// (a path, or "file.npz (member 'x.npy')"). Every error reads
/// "<name>: <problem>".
llvm::Expected<Array> parseNpy(llvm::StringRef bytes, llvm::StringRef name);

/// Serializes `array` as a `.npy` file: version 1.0 (2.0 if the header does
/// not fit in 64 KiB), C order, little-endian, header padded so that the data
/// starts at a multiple of 64 bytes, like `numpy.save`. BF16 is written as
/// '<u2'. `array` must satisfy the Array size invariant.
std::string serializeNpy(const Array &array);

/// Reads and parses the `.npy` file at `path`.
llvm::Expected<Array> readNpy(const std::string &path);

/// Writes `array` to `path` atomically (see `writeFileAtomic`): afterwards
/// `path` holds either its previous contents or the complete new file.
llvm::Error writeNpy(const std::string &path, const Array &array);

} // namespace normc

#endif // NORMC_NPY_H
