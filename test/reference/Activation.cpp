//===- Activation.cpp - Reference activations -----------------------------===//
//
// The elementwise activations of `norm.activation` in double, written as
// PyTorch computes them so that NaN propagates (relu(NaN) = NaN: comparisons
// pick `x` itself whenever they are false) and the limits at +-Inf agree.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <cmath>

using namespace normc::ref;

double normc::ref::activate(Activation kind, double x, double alpha) {
  switch (kind) {
  case Activation::Relu:
    return x < 0.0 ? 0.0 : x;
  case Activation::Relu6:
    return x < 0.0 ? 0.0 : (x > 6.0 ? 6.0 : x);
  case Activation::LeakyRelu:
    return x < 0.0 ? alpha * x : x;
  case Activation::GeluErf:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case Activation::GeluTanh: {
    const double kPi = 3.14159265358979323846;
    const double kBeta = std::sqrt(2.0 / kPi);
    const double kKappa = 0.044715;
    return 0.5 * x * (1.0 + std::tanh(kBeta * (x + kKappa * x * x * x)));
  }
  case Activation::Silu:
    return x / (1.0 + std::exp(-x));
  case Activation::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case Activation::Tanh:
    return std::tanh(x);
  }
  return x;
}

std::vector<double> normc::ref::activate(Activation kind,
                                         const std::vector<double> &x,
                                         double alpha) {
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = activate(kind, x[i], alpha);
  return y;
}
