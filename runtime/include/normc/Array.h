//===- Array.h - Dense host arrays exchanged with files ---------*- C++ -*-===//
//
// A dense, C-ordered (row-major), little-endian host array: an element type,
// a shape and the raw bytes. It is the unit that the .npy/.npz readers and
// writers and the running-statistics store exchange; it owns its bytes and
// does no arithmetic.
//
// Element types and their NumPy spellings:
//   F16  -> '<f2'  (IEEE half)
//   BF16 -> '<u2'  NumPy has no bfloat16: the raw bfloat16 bits are exchanged
//                  as little-endian uint16, as `tensor.view(torch.int16)` and
//                  ml_dtypes' bit views do. Readers also accept '<i2' (what
//                  `tensor.view(torch.int16).numpy()` saves) as BF16 bits.
//   F32  -> '<f4',  F64 -> '<f8',  I64 -> '<i8'
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_ARRAY_H
#define NORMC_ARRAY_H

#include "normc/AlignedAllocator.h"

#include <cassert>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace normc {

/// Element type of an Array. F16 and BF16 are stored as their raw 16-bit
/// patterns (access them as `uint16_t`).
enum class DType { F16, BF16, F32, F64, I64 };

/// Short lower-case name of `dtype` for messages: "f16", "bf16", "f32", "f64",
/// "i64".
inline const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I64:
    return "i64";
  }
  return "<invalid dtype>";
}

/// Size in bytes of one element of `dtype`.
inline int64_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  }
  return 0;
}

/// Formats a shape the way NumPy prints it: "()", "(3,)", "(2, 3)".
inline std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

/// True if C++ type `T` is a valid view of elements of `dtype`: `float` for
/// F32, `double` for F64, `int64_t` for I64 and `uint16_t` (raw bits) for F16
/// and BF16. `uint8_t` views any dtype as bytes.
template <class T> bool isViewOf(DType dtype) {
  if (std::is_same<T, uint8_t>::value)
    return true;
  switch (dtype) {
  case DType::F16:
  case DType::BF16:
    return std::is_same<T, uint16_t>::value;
  case DType::F32:
    return std::is_same<T, float>::value;
  case DType::F64:
    return std::is_same<T, double>::value;
  case DType::I64:
    return std::is_same<T, int64_t>::value;
  }
  return false;
}

/// A dense C-ordered little-endian array that owns its bytes. The invariant
/// `data.size() == numel() * elementSize()` holds for arrays built by
/// `zeros`, by the readers and by the state store; code that fills the fields
/// by hand must keep it.
struct Array {
  /// Element type.
  DType dtype = DType::F32;
  /// Extents, outermost first; empty for a 0-d (scalar) array.
  std::vector<int64_t> shape;
  /// Raw element bytes in C order, little-endian, starting on a 64-byte
  /// boundary (the kernels run on them in place).
  std::vector<uint8_t, AlignedAllocator<uint8_t>> data;

  /// A zero-filled array of `dtype` and `shape`.
  static Array zeros(DType dtype, std::vector<int64_t> shape) {
    Array a;
    a.dtype = dtype;
    a.shape = std::move(shape);
    a.data.assign(static_cast<size_t>(a.numel() * a.elementSize()), 0);
    return a;
  }

  /// Number of elements: the product of the extents (1 for a 0-d array, 0 if
  /// any extent is 0).
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }

  /// Size in bytes of one element.
  int64_t elementSize() const { return dtypeSize(dtype); }

  /// Size in bytes of all elements, `numel() * elementSize()`.
  int64_t byteSize() const { return numel() * elementSize(); }

  /// The elements viewed as `T` (see `isViewOf`); asserts that `T` matches
  /// the dtype.
  template <class T> T *as() {
    assert(isViewOf<T>(dtype) && "Array::as<T>: T does not match the dtype");
    return reinterpret_cast<T *>(data.data());
  }

  /// Const view of the elements as `T`.
  template <class T> const T *as() const {
    assert(isViewOf<T>(dtype) && "Array::as<T>: T does not match the dtype");
    return reinterpret_cast<const T *>(data.data());
  }

  /// Arrays are equal when dtype, shape and bytes are equal.
  friend bool operator==(const Array &a, const Array &b) {
    return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
  }

  /// Negation of `==`.
  friend bool operator!=(const Array &a, const Array &b) { return !(a == b); }
};

} // namespace normc

#endif // NORMC_ARRAY_H
