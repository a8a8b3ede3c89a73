//===- BuildBackward.cpp - Backward functions of norm graphs --------------===//
//
// The norm-build-backward pass: reverse-mode differentiation of functions
// made of norm ops. The backward function recomputes the forward pass and
// sweeps its ops in reverse, accumulating gradients per value.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMBUILDBACKWARDPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
/// True for tensors whose gradient is tracked.
bool isDifferentiable(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Gradients accumulated per value while sweeping in reverse.
class GradientMap {
public:
  explicit GradientMap(OpBuilder &b) : b(b) {}

  void accumulate(Value v, Value grad, Location loc) {
    if (!grad || !isDifferentiable(v))
      return;
    auto [it, inserted] = grads.try_emplace(v, grad);
    if (!inserted)
      it->second = AddOp::create(b, loc, it->second, grad);
  }
  Value lookup(Value v) const { return grads.lookup(v); }

private:
  OpBuilder &b;
  DenseMap<Value, Value> grads;
};

/// True for a normalization whose inference-mode statistics (running, per
/// channel) differ in shape from its batch statistics (per instance).
bool hasPerInstanceRunningStats(NormalizeOp op) {
  if (!op.getRunningAttr())
    return false;
  NormSpec spec = op.getSpec();
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(op.getX().getType()).getShape();
  return spec.getStatsShape(shape) != spec.getParamShape(shape);
}

/// Why `func` cannot be differentiated (in inference mode when `!train`), or
/// an empty string.
std::string findNonDifferentiable(func::FuncOp func, bool train) {
  std::string reason;
  func.walk([&](Operation *op) {
    if (!reason.empty() || isa<func::ReturnOp>(op) || op == func.getOperation())
      return;
    auto norm = dyn_cast<NormalizeOp>(op);
    if (!isa<AddOp, ActivationOp, NormalizeOp, Conv2DOp>(op))
      reason =
          "'" + op->getName().getStringRef().str() + "' has no derivative yet";
    else if (norm && !train && hasPerInstanceRunningStats(norm))
      reason = "inference with per-instance statistics and per-channel "
               "running statistics has no derivative yet";
    else if (norm && llvm::any_of(norm.getStats(),
                                  [](Value v) { return !v.use_empty(); }))
      reason = "it returns or uses saved statistics (mean / rstd), whose "
               "derivative is not supported";
  });
  return reason;
}

/// Differentiates one normalization; `op` gains mean / rstd results.
LogicalResult differentiateNormalize(OpBuilder &b, NormalizeOp op, Value dy,
                                     bool batchStats, GradientMap &grads,
                                     std::pair<Value, Value> saved,
                                     bool fromOutput) {
  NormSpec spec = op.getSpec();
  if (op.getStats().empty()) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(op);
    NormalizeOp withStats = buildNormalize(b, op.getLoc(), spec, op.getX(),
                                           op.getScale(), op.getBias(),
                                           /*withStats=*/true);
    op.getY().replaceAllUsesWith(withStats.getY());
    op.erase();
    op = withStats;
  }
  Location loc = op.getLoc();
  bool affine = op.getScale() || op.getBias();
  SmallVector<Type> types{op.getX().getType()};
  if (affine) {
    auto xType = cast<RankedTensorType>(op.getX().getType());
    Type element = op.getScale() ? getElementTypeOrSelf(op.getScale().getType())
                                 : getElementTypeOrSelf(op.getBias().getType());
    types.append(2, RankedTensorType::get(spec.getParamShape(xType.getShape()),
                                          element));
  }
  // Training uses the mean / rstd the forward entry saved.
  Value mean = saved.first ? saved.first : op.getMean();
  Value rstd = saved.second ? saved.second : op.getRstd();
  // The memory-saving form reads y (and the bias) instead of x and the mean.
  bool useOutput = fromOutput && op.getScale();
  auto grad = NormalizeGradOp::create(
      b, loc, types, dy, useOutput ? op.getY() : op.getX(),
      spec.center && !useOutput ? mean : Value(), rstd, op.getScale(),
      useOutput ? op.getBias() : Value(), op.getReduceAttr(),
      op.getParamsAttr(), op.getGroupsAttr(), b.getBoolAttr(batchStats),
      op.getZeroCenteredScaleAttr(), useOutput ? b.getUnitAttr() : UnitAttr(),
      b.getBoolAttr(useOutput ? spec.center : true));
  grads.accumulate(op.getX(), grad.getDx(), loc);
  if (affine) {
    if (op.getScale())
      grads.accumulate(op.getScale(), grad.getParamGrads()[0], loc);
    if (op.getBias())
      grads.accumulate(op.getBias(), grad.getParamGrads()[1], loc);
  }
  return success();
}

