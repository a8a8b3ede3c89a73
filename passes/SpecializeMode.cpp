//===- SpecializeMode.cpp - Training or inference form of a norm graph ----===//
//
// The norm-specialize-mode pass. Threads running statistics through function
// arguments (and, in training, results) and rewrites each normalization that
// refers to them into batch statistics + running-stat update (train) or into
// an application of the running statistics (infer).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMSPECIALIZEMODEPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
/// The current SSA values of one layer's running statistics.
struct StateValues {
  Value mean, var, count;
};

/// Every axis of a rank-`rank` tensor that is not in `axes`.
SmallVector<int64_t> complement(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis = 0; axis < rank; ++axis)
    if (!llvm::is_contained(axes, axis))
      result.push_back(axis);
  return result;
}

/// Positions, within the statistics shape, of the axes that are not
/// parameter axes (InstanceNorm's batch axis, ghost BatchNorm's groups).
SmallVector<int64_t> nonParamStatsAxes(const NormSpec &spec, int64_t rank) {
  SmallVector<int64_t> axes;
  int64_t position = 0;
  for (int64_t axis = 0; axis < rank; ++axis) {
    bool inStats =
        !spec.isReduced(axis) || (spec.groups && spec.groups->axis == axis);
    if (!inStats)
      continue;
    if (!llvm::is_contained(spec.params, axis))
      axes.push_back(position);
    ++position;
  }
  return axes;
}

/// Inference: y from the running statistics, which span the parameter axes.
LogicalResult specializeInfer(NormalizeOp op, const NormSpec &spec,
                              StateValues &state, OpBuilder &b) {
  auto xType = cast<RankedTensorType>(op.getX().getType());
  NormSpec applied = spec;
  applied.reduce = complement(spec.params, xType.getRank());
  applied.groups.reset();
  applied.running = {};
  if (!op.getStats().empty() && spec.getStatsShape(xType.getShape()) !=
                                    applied.getStatsShape(xType.getShape()))
    return op.emitOpError(
        "cannot return per-instance statistics in inference mode: the "
        "running statistics are per channel");
  Location loc = op.getLoc();
  auto apply = ApplyOp::create(
      b, loc, xType, op.getX(), state.mean, state.var, op.getScale(),
      op.getBias(), b.getDenseI64ArrayAttr(applied.reduce), op.getParamsAttr(),
      GroupsAttr(), op.getEpsilonAttr(), op.getZeroCenteredScaleAttr());
  SmallVector<Value> results{apply.getY()};
  if (!op.getStats().empty()) {
    results.push_back(state.mean);
    results.push_back(RstdOp::create(b, loc, state.var, op.getEpsilonAttr()));
  }
  op->replaceAllUsesWith(results);
  op->erase();
  return success();
}

/// Position, within the statistics shape, of a ghost split's group axis
/// (a grouped axis that is not a parameter axis), if any.
std::optional<int64_t> ghostStatsPosition(const NormSpec &spec) {
  if (!spec.groups || llvm::is_contained(spec.params, spec.groups->axis))
    return std::nullopt;
  int64_t position = 0;
  for (int64_t axis = 0; axis < spec.groups->axis; ++axis)
    if (!spec.isReduced(axis) || (spec.groups && spec.groups->axis == axis))
      ++position;
  return position;
}

