//===- Harness.h - Compile, run and compare norm graphs in tests -*- C++
//-*-===//
//
// Helpers for the CPU numerics tests: build a graph's MLIR text, JIT it with
// the runtime, make inputs of a dtype (rounded the same way for the float64
// reference), and compare outputs to the reference with per-dtype
// tolerances.
//
// Tolerances (|got - want| <= atol + rtol * |want|), stated once here:
//   f64: 1e-10 / 1e-10   f32: 2e-5 / 2e-5
//   f16: 2e-3 / 2e-3 (output rounding 2^-11 plus f32 arithmetic)
//   bf16: 1.6e-2 / 1.6e-2 (output rounding 2^-8)
// Inputs with a large mean (1e4 + N(0, 1)) are compared with atol 2e-3 in f32:
// the f32 mean itself is only exact to half an ulp of 1e4 (5e-4), as in
// PyTorch; their variance is checked separately to 1e-4 relative.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_TEST_INTEGRATION_CPU_HARNESS_H
#define NORMC_TEST_INTEGRATION_CPU_HARNESS_H

#include "normc/Jit.h"
#include "normc/Session.h"
#include "test/reference/Reference.h"

#include "gtest/gtest.h"
#include <random>
#include <string>
#include <vector>

namespace normc::test {

/// Absolute and relative tolerance of one comparison.
struct Tolerance {
  double atol, rtol;
};

/// The documented tolerance of outputs of `dtype`.
Tolerance toleranceFor(DType dtype);

/// MLIR element type name of `dtype` ("f32", "bf16", ...).
std::string mlirType(DType dtype);

/// "tensor<2x3xf32>".
std::string tensorType(const ref::Shape &shape, DType dtype);
/// An axis list as MLIR writes it: "[0, 2, 3]".
std::string axisList(const std::vector<int64_t> &axes);

/// A tensor both as runtime input and as the exact doubles it holds.
struct Input {
  Array array;
  std::vector<double> values;
};

/// N(mean, stddev) values rounded to `dtype`.
Input randomInput(std::mt19937_64 &rng, const ref::Shape &shape, DType dtype,
                  double mean = 0.0, double stddev = 1.0);

/// An input holding exactly `values` (rounded to `dtype`).
Input makeInput(const std::vector<double> &values, const ref::Shape &shape,
                DType dtype);

/// The elements of `a` as doubles.
std::vector<double> toDoubles(const Array &a);

/// JIT-compiles `source` for `modes` and opens a session on `function`;
/// fails the test (fatally) on any error.
std::unique_ptr<Session> compileSession(const std::string &source,
                                        const std::vector<std::string> &modes,
                                        const std::string &function = "f");

/// Runs `session` on `inputs`; fails the test on error.
std::vector<std::vector<double>> run(Session &session,
                                     const std::vector<const Input *> &inputs);

/// Expects `got` to match `want` elementwise (NaN matches NaN, infinities
/// match by sign); reports the worst element.
void expectClose(const std::vector<double> &got,
                 const std::vector<double> &want, Tolerance tol,
                 const std::string &what);

} // namespace normc::test

#endif // NORMC_TEST_INTEGRATION_CPU_HARNESS_H
