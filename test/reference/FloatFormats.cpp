//===- FloatFormats.cpp - Reference float16 / bfloat16 conversions --------===//
//
// Conversions between double and the bits of IEEE binary16 and bfloat16, used
// by tests to build f16 / bf16 inputs and to round expected values. Doubles
// are rounded to nearest, ties to even, in one step (rounding through float
// first would round twice and could break ties the wrong way); subnormals,
// overflow to Inf, and NaN are handled.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <cmath>

using namespace normc::ref;

namespace {
/// A binary floating-point format with `kExpBits` exponent bits and
/// `kMantBits` stored mantissa bits in 16 bits.
template <int kExpBits, int kMantBits> struct Format16 {
  static_assert(1 + kExpBits + kMantBits == 16, "16-bit formats only");
  static constexpr int kBias = (1 << (kExpBits - 1)) - 1;
  static constexpr int kMinExp = 1 - kBias;
  static constexpr uint16_t kSign = 0x8000;
  static constexpr uint16_t kExpMask = ((1u << kExpBits) - 1) << kMantBits;
  static constexpr uint16_t kQuietBit = 1u << (kMantBits - 1);

  /// Rounds a non-negative `q` to the nearest integer, ties to even (exact:
  /// q - floor(q) is representable).
  static double roundHalfEven(double q) {
    double floor = std::floor(q);
    double frac = q - floor;
    if (frac > 0.5 || (frac == 0.5 && std::fmod(floor, 2.0) != 0.0))
      return floor + 1.0;
    return floor;
  }

  /// The bits of `x`, rounded to nearest even.
  static uint16_t encode(double x) {
    uint16_t sign = std::signbit(x) ? kSign : 0;
    if (std::isnan(x))
      return sign | kExpMask | kQuietBit;
    double a = std::fabs(x);
    if (std::isinf(a))
      return sign | kExpMask;
    if (a == 0.0)
      return sign;
    int e;
    std::frexp(a, &e); // a = f * 2^e, f in [0.5, 1): unbiased exponent e - 1.
    int exp = e - 1;
    if (exp < kMinExp) {
      // Subnormal: units of 2^(kMinExp - kMantBits); a carry into bit
      // kMantBits is the smallest normal number, whose bits are the same.
      double q = roundHalfEven(std::ldexp(a, kMantBits - kMinExp));
      return sign | static_cast<uint16_t>(q);
    }
    double q = roundHalfEven(std::ldexp(a, kMantBits - exp));
    if (q == std::ldexp(1.0, kMantBits + 1)) {
      q = std::ldexp(1.0, kMantBits);
      ++exp;
    }
    if (exp > kBias)
      return sign | kExpMask;
    uint16_t mant = static_cast<uint16_t>(q) - (1u << kMantBits);
    return sign | static_cast<uint16_t>((exp + kBias) << kMantBits) | mant;
  }

  /// The exact value of `bits`.
  static double decode(uint16_t bits) {
    double sign = (bits & kSign) ? -1.0 : 1.0;
    int expField = (bits & kExpMask) >> kMantBits;
    int mant = bits & ((1u << kMantBits) - 1);
    if (expField == (1 << kExpBits) - 1)
      return mant ? std::nan("") : sign * INFINITY;
    if (expField == 0)
      return sign * std::ldexp(mant, kMinExp - kMantBits);
    return sign *
           std::ldexp((1 << kMantBits) + mant, expField - kBias - kMantBits);
  }
};

using Half = Format16<5, 10>;
using BFloat16 = Format16<8, 7>;
} // namespace

uint16_t normc::ref::toHalfBits(double x) { return Half::encode(x); }
double normc::ref::fromHalfBits(uint16_t bits) { return Half::decode(bits); }
uint16_t normc::ref::toBf16Bits(double x) { return BFloat16::encode(x); }
double normc::ref::fromBf16Bits(uint16_t bits) {
  return BFloat16::decode(bits);
}
double normc::ref::roundToHalf(double x) { return fromHalfBits(toHalfBits(x)); }
double normc::ref::roundToBf16(double x) { return fromBf16Bits(toBf16Bits(x)); }
