//===- NamedOps.cpp - Named normalizations and their generic form ---------===//
//
// Maps each named normalization (batch_norm, layer_norm, rms_norm,
// group_norm, instance_norm) to the NormSpec of the generic op, verifies it
// through that spec, and canonicalizes it to `norm.normalize`.
//
//===----------------------------------------------------------------------===//

#include "dialect/NormOps.h"

#include "mlir/IR/PatternMatch.h"
#include <numeric>

using namespace mlir;
using namespace mlir::norm;

/// Emits `message` at `op` when `emit` is set; always returns failure.
static FailureOr<NormSpec> specError(Operation *op, bool emit,
                                     const Twine &message) {
  if (emit)
    op->emitOpError(message);
  return failure();
}

/// Input rank of a named op (0 when the input is not a ranked tensor).
static int64_t inputRank(Value x) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  return type ? type.getRank() : 0;
}

/// Every axis of a rank-`rank` tensor except `skip`.
static SmallVector<int64_t> allAxesExcept(int64_t rank,
                                          ArrayRef<int64_t> skip) {
  SmallVector<int64_t> axes;
  for (int64_t axis = 0; axis < rank; ++axis)
    if (!llvm::is_contained(skip, axis))
      axes.push_back(axis);
  return axes;
}

/// Checks the input rank (at least `minRank`, described by `rankMessage`) and
/// the channel axis of a channel-wise normalization.
static LogicalResult checkChannelAxis(Operation *op, bool emit, int64_t rank,
                                      int64_t minRank, StringRef rankMessage,
                                      int64_t axis, bool allowBatchAxis) {
  if (rank < minRank)
    return specError(op, emit, rankMessage);
  if (axis < 0 || axis >= rank)
    return specError(op, emit,
                     "channel axis " + Twine(axis) +
                         " is out of range for a rank-" + Twine(rank) +
                         " input");
  if (!allowBatchAxis && axis == 0)
    return specError(op, emit, "channel axis must not be the batch axis 0");
  return success();
}

/// Copies the epsilon and statistics type of a named op into `spec`.
template <typename OpTy>
static NormSpec withCommonAttrs(NormSpec spec, OpTy op) {
  spec.epsilon = op.getEpsilon().convertToDouble();
  spec.statsType = op.getStatsType().value_or(Type());
  return spec;
}

static constexpr StringLiteral kBatchChannelRank =
    "needs an input of rank >= 2 (batch and channel axes)";

/// Checks a trailing-axes count for layer_norm / rms_norm.
static FailureOr<NormSpec> trailingSpec(Operation *op, bool emit,
                                        int64_t normalizedRank, int64_t rank) {
  if (normalizedRank < 1 || normalizedRank > rank)
    return specError(op, emit,
                     "normalized rank " + Twine(normalizedRank) +
                         " must be between 1 and the input rank " +
                         Twine(rank));
  NormSpec spec;
  for (int64_t axis = rank - normalizedRank; axis < rank; ++axis)
    spec.reduce.push_back(axis);
  spec.params = spec.reduce;
  return spec;
}

FailureOr<NormSpec> BatchNormOp::getSpec(bool emit) {
  int64_t rank = inputRank(getX());
  int64_t channel = getChannelAxis();
  if (failed(checkChannelAxis(*this, emit, rank, 2, kBatchChannelRank, channel,
                              /*allowBatchAxis=*/!getVirtualBatch())))
    return failure();
  NormSpec spec;
  spec.reduce = allAxesExcept(rank, {channel});
  spec.params = {channel};
  if (std::optional<uint64_t> virtualBatch = getVirtualBatch()) {
    int64_t v = static_cast<int64_t>(*virtualBatch);
    int64_t batch = cast<RankedTensorType>(getX().getType()).getDimSize(0);
    if (v <= 0)
      return specError(*this, emit,
                       "virtual batch size must be positive, got " + Twine(v));
    if (ShapedType::isDynamic(batch) || batch % v != 0)
      return specError(*this, emit,
                       "batch size " + Twine(batch) +
                           " is not divisible by the virtual batch size " +
                           Twine(v));
    spec.groups = GroupSplit{0, batch / v};
  }
  spec.running = getRunningAttr();
  return withCommonAttrs(spec, *this);
}

FailureOr<NormSpec> LayerNormOp::getSpec(bool emit) {
  FailureOr<NormSpec> spec =
      trailingSpec(*this, emit, getNormalizedRank(), inputRank(getX()));
  if (failed(spec))
    return failure();
  spec->zeroCenteredScale = getZeroCenteredScale();
  return withCommonAttrs(*spec, *this);
}

