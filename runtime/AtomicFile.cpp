//===- AtomicFile.cpp - Crash-safe replacement of a file ------------------===//
//
// write-temp / fsync / rename / fsync-directory on POSIX. The temporary is
// created with O_EXCL under a random name next to the target (rename is only
// atomic within one file system) and takes the target's permission bits if
// the target exists.
//
//===----------------------------------------------------------------------===//

#include "normc/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace normc;

namespace {

std::error_code lastError() {
  return std::error_code(errno, std::generic_category());
}

llvm::Error ioError(const std::string &path, const llvm::Twine &what,
                    std::error_code ec) {
  return llvm::createStringError(ec, path + ": " + what + ": " + ec.message());
}

/// fsync()s the file or directory at `path`, retrying on EINTR. File systems
/// that cannot sync directories answer EINVAL, which is not an error.
std::error_code syncPath(const std::string &path, bool isDirectory) {
  int fd = ::open(path.c_str(),
                  O_RDONLY | O_CLOEXEC | (isDirectory ? O_DIRECTORY : 0));
  if (fd < 0)
    return lastError();
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  std::error_code ec;
  if (rc != 0 && !(isDirectory && errno == EINVAL))
    ec = lastError();
  ::close(fd);
  return ec;
}

} // namespace

std::string normc::atomicTempPrefix(const std::string &path) {
  llvm::SmallString<256> prefix(llvm::sys::path::parent_path(path));
  llvm::sys::path::append(prefix,
                          "." + llvm::sys::path::filename(path) + ".tmp-");
  return std::string(prefix);
}

llvm::Error normc::writeFileAtomic(
    const std::string &path,
    llvm::function_ref<llvm::Error(const std::string &tmpPath)> writer) {
  if (llvm::sys::path::filename(path).empty())
    return llvm::createStringError(
        std::make_error_code(std::errc::invalid_argument),
        "'" + path + "': not a file path");

  // Create the temporary exclusively, with the target's permissions if any.
  int fd = -1;
  llvm::SmallString<256> tmp;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          atomicTempPrefix(path) + "%%%%%%%%", fd, tmp))
    return ioError(path, "cannot create a temporary file", ec);
  std::string tmpPath(tmp);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0)
    (void)::fchmod(fd, st.st_mode & 07777);
  ::close(fd);

  auto fail = [&](llvm::Error err) {
    ::unlink(tmpPath.c_str());
    return err;
  };

  if (llvm::Error err = writer(tmpPath))
    return fail(
        llvm::createStringError(std::make_error_code(std::errc::io_error),
                                path + ": write failed, file left unchanged: " +
                                    llvm::toString(std::move(err))));
  if (std::error_code ec = syncPath(tmpPath, /*isDirectory=*/false))
    return fail(ioError(path, "cannot sync the temporary file", ec));
  if (::rename(tmpPath.c_str(), path.c_str()) != 0)
    return fail(
        ioError(path, "cannot rename the temporary file over it", lastError()));

  // The new contents are in place; make the rename itself durable.
  std::string dir(llvm::sys::path::parent_path(path));
  if (std::error_code ec = syncPath(dir.empty() ? "." : dir,
                                    /*isDirectory=*/true))
    return ioError(path, "replaced, but cannot sync its directory", ec);
  return llvm::Error::success();
}

llvm::Error normc::writeBytesAtomic(const std::string &path,
                                    llvm::StringRef contents) {
  return writeFileAtomic(path, [&](const std::string &tmpPath) -> llvm::Error {
    int fd = ::open(tmpPath.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
      return ioError(tmpPath, "cannot open", lastError());
    const char *p = contents.data();
    size_t left = contents.size();
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        std::error_code ec = lastError();
        ::close(fd);
        return ioError(tmpPath, "cannot write", ec);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (::close(fd) != 0)
      return ioError(tmpPath, "cannot close", lastError());
    return llvm::Error::success();
  });
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
normc::readFileBytes(const std::string &path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(
        buffer.getError(),
        path + ": cannot read: " + buffer.getError().message());
  return std::move(*buffer);
}
