//===- TempDir.h - Scratch directories for the runtime I/O tests -*- C++
//-*-===//
//
// A unique directory under the system temp directory, removed with
// everything in it when the object goes away.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_TEST_UNIT_IO_IOTESTUTILS_H
#define NORMC_TEST_UNIT_IO_IOTESTUTILS_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <string>
#include <vector>

namespace normc::test {

/// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
public:
  /// Creates `<tmp>/normc-<tag>-test-XXXXXX`.
  explicit TempDir(llvm::StringRef tag) {
    llvm::SmallString<256> model;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, model);
    llvm::sys::path::append(model, "normc-" + tag + "-test-%%%%%%");
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory(model, dir));
  }
  ~TempDir() { llvm::sys::fs::remove_directories(dir); }
  std::string file(llvm::StringRef name) const {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  /// The directory itself.
  std::string path() const { return std::string(dir); }
  /// Names of the entries in the directory, sorted.
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    EXPECT_FALSE(ec);
    std::sort(names.begin(), names.end());
    return names;
  }

private:
  llvm::SmallString<256> dir;
};

/// The message of a failed `value`, or "<no error>".
template <class T> std::string errorOf(llvm::Expected<T> value) {
  if (value)
    return "<no error>";
  return llvm::toString(value.takeError());
}

/// The message of `err`, or "<no error>".
inline std::string errorOf(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : "<no error>";
}

} // namespace normc::test

#endif // NORMC_TEST_UNIT_IO_IOTESTUTILS_H
