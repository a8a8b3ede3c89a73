//===- Npz.cpp - NumPy .npz archive reader and writer ---------------------===//
//
// Archives are read from and built in memory with libzip buffer sources, so
// that reading checks the whole file (ZIP_CHECKCONS, CRCs) before any array
// is returned, and writing hands complete bytes to writeBytesAtomic.
//
//===----------------------------------------------------------------------===//

#include "normc/Npz.h"

#include "normc/AtomicFile.h"
#include "normc/Npy.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/MemoryBuffer.h"

#include <zip.h>

#include <cstdio>

using namespace normc;
using llvm::StringRef;

namespace {

/// Fixed modification time of written members (2000-01-01T00:00:00Z), so
/// that the same arrays always give the same bytes.
constexpr time_t kMemberMTime = 946684800;

llvm::Error npzError(const llvm::Twine &msg) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument), msg);
}

/// libzip's message for error code `code`.
std::string zipMessage(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string msg = zip_error_strerror(&error);
  zip_error_fini(&error);
  return msg;
}

/// Why libzip could not open an archive, in words.
std::string openProblem(int code) {
  switch (code) {
  case ZIP_ER_NOZIP:
    return "not a zip archive, or truncated (no end of central directory "
           "record found)";
  case ZIP_ER_INCONS:
    return "corrupt or truncated zip archive (" + zipMessage(code) + ")";
  default:
    return "cannot open as a zip archive: " + zipMessage(code);
  }
}

/// Reads all of member `index`; libzip checks the CRC when the end is
/// reached. Reads in chunks so that a corrupt size field cannot cause a huge
/// allocation.
llvm::Error readMember(zip_t *archive, zip_uint64_t index,
                       const std::string &member, std::string &out) {
  zip_file_t *file = zip_fopen_index(archive, index, 0);
  if (!file)
    return npzError(member + ": cannot open member: " + zip_strerror(archive));
  char chunk[1 << 16];
  while (true) {
    zip_int64_t n = zip_fread(file, chunk, sizeof(chunk));
    if (n < 0) {
      std::string msg = zip_file_strerror(file);
      zip_fclose(file);
      return npzError(member + ": corrupt member: " + msg);
    }
    if (n == 0)
      break;
    out.append(chunk, static_cast<size_t>(n));
  }
  if (int code = zip_fclose(file))
    return npzError(member + ": corrupt member: " + zipMessage(code));
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::map<std::string, Array>> normc::parseNpz(StringRef bytes,
                                                             StringRef name) {
  if (bytes.empty())
    return npzError(name + ": empty file (not a zip archive)");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t *source =
      zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) {
    std::string msg = zip_error_strerror(&error);
    zip_error_fini(&error);
    return npzError(name + ": " + msg);
  }
  zip_t *archive =
      zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive) {
    int code = zip_error_code_zip(&error);
    zip_error_fini(&error);
    zip_source_free(source);
    return npzError(name + ": " + openProblem(code));
  }
  zip_error_fini(&error);

  std::map<std::string, Array> arrays;
  llvm::Error err = llvm::Error::success();
  zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count && !err; ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, i, 0, &stat) != 0 || !stat.name) {
      err = npzError(name + ": corrupt zip archive: cannot read entry " +
                     llvm::Twine(i) + ": " + zip_strerror(archive));
      break;
    }
    StringRef memberName(stat.name);
    std::string member = (name + " (member '" + memberName + "')").str();
    if (!memberName.ends_with(".npy") || memberName.size() == 4) {
      err = npzError(member + ": not a .npy member (an .npz holds only "
                              "<key>.npy members)");
      break;
    }
    std::string key = memberName.drop_back(4).str();
    if (arrays.count(key)) {
      err = npzError(member + ": duplicate member");
      break;
    }
    std::string contents;
    if ((err = readMember(archive, i, member, contents)))
      break;
    if ((stat.valid & ZIP_STAT_SIZE) && contents.size() != stat.size) {
      err = npzError(member + ": corrupt member: read " +
                     llvm::Twine(contents.size()) +
                     " bytes, the directory "
                     "says " +
                     llvm::Twine(stat.size));
      break;
    }
    llvm::Expected<Array> array = parseNpy(contents, member);
    if (!array) {
      err = array.takeError();
      break;
    }
    arrays.emplace(std::move(key), std::move(*array));
  }
  zip_discard(archive);
  if (err)
    return std::move(err);
  return arrays;
}