/// Slice `index` of `stats` along `position`, dropping that dimension.
Value sliceStats(OpBuilder &b, Location loc, Value stats, int64_t position,
                 int64_t index) {
  auto type = cast<RankedTensorType>(stats.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<int64_t> kept;
  for (auto [d, size] : llvm::enumerate(type.getShape())) {
    bool sliced = static_cast<int64_t>(d) == position;
    offsets.push_back(b.getIndexAttr(sliced ? index : 0));
    sizes.push_back(b.getIndexAttr(sliced ? 1 : size));
    strides.push_back(b.getIndexAttr(1));
    if (!sliced)
      kept.push_back(size);
  }
  auto resultType = RankedTensorType::get(kept, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, stats, offsets,
                                        sizes, strides);
}

/// Updates `state` from batch statistics. Ghost (virtual-batch)
/// normalization updates once per virtual batch, in batch order, each
/// update over the elements of one virtual batch.
void updateRunningState(OpBuilder &b, Location loc, const NormSpec &spec,
                        RankedTensorType xType, Value mean, Value var,
                        int64_t count, StateValues &state) {
  auto running = cast<RunningAttr>(spec.running);
  SmallVector<int64_t> averaged = nonParamStatsAxes(spec, xType.getRank());
  SmallVector<std::pair<Value, Value>> batches{{mean, var}};
  if (std::optional<int64_t> ghost = ghostStatsPosition(spec)) {
    batches.clear();
    for (int64_t k = 0; k < spec.groups->count; ++k)
      batches.push_back({sliceStats(b, loc, mean, *ghost, k),
                         sliceStats(b, loc, var, *ghost, k)});
    // The remaining non-parameter axes shift down past the sliced one.
    SmallVector<int64_t> rest;
    for (int64_t axis : averaged)
      if (axis != *ghost)
        rest.push_back(axis > *ghost ? axis - 1 : axis);
    averaged = rest;
  }
  for (auto [batchMean, batchVar] : batches) {
    auto update = UpdateRunningOp::create(
        b, loc, state.mean.getType(), state.var.getType(),
        state.count.getType(), state.mean, state.var, state.count, batchMean,
        batchVar, b.getI64IntegerAttr(count), running.getMomentum(),
        MomentumConventionAttr::get(b.getContext(), running.getConvention()),
        b.getDenseI64ArrayAttr(averaged),
        // PyTorch's InstanceNorm (per-instance statistics, averaged) never
        // increments num_batches_tracked; the cumulative average needs it.
        b.getBoolAttr(averaged.empty() || !running.getMomentum()));
    state = {update.getNewMean(), update.getNewVar(),
             update.getNewNumBatchesTracked()};
  }
}

/// Training: batch statistics, their application and the running update.
LogicalResult specializeTrain(NormalizeOp op, const NormSpec &spec,
                              StateValues &state, OpBuilder &b) {
  auto xType = cast<RankedTensorType>(op.getX().getType());
  int64_t count = spec.getReductionSize(xType.getShape());
  if (count <= 1)
    return op.emitOpError()
           << "Expected more than 1 value per channel when training, got "
              "input of type "
           << xType;
  Location loc = op.getLoc();
  auto statsType =
      RankedTensorType::get(spec.getStatsShape(xType.getShape()),
                            spec.getStatsElementType(xType.getElementType()));
  auto moments = MomentsOp::create(b, loc, statsType, statsType, op.getX(),
                                   op.getReduceAttr(), op.getGroupsAttr(),
                                   b.getBoolAttr(true));
  auto apply = ApplyOp::create(
      b, loc, xType, op.getX(), moments.getMean(), moments.getVar(),
      op.getScale(), op.getBias(), op.getReduceAttr(), op.getParamsAttr(),
      op.getGroupsAttr(), op.getEpsilonAttr(), op.getZeroCenteredScaleAttr());
  updateRunningState(b, loc, spec, xType, moments.getMean(), moments.getVar(),
                     count, state);
  SmallVector<Value> results{apply.getY()};
  if (!op.getStats().empty()) {
    results.push_back(moments.getMean());
    results.push_back(
        RstdOp::create(b, loc, moments.getVar(), op.getEpsilonAttr()));
  }
  op->replaceAllUsesWith(results);
  op->erase();
  return success();
}

struct NormSpecializeModePass final
    : mlir::norm::impl::NormSpecializeModePassBase<NormSpecializeModePass> {
  using Base::Base;

  void runOnOperation() override {
    if (mode != "train" && mode != "infer") {
      getOperation().emitError()
          << "norm-specialize-mode: mode must be 'train' or 'infer', got '"
          << mode << "'";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateNamedToGenericPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    SymbolTable symbols(getOperation());
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(specializeFunction(func, symbols)))
        return signalPassFailure();
  }

  LogicalResult specializeFunction(func::FuncOp func, SymbolTable &symbols);
};
} // namespace

LogicalResult NormSpecializeModePass::specializeFunction(func::FuncOp func,
                                                         SymbolTable &symbols) {
  bool train = mode == "train";
  OpBuilder b(func.getContext());
  func->setAttr("norm.mode", b.getStringAttr(mode));
  // The running statistics this function uses, in declaration order.
  SmallVector<NormalizeOp> users;
  func.walk([&](NormalizeOp op) {
    if (op.getRunningAttr())
      users.push_back(op);
  });
  if (users.empty())
    return success();
  if (func.isExternal() || !func.getBody().hasOneBlock())
    return func.emitOpError(
        "norm-specialize-mode needs a single-block function body");
  if (!SymbolTable::symbolKnownUseEmpty(func, getOperation()))
    return func.emitOpError(
        "uses running statistics and is called within the module; such "
        "functions must be entry points (their signature gains the state)");
  llvm::MapVector<RunningStatsOp, StateValues> states;
  for (auto decl : getOperation().getOps<RunningStatsOp>())
    for (NormalizeOp op : users)
      if (op.getRunningAttr().getState().getValue() == decl.getSymName())
        states.insert({decl, StateValues{}});

  Block &entry = func.getBody().front();
  Location loc = func.getLoc();
  auto tag = [&](RunningStatsOp decl, StringRef field) {
    NamedAttribute attr(b.getStringAttr("norm.state"),
                        b.getStringAttr(decl.getSymName() + "." + field));
    return b.getDictionaryAttr(attr);
  };
  auto countType = RankedTensorType::get({}, b.getI64Type());
  for (auto &[decl, values] : states) {
    unsigned index = func.getNumArguments();
    Type statsType = decl.getStatsType();
    if (failed(func.insertArgument(index, statsType, tag(decl, "running_mean"),
                                   loc)) ||
        failed(func.insertArgument(index + 1, statsType,
                                   tag(decl, "running_var"), loc)) ||
        failed(func.insertArgument(index + 2, countType,
                                   tag(decl, "num_batches_tracked"), loc)))
      return failure();
    values = {entry.getArgument(index), entry.getArgument(index + 1),
              entry.getArgument(index + 2)};
  }

  for (NormalizeOp op : users) {
    NormSpec spec = op.getSpec();
    auto decl = symbols.lookup<RunningStatsOp>(
        op.getRunningAttr().getState().getValue());
    StateValues &state = states[decl];
    b.setInsertionPoint(op);
    if (failed(train ? specializeTrain(op, spec, state, b)
                     : specializeInfer(op, spec, state, b)))
      return failure();
  }
  if (!train)
    return success();

  // Training returns the updated running statistics.
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  SmallVector<Value> operands(ret.getOperands());
  for (auto &[decl, values] : states) {
    unsigned index = func.getNumResults();
    for (auto [value, field] :
         llvm::zip(ArrayRef<Value>{values.mean, values.var, values.count},
                   ArrayRef<StringRef>{"running_mean", "running_var",
                                       "num_batches_tracked"})) {
      if (failed(func.insertResult(index, value.getType(), tag(decl, field))))
        return failure();
      operands.push_back(value);
      ++index;
    }
  }
  ret->setOperands(operands);
  return success();
}
