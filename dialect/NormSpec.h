//===- NormSpec.h - What a normalization computes ---------------*- C++ -*-===//
//
// NormSpec is the one description of a normalization shared by the generic
// op, its parts and the named ops: reduction axes, group split, parameter
// axes, centering, epsilon, statistics type and running statistics. The
// shape rules (statistics shape, parameter shape, reduction size) and the
// verification of a spec against concrete operand types live here, so every
// op checks the same invariants with the same diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_DIALECT_NORMSPEC_H
#define NORMC_DIALECT_NORMSPEC_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mlir {
namespace norm {

/// Splits `axis` into (`count`, size / `count`) for per-group statistics.
struct GroupSplit {
  int64_t axis;
  int64_t count;
};

/// The complete description of one normalization.
struct NormSpec {
  /// Axes of the input the statistics are taken over.
  llvm::SmallVector<int64_t> reduce;
  /// Optional split of one reduction axis into groups.
  std::optional<GroupSplit> groups;
  /// Axes that scale, bias and running statistics span.
  llvm::SmallVector<int64_t> params;
  /// False for RMSNorm: no mean is subtracted.
  bool center = true;
  /// Added to the variance before the reciprocal square root.
  double epsilon = 1e-5;
  /// Accumulation type of the statistics (f32 or f64); null: see
  /// getStatsElementType.
  Type statsType;
  /// The output uses (1 + scale) instead of scale (zero-centered gamma).
  bool zeroCenteredScale = false;
  /// Optional running statistics (a RunningAttr), BatchNorm / InstanceNorm.
  Attribute running;

  /// True when `axis` is a reduction axis.
  bool isReduced(int64_t axis) const;
  /// The statistics element type: `statsType`, or by default f64 for f64
  /// inputs and f32 for every narrower input type.
  Type getStatsElementType(Type inputElement) const;
  /// Shape of the statistics (mean, rstd): the input shape with reduced axes
  /// dropped, a grouped axis replaced by its group count.
  llvm::SmallVector<int64_t> getStatsShape(llvm::ArrayRef<int64_t> x) const;
  /// Shape of scale / bias / running statistics: the input at `params`.
  llvm::SmallVector<int64_t> getParamShape(llvm::ArrayRef<int64_t> x) const;
  /// Number of input elements that contribute to one statistic.
  int64_t getReductionSize(llvm::ArrayRef<int64_t> x) const;
};

/// Checks that `type` is a statically shaped tensor of f16, bf16, f32 or f64;
/// `what` names the value in the diagnostic.
LogicalResult verifyFloatTensor(Operation *op, Type type, llvm::StringRef what);

/// Checks `axes` are in range for `rank` and not repeated.
LogicalResult verifyAxes(Operation *op, llvm::ArrayRef<int64_t> axes,
                         int64_t rank, llvm::StringRef what);

/// Checks the reduction axes, group split, epsilon and statistics type of
/// `spec` against the input type `x` (which must already be verified).
LogicalResult verifyReduction(Operation *op, const NormSpec &spec,
                              RankedTensorType x);

/// Checks that a statistics value has the statistics shape of `spec` on `x`.
LogicalResult verifyStatsType(Operation *op, const NormSpec &spec,
                              RankedTensorType x, Type actual,
                              llvm::StringRef what);

/// Checks that a parameter value (scale, bias, their gradients) spans the
/// parameter axes with the input's or the statistics' element type.
LogicalResult verifyParamType(Operation *op, const NormSpec &spec,
                              RankedTensorType x, Type actual,
                              llvm::StringRef what);

/// Verifies a whole normalization: input, spec, scale, bias, the output `y`
/// (same type as `x`) and the optional statistics results (none or
/// mean and rstd).
LogicalResult verifyNormalization(Operation *op, const NormSpec &spec, Value x,
                                  Value scale, Value bias, Value y,
                                  ValueRange stats);

} // namespace norm
} // namespace mlir

#endif // NORMC_DIALECT_NORMSPEC_H
