//===- NpzTest.cpp - Tests of the .npz reader and writer ------------------===//
//
// Round trips (stored and deflated, every dtype, 0-d and size-0 arrays),
// rejection of missing, empty, non-zip, truncated and corrupt archives and
// members, and interoperability with NumPy: archives we write are checked by
// numpy.load, and archives written by numpy.savez / savez_compressed (and
// .npy files of every version) are read by us. The NumPy tests run
// /usr/bin/python3 and are skipped when it cannot import numpy.
//
//===----------------------------------------------------------------------===//

#include "normc/Npz.h"
#include "normc/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "test/unit/io/IOTestUtils.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <fstream>
#include <sys/wait.h>

using namespace normc;
using normc::test::errorOf;
using normc::test::TempDir;

namespace {

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

/// The arrays that the NumPy tests exchange; the Python side builds the
/// same values (see kNumPyScript).
std::map<std::string, Array> sampleArrays() {
  std::map<std::string, Array> arrays;
  Array w = Array::zeros(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i)
    w.as<float>()[i] = i * 0.5f - 1.0f;
  arrays["w"] = w;
  Array scalar = Array::zeros(DType::F64, {});
  scalar.as<double>()[0] = 3.25;
  arrays["scalar"] = scalar;
  Array ints = Array::zeros(DType::I64, {4});
  const int64_t intValues[] = {-2, 0, 7, int64_t(1) << 40};
  std::copy(std::begin(intValues), std::end(intValues), ints.as<int64_t>());
  arrays["ints"] = ints;
  Array half = Array::zeros(DType::F16, {3});
  const uint16_t halfBits[] = {0x3c00, 0xc000, 0x3800}; // 1, -2, 0.5
  std::copy(std::begin(halfBits), std::end(halfBits), half.as<uint16_t>());
  arrays["half"] = half;
  Array brain = Array::zeros(DType::BF16, {2});
  brain.as<uint16_t>()[0] = 0x3f80; // 1.0
  brain.as<uint16_t>()[1] = 0xc000; // -2.0
  arrays["brain"] = brain;
  arrays["empty"] = Array::zeros(DType::F32, {0, 3});
  Array var = Array::zeros(DType::F64, {2, 2});
  for (int i = 0; i < 4; ++i)
    var.as<double>()[i] = i + 1;
  arrays["layer1.0.bn1.running_var"] = var;
  return arrays;
}

/// Every dtype in several shapes, including 0-d and size-0.
std::map<std::string, Array> allDTypeArrays() {
  std::map<std::string, Array> arrays;
  const DType dtypes[] = {DType::F16, DType::BF16, DType::F32, DType::F64,
                          DType::I64};
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {0}, {3}, {2, 0}, {2, 3, 4}};
  int n = 0;
  for (DType dtype : dtypes)
    for (const auto &shape : shapes) {
      Array a = Array::zeros(dtype, shape);
      for (size_t i = 0; i < a.data.size(); ++i)
        a.data[i] = static_cast<uint8_t>(i * 13 + n);
      arrays[std::string(dtypeName(dtype)) + "_" + std::to_string(n++)] = a;
    }
  return arrays;
}

void expectSameArrays(const std::map<std::string, Array> &got,
                      const std::map<std::string, Array> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto &[key, array] : want) {
    auto it = got.find(key);
    ASSERT_NE(it, got.end()) << "missing " << key;
    EXPECT_EQ(it->second.dtype, array.dtype) << key;
    EXPECT_EQ(it->second.shape, array.shape) << key;
    EXPECT_EQ(it->second.data, array.data) << key;
  }
}

std::string serialized(const std::map<std::string, Array> &arrays,
                       bool compress) {
  llvm::Expected<std::string> bytes = serializeNpz(arrays, compress);
  EXPECT_TRUE(static_cast<bool>(bytes)) << errorOf(std::move(bytes));
  return bytes ? *bytes : std::string();
}

/// Offset and size of the data of the first member of a zip archive, read
/// from its local file header.
std::pair<size_t, size_t> firstMemberData(const std::string &zip) {
  auto le = [&](size_t at, size_t width) {
    size_t v = 0;
    for (size_t i = 0; i < width; ++i)
      v |= static_cast<size_t>(static_cast<uint8_t>(zip[at + i])) << (8 * i);
    return v;
  };
  EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
  size_t offset = 30 + le(26, 2) + le(28, 2);
  return {offset, le(18, 4)};
}

/// Replaces every occurrence of `from` by `to` (same length) in `bytes`;
/// returns how many were replaced.
int replaceAll(std::string &bytes, const std::string &from,
               const std::string &to) {
  int count = 0;
  for (size_t at = bytes.find(from); at != std::string::npos;
       at = bytes.find(from, at + to.size())) {
    bytes.replace(at, from.size(), to);
    ++count;
  }
  return count;
}

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

