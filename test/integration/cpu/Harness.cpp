//===- Harness.cpp - Compile, run and compare norm graphs in tests --------===//
//
// Implements the CPU numerics test helpers of Harness.h.
//
//===----------------------------------------------------------------------===//

#include "test/integration/cpu/Harness.h"

#include <cmath>
#include <cstring>
#include <sstream>

using namespace normc;
using namespace normc::test;

Tolerance normc::test::toleranceFor(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return {1e-10, 1e-10};
  case DType::F16:
    return {2e-3, 2e-3};
  case DType::BF16:
    return {1.6e-2, 1.6e-2};
  default:
    return {2e-5, 2e-5};
  }
}

std::string normc::test::mlirType(DType dtype) { return dtypeName(dtype); }

std::string normc::test::tensorType(const ref::Shape &shape, DType dtype) {
  std::string text = "tensor<";
  for (int64_t d : shape)
    text += std::to_string(d) + "x";
  return text + mlirType(dtype) + ">";
}

std::string normc::test::axisList(const std::vector<int64_t> &axes) {
  std::string s = "[";
  for (size_t i = 0; i < axes.size(); ++i)
    s += (i ? ", " : "") + std::to_string(axes[i]);
  return s + "]";
}

/// Stores `v` rounded to the element type at index `i` of `a`, returning
/// the stored value.
static double store(Array &a, int64_t i, double v) {
  switch (a.dtype) {
  case DType::F64:
    a.as<double>()[i] = v;
    return v;
  case DType::F32:
    a.as<float>()[i] = static_cast<float>(v);
    return static_cast<float>(v);
  case DType::F16: {
    uint16_t bits = ref::toHalfBits(v);
    std::memcpy(a.data.data() + 2 * i, &bits, 2);
    return ref::fromHalfBits(bits);
  }
  case DType::BF16: {
    uint16_t bits = ref::toBf16Bits(v);
    std::memcpy(a.data.data() + 2 * i, &bits, 2);
    return ref::fromBf16Bits(bits);
  }
  case DType::I64:
    a.as<int64_t>()[i] = static_cast<int64_t>(v);
    return static_cast<double>(static_cast<int64_t>(v));
  }
  return v;
}

Input normc::test::makeInput(const std::vector<double> &values,
                             const ref::Shape &shape, DType dtype) {
  Input in{Array::zeros(dtype, shape), {}};
  for (int64_t i = 0; i < in.array.numel(); ++i)
    in.values.push_back(store(in.array, i, values[i]));
  return in;
}

Input normc::test::randomInput(std::mt19937_64 &rng, const ref::Shape &shape,
                               DType dtype, double mean, double stddev) {
  std::normal_distribution<double> normal(mean, stddev);
  std::vector<double> values(ref::numElements(shape));
  for (double &v : values)
    v = normal(rng);
  return makeInput(values, shape, dtype);
}

std::vector<double> normc::test::toDoubles(const Array &a) {
  std::vector<double> values;
  for (int64_t i = 0; i < a.numel(); ++i) {
    uint16_t bits = 0;
    switch (a.dtype) {
    case DType::F64:
      values.push_back(a.as<double>()[i]);
      break;
    case DType::F32:
      values.push_back(a.as<float>()[i]);
      break;
    case DType::F16:
      std::memcpy(&bits, a.data.data() + 2 * i, 2);
      values.push_back(ref::fromHalfBits(bits));
      break;
    case DType::BF16:
      std::memcpy(&bits, a.data.data() + 2 * i, 2);
      values.push_back(ref::fromBf16Bits(bits));
      break;
    case DType::I64:
      values.push_back(static_cast<double>(a.as<int64_t>()[i]));
      break;
    }
  }
  return values;
}

std::unique_ptr<Session>
normc::test::compileSession(const std::string &source,
                            const std::vector<std::string> &modes,
                            const std::string &function) {
  auto executable = jitCompileSource(source, "test.mlir", modes);
  if (!executable) {
    ADD_FAILURE() << "compilation failed: "
                  << llvm::toString(executable.takeError()) << "\n"
                  << source;
    return nullptr;
  }
  auto session = Session::create(*executable, function);
  if (!session) {
    ADD_FAILURE() << llvm::toString(session.takeError());
    return nullptr;
  }
  return std::move(*session);
}

std::vector<std::vector<double>>
normc::test::run(Session &session, const std::vector<const Input *> &inputs) {
  std::vector<const Array *> arrays;
  for (const Input *in : inputs)
    arrays.push_back(&in->array);
  auto outputs = session.forward(arrays);
  if (!outputs) {
    ADD_FAILURE() << llvm::toString(outputs.takeError());
    return {};
  }
  std::vector<std::vector<double>> result;
  for (const Array *a : *outputs)
    result.push_back(toDoubles(*a));
  return result;
}

void normc::test::expectClose(const std::vector<double> &got,
                              const std::vector<double> &want, Tolerance tol,
                              const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t bad = 0, worst = 0;
  double worstExcess = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w) || std::isnan(g))
      ok = std::isnan(w) && std::isnan(g);
    else if (std::isinf(w) || std::isinf(g))
      ok = g == w;
    else
      ok = std::fabs(g - w) <= tol.atol + tol.rtol * std::fabs(w);
    if (!ok) {
      ++bad;
      double excess = std::isfinite(g - w) ? std::fabs(g - w) : 1e300;
      if (excess > worstExcess)
        worstExcess = excess, worst = i;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size()
                     << " elements differ; worst at " << worst << ": got "
                     << got[worst] << ", want " << want[worst] << " (atol "
                     << tol.atol << ", rtol " << tol.rtol << ")";
}