/// Makes the training entry `forward` also return the mean and rstd of each
/// normalization, tagged `norm.saved = "norm<k>.mean" / "norm<k>.rstd"`
/// (k in program order); returns how many normalizations it saved.
unsigned saveStatistics(func::FuncOp forward) {
  OpBuilder b(forward->getContext());
  SmallVector<NormalizeOp> norms;
  forward.walk([&](NormalizeOp op) { norms.push_back(op); });
  auto ret = cast<func::ReturnOp>(forward.getBody().front().getTerminator());
  SmallVector<Value> savedValues;
  for (auto [k, op] : llvm::enumerate(norms)) {
    NormalizeOp withStats = op;
    if (op.getStats().empty()) {
      b.setInsertionPoint(op);
      withStats = buildNormalize(b, op.getLoc(), op.getSpec(), op.getX(),
                                 op.getScale(), op.getBias(),
                                 /*withStats=*/true);
      op.getY().replaceAllUsesWith(withStats.getY());
      op.erase();
    }
    static const char *const fields[] = {"mean", "rstd"};
    for (auto [value, field] : llvm::zip(withStats.getStats(), fields)) {
      unsigned index = forward.getNumResults();
      std::string name = "norm" + std::to_string(k) + "." + field;
      NamedAttribute tag(b.getStringAttr("norm.saved"), b.getStringAttr(name));
      (void)forward.insertResult(index, value.getType(),
                                 b.getDictionaryAttr(tag));
      savedValues.push_back(value);
    }
  }
  // Read the return's operands only now: replacing a normalization above
  // may have changed them.
  SmallVector<Value> operands(ret.getOperands());
  operands.append(savedValues);
  ret->setOperands(operands);
  return norms.size();
}