uint32_t crcOf(const std::string &bytes) {
  return llvm::crc32(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
}

TEST(NpzTest, RoundTripStoredAndDeflated) {
  std::map<std::string, Array> arrays = allDTypeArrays();
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress ? "deflated" : "stored");
    std::string bytes = serialized(arrays, compress);
    llvm::Expected<std::map<std::string, Array>> back =
        parseNpz(bytes, "mem.npz");
    ASSERT_TRUE(static_cast<bool>(back)) << errorOf(std::move(back));
    expectSameArrays(*back, arrays);
  }
}

TEST(NpzTest, CompressionFlagIsHonoured) {
  std::map<std::string, Array> arrays = {
      {"zeros", Array::zeros(DType::F64, {4096})}};
  std::string stored = serialized(arrays, false);
  std::string deflated = serialized(arrays, true);
  EXPECT_GT(stored.size(), 4096u * 8);
  EXPECT_LT(deflated.size(), 4096u);
  // The stored archive holds the .npy bytes verbatim.
  EXPECT_NE(stored.find(serializeNpy(arrays["zeros"])), std::string::npos);
}

TEST(NpzTest, SerializationIsDeterministic) {
  std::map<std::string, Array> arrays = allDTypeArrays();
  EXPECT_EQ(serialized(arrays, false), serialized(arrays, false));
  EXPECT_EQ(serialized(arrays, true), serialized(arrays, true));
}

TEST(NpzTest, EmptyArchiveRoundTrip) {
  std::string bytes = serialized({}, false);
  EXPECT_EQ(bytes.size(), 22u); // A lone end-of-central-directory record.
  llvm::Expected<std::map<std::string, Array>> back =
      parseNpz(bytes, "empty.npz");
  ASSERT_TRUE(static_cast<bool>(back)) << errorOf(std::move(back));
  EXPECT_TRUE(back->empty());
}

TEST(NpzTest, EmptyKeyIsRejected) {
  std::string msg = errorOf(
      serializeNpz({{"", Array::zeros(DType::F32, {1})}}, /*compress=*/false));
  EXPECT_NE(msg.find("empty key"), std::string::npos) << msg;
}

TEST(NpzTest, FileRoundTripAndOverwrite) {
  TempDir dir("npz");
  std::string path = dir.file("arrays.npz");
  std::map<std::string, Array> first = sampleArrays();
  ASSERT_EQ(errorOf(writeNpzAtomic(path, first)), "<no error>");
  llvm::Expected<std::map<std::string, Array>> back = readNpz(path);
  ASSERT_TRUE(static_cast<bool>(back)) << errorOf(std::move(back));
  expectSameArrays(*back, first);

  std::map<std::string, Array> second = allDTypeArrays();
  ASSERT_EQ(errorOf(writeNpzAtomic(path, second, true)), "<no error>");
  back = readNpz(path);
  ASSERT_TRUE(static_cast<bool>(back)) << errorOf(std::move(back));
  expectSameArrays(*back, second);
}

TEST(NpzTest, MissingFile) {
  TempDir dir("npz");
  std::string path = dir.file("absent.npz");
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(NpzTest, EmptyFile) {
  TempDir dir("npz");
  std::string path = dir.file("empty.npz");
  writeFile(path, "");
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + ": empty file"), std::string::npos) << msg;
}

TEST(NpzTest, NotAZip) {
  TempDir dir("npz");
  std::string path = dir.file("text.npz");
  writeFile(path, "this is a text file, not a zip archive\n");
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + ": not a zip archive"), std::string::npos) << msg;

  // A bare .npy is not an .npz either.
  writeFile(path, serializeNpy(Array::zeros(DType::F32, {3})));
  msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + ": not a zip archive"), std::string::npos) << msg;
}

TEST(NpzTest, TruncatedArchive) {
  TempDir dir("npz");
  std::string path = dir.file("cut.npz");
  for (bool compress : {false, true}) {
    std::string bytes = serialized(sampleArrays(), compress);
    for (size_t keep : {bytes.size() / 2, bytes.size() - 1, size_t(10)}) {
      SCOPED_TRACE(std::to_string(keep) + " of " +
                   std::to_string(bytes.size()));
      writeFile(path, bytes.substr(0, keep));
      std::string msg = errorOf(readNpz(path));
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
      EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    }
  }
}

TEST(NpzTest, CorruptStoredDataFailsTheCrc) {
  TempDir dir("npz");
  std::string path = dir.file("bad.npz");
  std::map<std::string, Array> arrays = {{"m", Array::zeros(DType::F32, {64})}};
  std::string bytes = serialized(arrays, false);
  auto [offset, size] = firstMemberData(bytes);
  ASSERT_EQ(size, serializeNpy(arrays["m"]).size());
  bytes[offset + size - 5] ^= 0x5a; // Flip bits inside the data.
  writeFile(path, bytes);
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + " (member 'm.npy'): corrupt member"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("CRC"), std::string::npos) << msg;
}

