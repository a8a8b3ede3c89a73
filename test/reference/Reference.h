//===- Reference.h - Float64 reference of the norm ops ----------*- C++ -*-===//
//
// The float64 reference implementation that numeric tests of compiled kernels
// compare against: moments, normalization, running-statistics updates,
// activations, conv2d, normalization gradients and float16/bfloat16
// conversions, with PyTorch's semantics. Pure C++17 (no MLIR, no LLVM).
//
// Conventions shared by every function:
//  - A tensor is a `std::vector<double>` plus a `Shape`, dense and row-major
//    (C order, last axis fastest). Axes are 0-based.
//  - A `Spec` describes a normalization like `norm.normalize`: statistics
//    over the axes `reduce`; with `groups = {axis, G}` the axis (of size C,
//    which must be reduced and divisible by G) is split into (G, C / G) and
//    statistics are per group. The statistics shape is the input shape with
//    the reduced axes dropped and the grouped axis replaced by G (input axis
//    order kept). Scale and bias have the shape of the input at `params`, in
//    the order of `params`.
//  - Everything is computed in double with pairwise summation; NaN and Inf
//    propagate as they do in PyTorch (nothing is clamped or special-cased).
//  - Invalid shapes, axes or sizes throw std::invalid_argument.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_TEST_REFERENCE_REFERENCE_H
#define NORMC_TEST_REFERENCE_REFERENCE_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace normc::ref {

//===----------------------------------------------------------------------===//
// Shapes and layouts
//===----------------------------------------------------------------------===//

/// The dimensions of a dense row-major tensor.
using Shape = std::vector<int64_t>;

/// A dense row-major tensor of doubles.
struct Tensor {
  /// The elements, row-major.
  std::vector<double> data;
  /// The dimensions.
  Shape shape;
};

/// A normalization: which axes are reduced, the optional group split, which
/// axes the scale and bias span, centering and epsilon.
struct Spec {
  /// The reduction axes (any order, no duplicates).
  std::vector<int64_t> reduce;
  /// Optional group split `{axis, count}`: the axis must be in `reduce` and
  /// its size divisible by `count`; statistics are then per group.
  std::optional<std::pair<int64_t, int64_t>> groups;
  /// The axes spanned by scale and bias, in the order of their dimensions.
  std::vector<int64_t> params;
  /// False for RMSNorm: mean = 0, var = E[x^2].
  bool center = true;
  /// Added to the variance under the square root.
  double epsilon = 1e-5;
};

/// The number of elements of a tensor of shape `shape` (1 for a scalar).
int64_t numElements(const Shape &shape);

/// Checks `spec` against an input of shape `shape`; throws
/// std::invalid_argument with a description of the first problem.
void validate(const Shape &shape, const Spec &spec);

/// The statistics shape: `shape` with the reduced axes dropped and the
/// grouped axis replaced by its group count.
Shape statsShape(const Shape &shape, const Spec &spec);

/// The scale/bias shape: `shape` at `spec.params`, in that order.
Shape paramShape(const Shape &shape, const Spec &spec);

/// The number of input elements that contribute to each statistic.
int64_t countPerStat(const Shape &shape, const Spec &spec);

/// Throws std::invalid_argument unless `values` has `expected` elements;
/// `what` names the tensor in the message.
void checkSize(const std::vector<double> &values, int64_t expected,
               const char *what);

/// Index maps from the elements of an input to its statistics and parameters.
struct Layout {
  /// See statsShape().
  Shape statsShape;
  /// See paramShape().
  Shape paramShape;
  /// Elements per statistic; every statistic has the same count.
  int64_t countPerStat = 0;
  /// Elements per parameter entry (the sums of dscale and dbias).
  int64_t countPerParam = 0;
  /// For each input element (row-major), its statistic's row-major index.
  std::vector<int64_t> statOf;
  /// For each input element, its parameter's row-major index.
  std::vector<int64_t> paramOf;
  /// Element indices grouped by statistic: statistic s owns
  /// `statMembers[s * countPerStat, (s + 1) * countPerStat)`, ascending.
  std::vector<int64_t> statMembers;
  /// Element indices grouped by parameter entry, like `statMembers`.
  std::vector<int64_t> paramMembers;
};

