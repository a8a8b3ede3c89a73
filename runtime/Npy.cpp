//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//
//
// The .npy format: the magic "\x93NUMPY", a version byte pair, a little-endian
// header length (2 bytes in 1.0, 4 bytes in 2.0 and 3.0), then a Python dict
// literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with
// spaces and a newline, then the raw data. The dict is parsed by a small
// recursive-descent reader that accepts exactly what NumPy writes.
//
//===----------------------------------------------------------------------===//

#include "normc/Npy.h"

#include "normc/AtomicFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <optional>

using namespace normc;
using llvm::StringRef;

namespace {

constexpr StringRef kMagic("\x93NUMPY", 6);

llvm::Error npyError(StringRef name, const llvm::Twine &problem) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument),
      llvm::Twine(name) + ": " + problem);
}

/// The dict of a .npy header, as parsed.
struct Header {
  std::optional<std::string> descr;
  std::optional<bool> fortranOrder;
  std::optional<std::vector<int64_t>> shape;
};

/// Recursive-descent reader of the header dict. On failure `problem` says
/// what is wrong.
class HeaderParser {
public:
  explicit HeaderParser(StringRef text) : text(text) {}

  bool parse(Header &header) {
    skipSpace();
    if (!expect('{'))
      return false;
    skipSpace();
    while (!peek('}')) {
      std::string key;
      if (!parseString(key) || (skipSpace(), !expect(':')))
        return false;
      skipSpace();
      if (!parseEntry(key, header))
        return false;
      skipSpace();
      if (!peek(','))
        break;
      ++pos;
      skipSpace();
    }
    if (!expect('}'))
      return false;
    skipSpace();
    if (pos != text.size())
      return fail("unexpected text after the header dict");
    return true;
  }

  std::string problem;

private:
  bool fail(const llvm::Twine &msg) {
    problem = ("malformed header: " + msg).str();
    return false;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool peek(char c) const { return pos < text.size() && text[pos] == c; }

  bool expect(char c) {
    if (!peek(c))
      return fail("expected '" + llvm::Twine(c) + "' at offset " +
                  llvm::Twine(pos));
    ++pos;
    return true;
  }

  /// A Python string literal in single or double quotes (no escapes: NumPy
  /// never writes any in the keys or descr we accept).
  bool parseString(std::string &out) {
    if (!peek('\'') && !peek('"'))
      return fail("expected a string at offset " + llvm::Twine(pos));
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == StringRef::npos)
      return fail("unterminated string");
    out = text.substr(pos, end - pos).str();
    pos = end + 1;
    return true;
  }

  bool parseEntry(const std::string &key, Header &header) {
    if (key == "descr") {
      if (header.descr)
        return fail("duplicate key 'descr'");
      if (peek('['))
        return fail("structured dtypes (a list descr) are not supported");
      std::string descr;
      if (!parseString(descr))
        return false;
      header.descr = descr;
      return true;
    }
    if (key == "fortran_order") {
      if (header.fortranOrder)
        return fail("duplicate key 'fortran_order'");
      if (text.substr(pos).starts_with("True")) {
        header.fortranOrder = true;
        pos += 4;
        return true;
      }
      if (text.substr(pos).starts_with("False")) {
        header.fortranOrder = false;
        pos += 5;
        return true;
      }
      return fail("'fortran_order' must be True or False");
    }
    if (key == "shape") {
      if (header.shape)
        return fail("duplicate key 'shape'");
      std::vector<int64_t> shape;
      if (!parseShape(shape))
        return false;
      header.shape = std::move(shape);
      return true;
    }
    return fail("unexpected key '" + key + "'");
  }

  /// "()", "(3,)", "(2, 3)"; Python 2's "3L" suffix is accepted.
  bool parseShape(std::vector<int64_t> &shape) {
    if (!expect('('))
      return false;
    skipSpace();
    while (!peek(')')) {
      if (peek('-'))
        return fail("negative extent in 'shape'");
      if (pos >= text.size() || !llvm::isDigit(text[pos]))
        return fail("expected an integer in 'shape' at offset " +
                    llvm::Twine(pos));
      int64_t value = 0;
      while (pos < text.size() && llvm::isDigit(text[pos])) {
        std::optional<int64_t> next = llvm::checkedMulAdd<int64_t>(
            value, 10, static_cast<int64_t>(text[pos] - '0'));
        if (!next)
          return fail("extent in 'shape' overflows int64");
        value = *next;
        ++pos;
      }
      if (peek('L'))
        ++pos;
      shape.push_back(value);
      skipSpace();
      if (!peek(','))
        break;
      ++pos;
      skipSpace();
    }
    return expect(')');
  }

  StringRef text;
  size_t pos = 0;
};

/// Maps a descr to a DType, or sets `problem`.
std::optional<DType> parseDescr(StringRef descr, std::string &problem) {
  if (descr == "<f2")
    return DType::F16;
  if (descr == "<u2" || descr == "<i2")
    return DType::BF16;
  if (descr == "<f4")
    return DType::F32;
  if (descr == "<f8")
    return DType::F64;
  if (descr == "<i8")
    return DType::I64;
  if (descr.ends_with("O"))
    problem = "object arrays (dtype '" + descr.str() + "') are not supported";
  else if (descr.starts_with(">"))
    problem = "big-endian dtype '" + descr.str() +
              "' is not supported (only little-endian)";
  else
    problem = "unsupported dtype '" + descr.str() +
              "' (supported: '<f2', '<u2' or '<i2' as bf16 bits, '<f4', "
              "'<f8', '<i8')";
  return std::nullopt;
}

