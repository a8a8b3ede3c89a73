//===- NpyTest.cpp - Tests of the .npy reader and writer ------------------===//
//
// Round trips of every dtype and of 0-d, size-0 and n-d shapes through
// serializeNpy/parseNpy and the file functions; versions 2.0 and 3.0; and
// every rejection (bad magic, truncation, Fortran order, big-endian, object
// and unsupported dtypes, header/shape mismatch), checking that each message
// names the file and the problem.
//
//===----------------------------------------------------------------------===//

#include "normc/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "test/unit/io/IOTestUtils.h"

#include "gtest/gtest.h"

#include <cmath>
#include <fstream>

using namespace normc;
using normc::test::errorOf;
using normc::test::TempDir;

namespace {

const DType kAllDTypes[] = {DType::F16, DType::BF16, DType::F32, DType::F64,
                            DType::I64};

/// Shapes every round trip covers: 0-d, size-0 (leading, inner), 1-d, n-d.
const std::vector<std::vector<int64_t>> kShapes = {
    {}, {0}, {2, 0, 3}, {1}, {7}, {2, 3}, {1, 1, 1, 4}, {3, 2, 5}};

/// A test array whose bytes depend on dtype and position, so that a swapped
/// byte, element or dtype shows.
Array patterned(DType dtype, std::vector<int64_t> shape) {
  Array a = Array::zeros(dtype, std::move(shape));
  for (size_t i = 0; i < a.data.size(); ++i)
    a.data[i] = static_cast<uint8_t>(i * 37 + static_cast<int>(dtype) * 11 + 1);
  return a;
}

/// The message of a failed Expected, or "<no error>".

/// A .npy file by hand: version `major`.0, header `dict` padded like NumPy,
/// then `data`.
std::string makeNpy(int major, const std::string &dict,
                    const std::string &data) {
  size_t preamble = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < preamble - 8; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string f32Dict(const std::string &shape) {
  return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
}

TEST(NpyTest, RoundTripEveryDTypeAndShape) {
  for (DType dtype : kAllDTypes) {
    for (const std::vector<int64_t> &shape : kShapes) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " " + formatShape(shape));
      Array in = patterned(dtype, shape);
      std::string bytes = serializeNpy(in);
      llvm::Expected<Array> out = parseNpy(bytes, "mem.npy");
      ASSERT_TRUE(static_cast<bool>(out)) << llvm::toString(out.takeError());
      EXPECT_EQ(out->dtype, in.dtype);
      EXPECT_EQ(out->shape, in.shape);
      EXPECT_EQ(out->data, in.data);
      EXPECT_EQ(static_cast<int64_t>(out->data.size()), in.byteSize());
    }
  }
}

// The kernels run on an Array's bytes in place: every array, whether made
// here or read from a file, starts on a cache line (64 bytes), whatever its
// size (large blocks come from mmap, 16 bytes past a page with the default
// allocator).
TEST(NpyTest, ArraysStartOnACacheLine) {
  for (int64_t n : {1, 7, 1000, 1 << 22}) {
    Array zeros = Array::zeros(DType::F32, {n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(zeros.data.data()) % 64, 0u) << n;
    llvm::Expected<Array> read = parseNpy(serializeNpy(zeros), "a.npy");
    ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(read->data.data()) % 64, 0u) << n;
  }
}

TEST(NpyTest, SerializedHeaderIsNumPyVersion1Aligned) {
  Array a = patterned(DType::F32, {2, 3});
  std::string bytes = serializeNpy(a);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), std::string("\x93NUMPY", 6));
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  size_t headerLen =
      static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
  size_t dataOffset = 10 + headerLen;
  EXPECT_EQ(dataOffset % 64, 0u);
  EXPECT_EQ(bytes.size(), dataOffset + 24);
  std::string header = bytes.substr(10, headerLen);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2, 3), }",
                         0),
            0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
}

TEST(NpyTest, DescrOfEachDType) {
  const std::pair<DType, const char *> expected[] = {{DType::F16, "'<f2'"},
                                                     {DType::BF16, "'<u2'"},
                                                     {DType::F32, "'<f4'"},
                                                     {DType::F64, "'<f8'"},
                                                     {DType::I64, "'<i8'"}};
  for (const auto &[dtype, descr] : expected)
    EXPECT_NE(serializeNpy(Array::zeros(dtype, {1})).find(descr),
              std::string::npos)
        << dtypeName(dtype);
}