/// Builds the index maps of `spec` on an input of shape `shape` (validates).
Layout makeLayout(const Shape &shape, const Spec &spec);

/// 1 / sqrt(var + epsilon) of given statistics, after checking that `mean`
/// (when centered) and `var` have the statistics shape of `layout`.
std::vector<double> rstdOf(const std::vector<double> &mean,
                           const std::vector<double> &var, const Layout &layout,
                           const Spec &spec);

/// Transposes `x` (NumPy semantics: output axis i is input axis perm[i]).
/// Writes the output shape to `outShape` when given.
std::vector<double> permute(const std::vector<double> &x, const Shape &shape,
                            const std::vector<int64_t> &perm,
                            Shape *outShape = nullptr);

/// Sums `n` values by pairwise (cascade) summation: error O(log n) ulps,
/// while Inf and NaN propagate as in a plain sum.
double pairwiseSum(const double *values, size_t n);

/// Pairwise sum of a vector.
double pairwiseSum(const std::vector<double> &values);

//===----------------------------------------------------------------------===//
// Forward normalization
//===----------------------------------------------------------------------===//

/// Statistics in the statistics shape of a spec.
struct Moments {
  /// E[x] over each reduction set (all zeros when not centered).
  std::vector<double> mean;
  /// Biased E[(x - mean)^2] (E[x^2] when not centered).
  std::vector<double> var;
  /// 1 / sqrt(var + epsilon).
  std::vector<double> rstd;
};

/// Mean, biased variance and rstd of `x` over the reduction sets of `spec`,
/// two-pass with pairwise sums.
Moments moments(const std::vector<double> &x, const Shape &shape,
                const Spec &spec);

/// y = (x - mean) * rstd * scale + bias with batch statistics of `x`.
/// `scale` and `bias` (optional) have paramShape(); `saved` (optional)
/// receives the statistics (mean, var and rstd) that backward uses.
std::vector<double> normalize(const std::vector<double> &x, const Shape &shape,
                              const Spec &spec,
                              const std::vector<double> *scale = nullptr,
                              const std::vector<double> *bias = nullptr,
                              Moments *saved = nullptr);

/// y = (x - mean) / sqrt(var + epsilon) * scale + bias with given statistics
/// in the statistics shape of `spec`. When `spec.center` is false `mean` is
/// not read (it may be empty). For inference with running statistics use
/// `reduce` = every axis but the params axes and no groups.
std::vector<double> applyStats(const std::vector<double> &x, const Shape &shape,
                               const Spec &spec,
                               const std::vector<double> &mean,
                               const std::vector<double> &var,
                               const std::vector<double> *scale = nullptr,
                               const std::vector<double> *bias = nullptr);

//===----------------------------------------------------------------------===//
// Running statistics
//===----------------------------------------------------------------------===//

/// Persistent running statistics of one layer, in the parameter shape.
struct RunningState {
  /// Running mean (PyTorch initialises it to 0).
  std::vector<double> mean;
  /// Running variance (PyTorch initialises it to 1).
  std::vector<double> var;
  /// num_batches_tracked.
  int64_t count = 0;
};

/// One training step's update of `state` from the batch statistics `batch`
/// (only `mean` and `var` are read) of shape `statsShape` of `spec`, each
/// over `countPerStat` elements. Statistics axes that are not params axes
/// (InstanceNorm's batch axis) are averaged out first. The running state is
/// indexed like the parameters (paramShape()); every params axis must be an
/// unreduced axis.
///
/// PyTorch convention (`onnx` false): count' = count + 1, m = `momentum` or,
/// when absent, 1 / count'; mean' = (1 - m) mean + m batch_mean,
/// var' = (1 - m) var + m batch_var * n / (n - 1) with n = `countPerStat`;
/// n <= 1 throws std::invalid_argument("Expected more than 1 value per
/// channel when training"). ONNX convention: mean' = m mean + (1 - m)
/// batch_mean, var' = m var + (1 - m) batch_var (population variance), m
/// defaulting to ONNX's 0.9; count' = count + 1 as well.
void updateRunning(RunningState &state, const Moments &batch,
                   const Shape &statsShape, const Spec &spec,
                   int64_t countPerStat, std::optional<double> momentum,
                   bool onnx = false);

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// The activations of `norm.activation`.
enum class Activation {
  Relu,
  Relu6,
  LeakyRelu,
  GeluErf,
  GeluTanh,
  Silu,
  Sigmoid,
  Tanh
};