const char *descrOf(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "<f2";
  case DType::BF16:
    return "<u2";
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I64:
    return "<i8";
  }
  return "";
}

uint32_t readLE(StringRef bytes, size_t offset, size_t width) {
  uint32_t v = 0;
  for (size_t i = 0; i < width; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[offset + i]))
         << (8 * i);
  return v;
}

} // namespace

llvm::Expected<Array> normc::parseNpy(StringRef bytes, StringRef name) {
  // Preamble: magic, version, header length.
  if (!bytes.starts_with(kMagic)) {
    if (bytes.empty())
      return npyError(name, "empty file (not a .npy file)");
    if (kMagic.starts_with(bytes))
      return npyError(name, "truncated: the file ends inside the .npy magic");
    return npyError(name, "not a .npy file (bad magic, expected "
                          "\"\\x93NUMPY\")");
  }
  if (bytes.size() < 8)
    return npyError(name, "truncated: the file ends before the version");
  unsigned major = static_cast<uint8_t>(bytes[6]);
  unsigned minor = static_cast<uint8_t>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    return npyError(name, "unsupported .npy version " + llvm::Twine(major) +
                              "." + llvm::Twine(minor) +
                              " (supported: 1.0, 2.0, 3.0)");
  size_t lenWidth = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + lenWidth)
    return npyError(name, "truncated: the file ends before the header length");
  uint64_t headerLen = readLE(bytes, 8, lenWidth);
  uint64_t dataOffset = 8 + lenWidth + headerLen;
  if (bytes.size() < dataOffset)
    return npyError(name, "truncated header: it declares " +
                              llvm::Twine(headerLen) + " bytes but only " +
                              llvm::Twine(bytes.size() - 8 - lenWidth) +
                              " follow");

  // Header dict.
  Header header;
  HeaderParser parser(bytes.substr(8 + lenWidth, headerLen));
  if (!parser.parse(header))
    return npyError(name, parser.problem);
  if (!header.descr)
    return npyError(name, "malformed header: missing key 'descr'");
  if (!header.fortranOrder)
    return npyError(name, "malformed header: missing key 'fortran_order'");
  if (!header.shape)
    return npyError(name, "malformed header: missing key 'shape'");
  std::string problem;
  std::optional<DType> dtype = parseDescr(*header.descr, problem);
  if (!dtype)
    return npyError(name, problem);
  // NumPy writes fortran_order True only for arrays that are not also
  // C-contiguous; every other writer is expected to follow it.
  if (*header.fortranOrder)
    return npyError(name, "Fortran-order (column-major) arrays are not "
                          "supported; save a C-contiguous array");

  // Data: exactly numel * element size bytes.
  Array array;
  array.dtype = *dtype;
  array.shape = *header.shape;
  std::optional<int64_t> needed = dtypeSize(*dtype);
  for (int64_t extent : array.shape)
    if (needed)
      needed = llvm::checkedMul<int64_t>(*needed, extent);
  if (!needed)
    return npyError(name,
                    "shape " + formatShape(array.shape) + " is too large");
  uint64_t available = bytes.size() - dataOffset;
  if (available < static_cast<uint64_t>(*needed))
    return npyError(name, "truncated data: shape " + formatShape(array.shape) +
                              " of " + *header.descr + " needs " +
                              llvm::Twine(*needed) + " bytes but only " +
                              llvm::Twine(available) + " follow the header");
  if (available > static_cast<uint64_t>(*needed))
    return npyError(name, "header/shape mismatch: shape " +
                              formatShape(array.shape) + " of " +
                              *header.descr + " needs " + llvm::Twine(*needed) +
                              " bytes but " + llvm::Twine(available) +
                              " follow the header");
  StringRef data = bytes.substr(dataOffset);
  array.data.assign(data.bytes_begin(), data.bytes_end());
  return array;
}

std::string normc::serializeNpy(const Array &array) {
  assert(static_cast<int64_t>(array.data.size()) == array.byteSize() &&
         "Array data size does not match its shape");
  std::string dict =
      std::string("{'descr': '") + descrOf(array.dtype) +
      "', 'fortran_order': False, 'shape': " + formatShape(array.shape) + ", }";
  // Pad with spaces and end with '\n' so that the data is 64-byte aligned.
  auto headerFor = [&](size_t preamble) {
    size_t total = preamble + dict.size() + 1;
    size_t padded = (total + 63) / 64 * 64;
    return dict + std::string(padded - total, ' ') + "\n";
  };
  std::string header = headerFor(10);
  bool v1 = header.size() <= 0xffff;
  if (!v1)
    header = headerFor(12);

  std::string out(kMagic);
  out += static_cast<char>(v1 ? 1 : 2);
  out += '\0';
  for (size_t i = 0; i < (v1 ? 2u : 4u); ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char *>(array.data.data()),
             array.data.size());
  return out;
}

llvm::Expected<Array> normc::readNpy(const std::string &path) {
  auto buffer = readFileBytes(path);
  if (!buffer)
    return buffer.takeError();
  return parseNpy((*buffer)->getBuffer(), path);
}

llvm::Error normc::writeNpy(const std::string &path, const Array &array) {
  return writeBytesAtomic(path, serializeNpy(array));
}