llvm::Expected<std::map<std::string, Array>>
normc::readNpz(const std::string &path) {
  auto buffer = readFileBytes(path);
  if (!buffer)
    return buffer.takeError();
  return parseNpz((*buffer)->getBuffer(), path);
}

llvm::Expected<std::string>
normc::serializeNpz(const std::map<std::string, Array> &arrays, bool compress) {
  // libzip writes nothing at all for an archive without members; NumPy
  // writes a lone end-of-central-directory record, and so do we.
  if (arrays.empty())
    return std::string("PK\x05\x06", 4) + std::string(18, '\0');

  zip_error_t error;
  zip_error_init(&error);
  zip_source_t *sink = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!sink) {
    std::string msg = zip_error_strerror(&error);
    zip_error_fini(&error);
    return npzError("cannot create a zip buffer: " + msg);
  }
  zip_source_keep(sink); // Still needed after zip_close.
  zip_t *archive = zip_open_from_source(sink, ZIP_TRUNCATE, &error);
  if (!archive) {
    std::string msg = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(sink);
    zip_source_free(sink);
    return npzError("cannot create a zip archive: " + msg);
  }
  zip_error_fini(&error);

  auto abandon = [&](const llvm::Twine &msg) {
    llvm::Error err = npzError(msg + ": " + zip_strerror(archive));
    zip_discard(archive);
    zip_source_free(sink);
    return err;
  };

  // Member sources point into `npys`, which must outlive zip_close.
  std::vector<std::string> npys;
  npys.reserve(arrays.size());
  for (const auto &[key, array] : arrays) {
    if (key.empty())
      return abandon("cannot add an array with an empty key");
    npys.push_back(serializeNpy(array));
    std::string memberName = key + ".npy";
    zip_source_t *member =
        zip_source_buffer(archive, npys.back().data(), npys.back().size(), 0);
    if (!member)
      return abandon("cannot add member '" + memberName + "'");
    zip_int64_t index =
        zip_file_add(archive, memberName.c_str(), member, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(member);
      return abandon("cannot add member '" + memberName + "'");
    }
    if (zip_set_file_compression(
            archive, index, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_mtime(archive, index, kMemberMTime, 0) != 0)
      return abandon("cannot set up member '" + memberName + "'");
  }
  if (zip_close(archive) != 0)
    return abandon("cannot write the zip archive");

  // Copy the finished archive out of the buffer source.
  std::string out;
  bool ok = zip_source_open(sink) == 0;
  if (ok) {
    ok = zip_source_seek(sink, 0, SEEK_END) == 0;
    zip_int64_t size = ok ? zip_source_tell(sink) : -1;
    ok = ok && size >= 0 && zip_source_seek(sink, 0, SEEK_SET) == 0;
    if (ok) {
      out.resize(static_cast<size_t>(size));
      ok = zip_source_read(sink, out.data(), out.size()) == size;
    }
    zip_source_close(sink);
  }
  zip_source_free(sink);
  if (!ok)
    return npzError("cannot read back the built zip archive");
  return out;
}

llvm::Error normc::writeNpzAtomic(const std::string &path,
                                  const std::map<std::string, Array> &arrays,
                                  bool compress) {
  llvm::Expected<std::string> bytes = serializeNpz(arrays, compress);
  if (!bytes)
    return npzError(path + ": " + llvm::toString(bytes.takeError()));
  return writeBytesAtomic(path, *bytes);
}