/// Builds `<name>_backward` for `forward`; fails with a diagnostic.
LogicalResult buildBackward(func::FuncOp forward, bool train, bool fromOutput) {
  unsigned userResults = forward.getNumResults();
  unsigned saved = train ? saveStatistics(forward) : 0;
  OpBuilder b(forward->getContext());
  b.setInsertionPointAfter(forward);
  auto backward = cast<func::FuncOp>(b.clone(*forward));
  backward.setName((forward.getName() + "_backward").str());
  if (train)
    backward.walk([](NormalizeOp op) { op.removeRunningAttr(); });
  Block &body = backward.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Location loc = ret.getLoc();
  unsigned numInputs = body.getNumArguments();
  SmallVector<Value> gradOutputs;
  for (Type t : forward.getFunctionType().getResults().take_front(userResults))
    gradOutputs.push_back(body.addArgument(t, loc));
  // The statistics saved by the forward entry, per normalization in order.
  SmallVector<std::pair<Value, Value>> savedStats;
  for (unsigned k = 0; k < saved; ++k) {
    Type meanType = forward.getResultTypes()[userResults + 2 * k];
    Type rstdType = forward.getResultTypes()[userResults + 2 * k + 1];
    savedStats.push_back(
        {body.addArgument(meanType, loc), body.addArgument(rstdType, loc)});
  }
  DenseMap<Operation *, std::pair<Value, Value>> savedFor;
  unsigned nextSaved = 0;
  backward.walk([&](NormalizeOp op) {
    if (nextSaved < savedStats.size())
      savedFor[op] = savedStats[nextSaved++];
  });

  b.setInsertionPoint(ret);
  GradientMap grads(b);
  for (auto [value, grad] : llvm::zip(ret.getOperands(), gradOutputs))
    grads.accumulate(value, grad, loc);
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops)) {
    if (auto add = dyn_cast<AddOp>(op)) {
      Value g = grads.lookup(add.getOutput());
      grads.accumulate(add.getLhs(), g, add.getLoc());
      grads.accumulate(add.getRhs(), g, add.getLoc());
    } else if (auto act = dyn_cast<ActivationOp>(op)) {
      if (Value g = grads.lookup(act.getOutput()))
        grads.accumulate(
            act.getInput(),
            ActivationGradOp::create(b, act.getLoc(), act.getKind(), g,
                                     act.getInput(), act.getAlphaAttr()),
            act.getLoc());
    } else if (auto conv = dyn_cast<Conv2DOp>(op)) {
      if (Value g = grads.lookup(conv.getOutput())) {
        auto grad = Conv2DGradOp::create(
            b, conv.getLoc(), conv.getInput().getType(),
            conv.getFilter().getType(),
            RankedTensorType::get(
                {cast<RankedTensorType>(conv.getFilter().getType())
                     .getDimSize(conv.getLayout() == Layout::nchw ? 0 : 3)},
                getElementTypeOrSelf(conv.getInput().getType())),
            g, conv.getInput(), conv.getFilter(), conv.getLayoutAttr(),
            conv.getStridesAttr(), conv.getPaddingAttr(),
            conv.getDilationsAttr(), conv.getGroupsAttr());
        grads.accumulate(conv.getInput(), grad.getInputGrad(), conv.getLoc());
        grads.accumulate(conv.getFilter(), grad.getFilterGrad(), conv.getLoc());
        if (conv.getBias())
          grads.accumulate(conv.getBias(), grad.getBiasGrad(), conv.getLoc());
      }
    } else if (auto norm = dyn_cast<NormalizeOp>(op)) {
      if (Value g = grads.lookup(norm.getY()))
        if (failed(differentiateNormalize(
                b, norm, g, train || !norm.getRunningAttr(), grads,
                savedFor.lookup(norm.getOperation()), fromOutput)))
          return failure();
    }
  }

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (unsigned i = 0; i < numInputs; ++i) {
    Value arg = body.getArgument(i);
    if (!isDifferentiable(arg))
      continue;
    Value g = grads.lookup(arg);
    if (!g) {
      auto type = cast<RankedTensorType>(arg.getType());
      g = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(type,
                                 b.getFloatAttr(type.getElementType(), 0.0)));
    }
    results.push_back(g);
    resultTypes.push_back(g.getType());
  }
  func::ReturnOp::create(b, loc, results);
  ret.erase();
  SmallVector<Type> inputTypes(body.getArgumentTypes());
  backward.setFunctionType(b.getFunctionType(inputTypes, resultTypes));
  backward.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  SmallVector<DictionaryAttr> argAttrs(inputTypes.size(),
                                       b.getDictionaryAttr({}));
  for (unsigned i = 0; i < 2 * saved; ++i)
    argAttrs[numInputs + userResults + i] =
        forward.getResultAttrDict(userResults + i);
  backward.setAllArgAttrs(argAttrs);
  return success();
}

struct NormBuildBackwardPass final
    : mlir::norm::impl::NormBuildBackwardPassBase<NormBuildBackwardPass> {
  using Base::Base;

  void runOnOperation() override {
    if (mode != "train" && mode != "infer") {
      getOperation().emitError()
          << "norm-build-backward: mode must be 'train' or 'infer', got '"
          << mode << "'";
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> functions;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        functions.push_back(func);
    for (func::FuncOp func : functions) {
      if (!func.getBody().hasOneBlock())
        continue;
      std::string reason = findNonDifferentiable(func, mode == "train");
      if (!reason.empty()) {
        func.emitWarning() << "no backward function for @" << func.getName()
                           << ": " << reason;
        continue;
      }
      if (failed(buildBackward(func, mode == "train", fromOutput)))
        return signalPassFailure();
    }
  }
};
} // namespace