TEST(NpyTest, ShapeSpellings) {
  EXPECT_NE(serializeNpy(Array::zeros(DType::F64, {})).find("'shape': (), "),
            std::string::npos);
  EXPECT_NE(serializeNpy(Array::zeros(DType::F64, {5})).find("'shape': (5,), "),
            std::string::npos);
  EXPECT_NE(
      serializeNpy(Array::zeros(DType::F64, {0, 4})).find("'shape': (0, 4), "),
      std::string::npos);
}

TEST(NpyTest, TypedValuesSurvive) {
  Array a = Array::zeros(DType::F32, {3});
  a.as<float>()[0] = 1.5f;
  a.as<float>()[1] = -0.0f;
  a.as<float>()[2] = 3.0e38f;
  llvm::Expected<Array> b = parseNpy(serializeNpy(a), "x.npy");
  ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
  EXPECT_EQ(b->as<float>()[0], 1.5f);
  EXPECT_TRUE(std::signbit(b->as<float>()[1]));
  EXPECT_EQ(b->as<float>()[2], 3.0e38f);

  Array i = Array::zeros(DType::I64, {});
  i.as<int64_t>()[0] = -(int64_t(1) << 62);
  llvm::Expected<Array> j = parseNpy(serializeNpy(i), "i.npy");
  ASSERT_TRUE(static_cast<bool>(j)) << llvm::toString(j.takeError());
  EXPECT_TRUE(j->shape.empty());
  EXPECT_EQ(j->numel(), 1);
  EXPECT_EQ(j->as<int64_t>()[0], -(int64_t(1) << 62));
}

TEST(NpyTest, ParsesVersions2And3) {
  std::string data(12, '\x7f');
  for (int major : {2, 3}) {
    llvm::Expected<Array> a =
        parseNpy(makeNpy(major, f32Dict("(3,)"), data), "v.npy");
    ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
    EXPECT_EQ(a->dtype, DType::F32);
    EXPECT_EQ(a->shape, std::vector<int64_t>{3});
    EXPECT_EQ(a->data, decltype(a->data)(12, 0x7f));
  }
}

TEST(NpyTest, AcceptsHeaderVariants) {
  // Key order, double quotes, Python 2 long suffix, no trailing comma.
  llvm::Expected<Array> a =
      parseNpy(makeNpy(1,
                       "{\"shape\": (2L, 1L), \"fortran_order\": False, "
                       "\"descr\": \"<i8\"}",
                       std::string(16, '\0')),
               "v.npy");
  ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->dtype, DType::I64);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 1}));
}

TEST(NpyTest, BF16IsReadFromU2AndI2) {
  for (const char *descr : {"<u2", "<i2"}) {
    llvm::Expected<Array> a =
        parseNpy(makeNpy(1,
                         std::string("{'descr': '") + descr +
                             "', 'fortran_order': False, 'shape': (2,), }",
                         std::string("\x80\x3f\x00\xc0", 4)),
                 "bf.npy");
    ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
    EXPECT_EQ(a->dtype, DType::BF16);
    EXPECT_EQ(a->as<uint16_t>()[0], 0x3f80); // 1.0
    EXPECT_EQ(a->as<uint16_t>()[1], 0xc000); // -2.0
  }
}

TEST(NpyTest, FileRoundTrip) {
  TempDir dir("npy");
  std::string path = dir.file("a.npy");
  Array a = patterned(DType::F64, {4, 2});
  ASSERT_EQ(errorOf(writeNpy(path, a)), "<no error>");
  llvm::Expected<Array> b = readNpy(path);
  ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
  EXPECT_EQ(*b, a);
  // Overwrite with a different array.
  Array c = patterned(DType::I64, {});
  ASSERT_EQ(errorOf(writeNpy(path, c)), "<no error>");
  llvm::Expected<Array> d = readNpy(path);
  ASSERT_TRUE(static_cast<bool>(d)) << llvm::toString(d.takeError());
  EXPECT_EQ(*d, c);
}

