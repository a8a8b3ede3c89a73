//===- ExpandedView.h - A normalization's input with groups split -*- C++
//-*-===//
//
// The view of a normalization's input that the linalg builders index: a
// grouped axis g of size C becomes two dimensions (G, C / G), so that every
// statistic is a plain reduction over some dimensions, and parameter tensors
// are reshaped the same way when they span the grouped axis.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_CODEGEN_LINALG_EXPANDEDVIEW_H
#define NORMC_CODEGEN_LINALG_EXPANDEDVIEW_H

#include "dialect/NormSpec.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir {
namespace norm {

/// The input of a normalization with its group split made explicit: the
/// grouped axis g of size C becomes two dimensions (G, C / G).
struct ExpandedView {
  const NormSpec &spec;
  SmallVector<int64_t> shape; // shape of the input in the view
  SmallVector<bool> reduced;  // per view dimension
  SmallVector<ReassociationIndices> reassociation; // input axes -> view dims

  ExpandedView(const NormSpec &spec, ArrayRef<int64_t> input) : spec(spec) {
    for (auto [axis, size] : llvm::enumerate(input)) {
      int64_t a = axis;
      ReassociationIndices dims;
      if (spec.groups && spec.groups->axis == a) {
        dims = {int64_t(shape.size()), int64_t(shape.size()) + 1};
        shape.push_back(spec.groups->count);
        shape.push_back(size / spec.groups->count);
        reduced.push_back(false);
        reduced.push_back(true);
      } else {
        dims = {int64_t(shape.size())};
        shape.push_back(size);
        reduced.push_back(spec.isReduced(a));
      }
      reassociation.push_back(dims);
    }
  }

  bool isGrouped() const { return spec.groups.has_value(); }
  int64_t rank() const { return shape.size(); }

  /// The statistics dimensions (not reduced) of the view.
  SmallVector<int64_t> statsDims() const {
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < rank(); ++d)
      if (!reduced[d])
        dims.push_back(d);
    return dims;
  }

  /// Shape of the statistics.
  SmallVector<int64_t> statsShape() const {
    return llvm::map_to_vector(statsDims(),
                               [&](int64_t d) { return shape[d]; });
  }

  /// Map from view dimensions to the statistics.
  AffineMap statsMap(MLIRContext *ctx) const {
    SmallVector<AffineExpr> exprs = llvm::map_to_vector(
        statsDims(), [&](int64_t d) { return getAffineDimExpr(d, ctx); });
    return AffineMap::get(rank(), 0, exprs, ctx);
  }

  /// Map from view dimensions to a parameter tensor (expanded like the
  /// input when it spans the grouped axis).
  AffineMap paramMap(MLIRContext *ctx) const {
    SmallVector<AffineExpr> exprs;
    for (int64_t axis : spec.params)
      for (int64_t d : reassociation[axis])
        exprs.push_back(getAffineDimExpr(d, ctx));
    return AffineMap::get(rank(), 0, exprs, ctx);
  }

  /// `x` reshaped into the view.
  Value expand(OpBuilder &b, Location loc, Value x) const {
    if (!isGrouped())
      return x;
    auto type = cast<RankedTensorType>(x.getType());
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), x,
        reassociation);
  }

  /// A view-shaped `y` reshaped back to the input shape `type`.
  Value collapse(OpBuilder &b, Location loc, Value y,
                 RankedTensorType type) const {
    if (!isGrouped())
      return y;
    return tensor::CollapseShapeOp::create(b, loc, type, y, reassociation);
  }

  /// A parameter tensor (scale / bias) reshaped to match `paramMap`.
  Value expandParam(OpBuilder &b, Location loc, Value param) const {
    if (!param || !isGrouped() ||
        !llvm::is_contained(spec.params, spec.groups->axis))
      return param;
    auto type = cast<RankedTensorType>(param.getType());
    SmallVector<int64_t> expandedShape;
    SmallVector<ReassociationIndices> groups;
    for (int64_t axis : spec.params) {
      ReassociationIndices dims;
      for (int64_t d : reassociation[axis]) {
        dims.push_back(expandedShape.size());
        expandedShape.push_back(shape[d]);
      }
      groups.push_back(dims);
    }
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(expandedShape, type.getElementType()),
        param, groups);
  }

  /// The view dimensions spanned by the parameter axes, in parameter order.
  SmallVector<int64_t> paramDims() const {
    SmallVector<int64_t> dims;
    for (int64_t axis : spec.params)
      dims.append(reassociation[axis].begin(), reassociation[axis].end());
    return dims;
  }

  /// Shape of a parameter tensor in the view (see `expandParam`).
  SmallVector<int64_t> paramViewShape() const {
    return llvm::map_to_vector(paramDims(),
                               [&](int64_t d) { return shape[d]; });
  }

  /// Iterator types of a reduction onto the parameters: every dimension
  /// that is not a parameter dimension is reduced.
  SmallVector<utils::IteratorType> paramIterators() const {
    SmallVector<int64_t> dims = paramDims();
    SmallVector<utils::IteratorType> its;
    for (int64_t d = 0; d < rank(); ++d)
      its.push_back(llvm::is_contained(dims, d)
                        ? utils::IteratorType::parallel
                        : utils::IteratorType::reduction);
    return its;
  }

  /// Iterator types: reduction on reduced dimensions.
  SmallVector<utils::IteratorType> iterators() const {
    return llvm::map_to_vector(reduced, [](bool r) {
      return r ? utils::IteratorType::reduction : utils::IteratorType::parallel;
    });
  }
};

} // namespace norm
} // namespace mlir

#endif // NORMC_CODEGEN_LINALG_EXPANDEDVIEW_H