TEST(NpzTest, CorruptDeflatedData) {
  TempDir dir("npz");
  std::string path = dir.file("bad.npz");
  std::map<std::string, Array> arrays = {{"m", allDTypeArrays()["f64_19"]}};
  std::string bytes = serialized(arrays, true);
  auto [offset, size] = firstMemberData(bytes);
  ASSERT_GT(size, 16u);
  for (size_t i = size / 3; i < size / 3 + 8; ++i)
    bytes[offset + i] ^= 0xff;
  writeFile(path, bytes);
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + " (member 'm.npy'): corrupt member"),
            std::string::npos)
      << msg;
}

TEST(NpzTest, CorruptMemberWithValidCrc) {
  // A zip that is fine as a zip but whose member is a bad .npy: the .npy
  // error must name both the archive and the member.
  TempDir dir("npz");
  std::string path = dir.file("bad.npz");
  Array m = Array::zeros(DType::F32, {2});
  std::string npy = serializeNpy(m);
  std::string bytes = serialized({{"m", m}}, false);
  std::string badNpy = npy;
  ASSERT_EQ(replaceAll(badNpy, "'<f4'", "'>f4'"), 1);
  ASSERT_EQ(replaceAll(bytes, npy, badNpy), 1);
  ASSERT_EQ(replaceAll(bytes, le32(crcOf(npy)), le32(crcOf(badNpy))), 2);
  writeFile(path, bytes);
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + " (member 'm.npy'): big-endian"), std::string::npos)
      << msg;

  // Same with a member cut short (and the sizes and CRC left alone): the
  // CRC or the size check catches it.
  std::string cut = serialized({{"m", m}}, false);
  auto [offset, size] = firstMemberData(cut);
  cut.erase(offset + size - 4, 4);
  writeFile(path, cut);
  msg = errorOf(readNpz(path));
  EXPECT_EQ(msg.rfind(path, 0), 0u) << msg;
  EXPECT_EQ(msg.find("<no error>"), std::string::npos);
}

TEST(NpzTest, NonNpyMemberIsRejected) {
  TempDir dir("npz");
  std::string path = dir.file("odd.npz");
  std::string bytes = serialized({{"m", Array::zeros(DType::F32, {2})}}, false);
  ASSERT_EQ(replaceAll(bytes, "m.npy", "m.txt"), 2); // Local + central.
  writeFile(path, bytes);
  std::string msg = errorOf(readNpz(path));
  EXPECT_NE(msg.find(path + " (member 'm.txt'): not a .npy member"),
            std::string::npos)
      << msg;
}

//===----------------------------------------------------------------------===//
// NumPy interoperability
//===----------------------------------------------------------------------===//

const char *const kPython = "/usr/bin/python3";

bool haveNumPy() {
  static const bool have =
      std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  return have;
}

/// Builds the same arrays as sampleArrays() and checks, writes or converts
/// them; exits non-zero with a message on any mismatch.
const char *const kNumPyScript = R"PY(
import os, sys
import numpy as np

def expected():
    return {
        'w': np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.5)
             - np.float32(1),
        'scalar': np.array(3.25, dtype=np.float64),
        'ints': np.array([-2, 0, 7, 1 << 40], dtype=np.int64),
        'half': np.array([1.0, -2.0, 0.5], dtype=np.float16),
        'brain': np.array([0x3f80, 0xc000], dtype=np.uint16),
        'empty': np.zeros((0, 3), dtype=np.float32),
        'layer1.0.bn1.running_var':
            np.array([[1, 2], [3, 4]], dtype=np.float64),
    }

def check(got):
    exp = expected()
    if sorted(got) != sorted(exp):
        sys.exit('keys differ: %r' % sorted(got))
    for k, e in exp.items():
        g = got[k]
        if g.dtype != e.dtype or g.shape != e.shape or not np.array_equal(g, e):
            sys.exit('%s differs: %r %r %r' % (k, g.dtype, g.shape, g))
    bf16 = (got['brain'].astype(np.uint32) << 16).view(np.float32)
    if not np.array_equal(bf16, np.array([1.0, -2.0], np.float32)):
        sys.exit('bf16 bits decode to %r' % bf16)

mode, target = sys.argv[1], sys.argv[2]
if mode == 'check-npz':
    with np.load(target) as f:
        check({k: f[k] for k in f.files})
elif mode == 'check-npy-dir':
    check({k: np.load(os.path.join(target, k + '.npy')) for k in expected()})
elif mode == 'savez':
    np.savez(target, **expected())
elif mode == 'savez_compressed':
    np.savez_compressed(target, **expected())