TEST(NpyTest, MissingFileNamesPath) {
  TempDir dir("npy");
  std::string path = dir.file("absent.npy");
  std::string msg = errorOf(readNpy(path));
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(NpyTest, WriteIntoMissingDirectoryFails) {
  TempDir dir("npy");
  std::string path = dir.file("no/such/dir/a.npy");
  llvm::Error err = writeNpy(path, Array::zeros(DType::F32, {1}));
  ASSERT_TRUE(static_cast<bool>(err));
  std::string msg = llvm::toString(std::move(err));
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

/// One malformed input and a fragment its message must contain.
struct Rejection {
  const char *what;
  std::string bytes;
  const char *fragment;
};

TEST(NpyTest, RejectsMalformedFiles) {
  std::string good = serializeNpy(patterned(DType::F32, {2, 3}));
  const Rejection cases[] = {
      {"empty", "", "empty file"},
      {"bad magic", "PK\x03\x04 this is a zip", "bad magic"},
      {"text", std::string(100, 'x'), "bad magic"},
      {"cut in magic", std::string("\x93NUM", 4), "truncated"},
      {"cut before header length", good.substr(0, 9), "truncated"},
      {"version 4.0", std::string("\x93NUMPY\x04\x00", 8) + good.substr(8),
       "unsupported .npy version 4.0"},
      {"version 1.1", std::string("\x93NUMPY\x01\x01", 8) + good.substr(8),
       "unsupported .npy version 1.1"},
      {"cut in header", good.substr(0, 40), "truncated header"},
      {"cut in data (half)", good.substr(0, good.size() - 12),
       "truncated data"},
      {"cut in data (one byte)", good.substr(0, good.size() - 1),
       "truncated data"},
      {"surplus data", good + "xxxx", "header/shape mismatch"},
      {"shape larger than data",
       makeNpy(1, f32Dict("(3, 3)"), std::string(24, 0)), "truncated data"},
      {"shape smaller than data",
       makeNpy(1, f32Dict("(2,)"), std::string(24, 0)),
       "header/shape mismatch"},
      {"Fortran order",
       makeNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
               std::string(24, 0)),
       "Fortran-order"},
      {"big-endian",
       makeNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
               std::string(8, 0)),
       "big-endian dtype '>f4'"},
      {"object array",
       makeNpy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
               std::string(16, 0)),
       "object arrays"},
      {"int32",
       makeNpy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
               std::string(8, 0)),
       "unsupported dtype '<i4'"},
      {"bool",
       makeNpy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
               std::string(2, 0)),
       "unsupported dtype '|b1'"},
      {"structured",
       makeNpy(1,
               "{'descr': [('a', '<f4')], 'fortran_order': False, "
               "'shape': (2,), }",
               std::string(8, 0)),
       "structured dtypes"},
      {"missing shape",
       makeNpy(1, "{'descr': '<f4', 'fortran_order': False, }",
               std::string(4, 0)),
       "missing key 'shape'"},
      {"missing descr",
       makeNpy(1, "{'fortran_order': False, 'shape': (1,), }",
               std::string(4, 0)),
       "missing key 'descr'"},
      {"missing fortran_order",
       makeNpy(1, "{'descr': '<f4', 'shape': (1,), }", std::string(4, 0)),
       "missing key 'fortran_order'"},
      {"unknown key",
       makeNpy(1,
               "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "
               "'extra': 1}",
               std::string(4, 0)),
       "unexpected key 'extra'"},
      {"duplicate key",
       makeNpy(1,
               "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
               "'shape': (1,)}",
               std::string(4, 0)),
       "duplicate key 'descr'"},
      {"negative extent", makeNpy(1, f32Dict("(-1,)"), ""), "negative extent"},
      {"huge extent", makeNpy(1, f32Dict("(99999999999999999999,)"), ""),
       "overflows"},
      {"overflowing shape", makeNpy(1, f32Dict("(4611686018427387904, 4)"), ""),
       "too large"},
      {"not a dict", makeNpy(1, "[1, 2, 3]", ""), "malformed header"},
      {"garbage after dict", makeNpy(1, f32Dict("(1,)") + " junk", "xxxx"),
       "malformed header"},
      {"bad fortran_order",
       makeNpy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
               std::string(4, 0)),
       "'fortran_order' must be True or False"},
  };
  for (const Rejection &c : cases) {
    SCOPED_TRACE(c.what);
    std::string msg = errorOf(parseNpy(c.bytes, "some/file.npy"));
    EXPECT_EQ(msg.rfind("some/file.npy: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(c.fragment), std::string::npos) << msg;
  }
}

TEST(NpyTest, ReadNpyReportsProblemsWithPath) {
  TempDir dir("npy");
  std::string path = dir.file("cut.npy");
  std::string good = serializeNpy(patterned(DType::F64, {16}));
  {
    std::ofstream out(path, std::ios::binary);
    out << good.substr(0, good.size() / 2);
  }
  std::string msg = errorOf(readNpy(path));
  EXPECT_NE(msg.find(path + ": truncated"), std::string::npos) << msg;
}

} // namespace
