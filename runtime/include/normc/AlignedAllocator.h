//===- AlignedAllocator.h - Cache-line aligned std::vector storage -*- C++
//-*-===//
//
// A std::allocator replacement whose blocks start on a 64-byte boundary
// (a cache line, and the widest vector register). The kernels run on the
// arrays' bytes in place: with the default allocator a large block starts
// 16 bytes past a page boundary (glibc's chunk header), so every AVX row
// began mid-vector and every row boundary mixed regular and streaming
// stores in one cache line. PyTorch and oneDNN align their tensors to 64
// bytes for the same reason.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_ALIGNEDALLOCATOR_H
#define NORMC_ALIGNEDALLOCATOR_H

#include <cstddef>
#include <new>

namespace normc {

inline constexpr std::size_t kArrayAlignment = 64;

template <class T> struct AlignedAllocator {
  using value_type = T;

  AlignedAllocator() = default;
  template <class U> AlignedAllocator(const AlignedAllocator<U> &) noexcept {}

  T *allocate(std::size_t n) {
    return static_cast<T *>(
        ::operator new(n * sizeof(T), std::align_val_t(kArrayAlignment)));
  }
  void deallocate(T *p, std::size_t) noexcept {
    ::operator delete(p, std::align_val_t(kArrayAlignment));
  }

  template <class U> bool operator==(const AlignedAllocator<U> &) const {
    return true;
  }
  template <class U> bool operator!=(const AlignedAllocator<U> &) const {
    return false;
  }
};

} // namespace normc

#endif // NORMC_ALIGNEDALLOCATOR_H