/// Applies `kind` to `x` like PyTorch (NaN in, NaN out); `alpha` is the
/// negative slope of LeakyRelu and is ignored otherwise.
double activate(Activation kind, double x, double alpha = 0.01);

/// Applies `kind` to every element of `x`.
std::vector<double> activate(Activation kind, const std::vector<double> &x,
                             double alpha = 0.01);

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// Data layouts of conv2d: NCHW input with OIHW filter and NCHW output, or
/// NHWC input with HWIO filter ([KH, KW, C / groups, O]) and NHWC output.
enum class ConvLayout { NCHW, NHWC };

/// Options of conv2d, as PyTorch's F.conv2d.
struct ConvOptions {
  /// Stride along H and W.
  std::array<int64_t, 2> stride = {1, 1};
  /// Zero padding: top, left, bottom, right.
  std::array<int64_t, 4> padding = {0, 0, 0, 0};
  /// Dilation along H and W.
  std::array<int64_t, 2> dilation = {1, 1};
  /// Feature groups (C and O divisible by it; C = groups: depthwise).
  int64_t groups = 1;
  /// Layout of the input, filter and output.
  ConvLayout layout = ConvLayout::NCHW;
};

/// 2-D cross-correlation like F.conv2d: out[n, o, oh, ow] = bias[o] +
/// sum over (c, kh, kw) in o's group of x[n, c, oh*sh - pt + kh*dh,
/// ow*sw - pl + kw*dw] * w[o, c, kh, kw] (zero outside the input), with
/// OH = (H + pt + pb - dh*(KH-1) - 1) / sh + 1 (floor), likewise OW.
/// `bias` (optional) has O entries.
Tensor conv2d(const std::vector<double> &x, const Shape &xShape,
              const std::vector<double> &w, const Shape &wShape,
              const std::vector<double> *bias, const ConvOptions &options);

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

/// The gradients of a normalization; dscale and dbias have paramShape().
struct Gradients {
  /// dL/dx, in the input shape.
  std::vector<double> dx;
  /// sum(dy * xhat) over every non-params axis.
  std::vector<double> dscale;
  /// sum(dy) over every non-params axis.
  std::vector<double> dbias;
};

/// Backward of normalize() with batch statistics (training), recomputed
/// from `x`: with g = dy * scale and xhat = (x - mean) * rstd,
/// dx = rstd * (g - E[g] - xhat * E[g * xhat]) over each reduction set
/// (not centered: dx = rstd * (g - xhat * E[g * xhat])). `scale` optional
/// (absent: 1).
Gradients normalizeGrad(const std::vector<double> &dy,
                        const std::vector<double> &x, const Shape &shape,
                        const Spec &spec,
                        const std::vector<double> *scale = nullptr);

/// Backward of applyStats() with constant statistics `mean` / `var` in the
/// statistics shape of `spec` (inference): dx = rstd * dy * scale.
/// `mean` is not read when `spec.center` is false.
Gradients normalizeGradFixed(const std::vector<double> &dy,
                             const std::vector<double> &x, const Shape &shape,
                             const Spec &spec, const std::vector<double> &mean,
                             const std::vector<double> &var,
                             const std::vector<double> *scale = nullptr);

//===----------------------------------------------------------------------===//
// Reduced-precision formats
//===----------------------------------------------------------------------===//

/// IEEE binary16 bits of `x`, rounded to nearest even directly from double
/// (no double rounding through float); overflow gives Inf, NaN a quiet NaN.
uint16_t toHalfBits(double x);

/// The value of IEEE binary16 bits (exact).
double fromHalfBits(uint16_t bits);

/// bfloat16 bits of `x`, rounded to nearest even directly from double.
uint16_t toBf16Bits(double x);

/// The value of bfloat16 bits (exact).
double fromBf16Bits(uint16_t bits);

/// `x` rounded to the nearest binary16 value (fromHalfBits(toHalfBits(x))).
double roundToHalf(double x);

/// `x` rounded to the nearest bfloat16 value.
double roundToBf16(double x);

} // namespace normc::ref

#endif // NORMC_TEST_REFERENCE_REFERENCE_H