FailureOr<NormSpec> RMSNormOp::getSpec(bool emit) {
  FailureOr<NormSpec> spec =
      trailingSpec(*this, emit, getNormalizedRank(), inputRank(getX()));
  if (failed(spec))
    return failure();
  spec->center = false;
  spec->zeroCenteredScale = getZeroCenteredScale();
  return withCommonAttrs(*spec, *this);
}

FailureOr<NormSpec> GroupNormOp::getSpec(bool emit) {
  int64_t rank = inputRank(getX());
  int64_t channel = getChannelAxis();
  if (failed(checkChannelAxis(*this, emit, rank, 2, kBatchChannelRank, channel,
                              /*allowBatchAxis=*/false)))
    return failure();
  NormSpec spec;
  spec.reduce = allAxesExcept(rank, {0});
  spec.groups = GroupSplit{channel, static_cast<int64_t>(getNumGroups())};
  spec.params = {channel};
  return withCommonAttrs(spec, *this);
}

FailureOr<NormSpec> InstanceNormOp::getSpec(bool emit) {
  int64_t rank = inputRank(getX());
  int64_t channel = getChannelAxis();
  if (failed(checkChannelAxis(*this, emit, rank, 3,
                              "needs an input of rank >= 3 (batch, channel "
                              "and at least one spatial axis)",
                              channel, /*allowBatchAxis=*/false)))
    return failure();
  NormSpec spec;
  spec.reduce = allAxesExcept(rank, {0, channel});
  spec.params = {channel};
  spec.running = getRunningAttr();
  return withCommonAttrs(spec, *this);
}

namespace {
/// Verifies a named op through its generic spec.
template <typename OpTy> LogicalResult verifyNamed(OpTy op) {
  if (failed(verifyFloatTensor(op, op.getX().getType(), "input")))
    return failure();
  FailureOr<NormSpec> spec = op.getSpec(/*emitErrors=*/true);
  if (failed(spec))
    return failure();
  return verifyNormalization(op, *spec, op.getX(), op.getScale(), op.getBias(),
                             op.getY(), op.getStats());
}

/// Verifies the running-statistics symbol of a named op, if any.
template <typename OpTy>
LogicalResult verifyNamedSymbolUses(OpTy op, SymbolTableCollection &table) {
  FailureOr<NormSpec> spec = op.getSpec();
  if (failed(spec) || !spec->running)
    return success();
  return verifyRunningStatsUse(op, table, *spec,
                               cast<RankedTensorType>(op.getX().getType()));
}

/// Rewrites a named normalization into the generic `norm.normalize`.
template <typename OpTy> struct NamedToGeneric final : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    FailureOr<NormSpec> spec = op.getSpec();
    if (failed(spec))
      return rewriter.notifyMatchFailure(op, "invalid named normalization");
    NormalizeOp generic =
        buildNormalize(rewriter, op.getLoc(), *spec, op.getX(), op.getScale(),
                       op.getBias(), /*withStats=*/!op.getStats().empty());
    rewriter.replaceOp(op, generic->getResults());
    return success();
  }
};
} // namespace

#define NORM_NAMED_OP_IMPL(OpTy)                                               \
  LogicalResult OpTy::verify() { return verifyNamed(*this); }                  \
  void OpTy::getCanonicalizationPatterns(RewritePatternSet &results,           \
                                         MLIRContext *context) {               \
    results.add<NamedToGeneric<OpTy>>(context);                                \
  }

NORM_NAMED_OP_IMPL(BatchNormOp)
NORM_NAMED_OP_IMPL(LayerNormOp)
NORM_NAMED_OP_IMPL(RMSNormOp)
NORM_NAMED_OP_IMPL(GroupNormOp)
NORM_NAMED_OP_IMPL(InstanceNormOp)
#undef NORM_NAMED_OP_IMPL

LogicalResult BatchNormOp::verifySymbolUses(SymbolTableCollection &table) {
  return verifyNamedSymbolUses(*this, table);
}

LogicalResult InstanceNormOp::verifySymbolUses(SymbolTableCollection &table) {
  return verifyNamedSymbolUses(*this, table);
}

void mlir::norm::populateNamedToGenericPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<NamedToGeneric<BatchNormOp>, NamedToGeneric<LayerNormOp>,
               NamedToGeneric<RMSNormOp>, NamedToGeneric<GroupNormOp>,
               NamedToGeneric<InstanceNormOp>>(ctx);
}