elif mode == 'npy-dir':
    for k, a in expected().items():
        np.save(os.path.join(target, k + '.npy'), a)
    for v in [(1, 0), (2, 0), (3, 0)]:
        with open(os.path.join(target, 'w.v%d.npy' % v[0]), 'wb') as f:
            np.lib.format.write_array(f, expected()['w'], version=v)
    np.save(os.path.join(target, 'fortran.npy'),
            np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    np.save(os.path.join(target, 'big.npy'), np.arange(3, dtype='>f4'))
    np.save(os.path.join(target, 'object.npy'),
            np.array([1, 'a'], dtype=object), allow_pickle=True)
    np.save(os.path.join(target, 'int32.npy'), np.arange(3, dtype=np.int32))
else:
    sys.exit('unknown mode ' + mode)
)PY";

/// Runs kNumPyScript with `mode` and `target`; returns its exit status.
int runNumPy(const TempDir &dir, const std::string &mode,
             const std::string &target) {
  std::string script = dir.file("interop.py");
  writeFile(script, kNumPyScript);
  std::string command =
      std::string(kPython) + " '" + script + "' " + mode + " '" + target + "'";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define REQUIRE_NUMPY()                                                        \
  do {                                                                         \
    if (!haveNumPy())                                                          \
      GTEST_SKIP() << kPython << " cannot import numpy; NumPy interop "        \
                   << "not checked";                                           \
  } while (false)

TEST(NpzNumPyTest, NumPyReadsOurNpz) {
  REQUIRE_NUMPY();
  TempDir dir("npz");
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress ? "deflated" : "stored");
    std::string path = dir.file(compress ? "ours-z.npz" : "ours.npz");
    ASSERT_EQ(errorOf(writeNpzAtomic(path, sampleArrays(), compress)),
              "<no error>");
    EXPECT_EQ(runNumPy(dir, "check-npz", path), 0);
  }
}

TEST(NpzNumPyTest, NumPyDetectsAWrongValue) {
  // The check is not vacuous: one changed element makes it fail.
  REQUIRE_NUMPY();
  TempDir dir("npz");
  std::map<std::string, Array> arrays = sampleArrays();
  arrays["w"].as<float>()[4] = 1.25f;
  std::string path = dir.file("wrong.npz");
  ASSERT_EQ(errorOf(writeNpzAtomic(path, arrays)), "<no error>");
  EXPECT_EQ(runNumPy(dir, "check-npz", path), 1);
}

TEST(NpzNumPyTest, WeReadNumPySavez) {
  REQUIRE_NUMPY();
  TempDir dir("npz");
  for (const char *mode : {"savez", "savez_compressed"}) {
    SCOPED_TRACE(mode);
    std::string path = dir.file(std::string(mode) + ".npz");
    ASSERT_EQ(runNumPy(dir, mode, path), 0);
    llvm::Expected<std::map<std::string, Array>> arrays = readNpz(path);
    ASSERT_TRUE(static_cast<bool>(arrays)) << errorOf(std::move(arrays));
    expectSameArrays(*arrays, sampleArrays());
  }
}

TEST(NpzNumPyTest, NpyBothWays) {
  REQUIRE_NUMPY();
  TempDir ours("npz"), theirs("npz");
  std::map<std::string, Array> arrays = sampleArrays();
  for (const auto &[key, array] : arrays)
    ASSERT_EQ(errorOf(writeNpy(ours.file(key + ".npy"), array)), "<no error>");
  EXPECT_EQ(runNumPy(ours, "check-npy-dir", ours.path()), 0);

  ASSERT_EQ(runNumPy(theirs, "npy-dir", theirs.path()), 0);
  for (const auto &[key, array] : arrays) {
    llvm::Expected<Array> read = readNpy(theirs.file(key + ".npy"));
    ASSERT_TRUE(static_cast<bool>(read)) << errorOf(std::move(read));
    EXPECT_EQ(*read, array) << key;
  }
  for (const char *version : {"w.v1.npy", "w.v2.npy", "w.v3.npy"}) {
    llvm::Expected<Array> read = readNpy(theirs.file(version));
    ASSERT_TRUE(static_cast<bool>(read)) << errorOf(std::move(read));
    EXPECT_EQ(*read, arrays["w"]) << version;
  }
  const std::pair<const char *, const char *> rejected[] = {
      {"fortran.npy", "Fortran-order"},
      {"big.npy", "big-endian dtype '>f4'"},
      {"object.npy", "object arrays"},
      {"int32.npy", "unsupported dtype '<i4'"}};
  for (const auto &[file, fragment] : rejected) {
    std::string path = theirs.file(file);
    std::string msg = errorOf(readNpy(path));
    EXPECT_NE(msg.find(path + ": "), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  }
}

} // namespace
