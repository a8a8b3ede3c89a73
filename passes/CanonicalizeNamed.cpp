//===- CanonicalizeNamed.cpp - Named normalizations to the generic op -----===//
//
// The norm-canonicalize-named pass: applies the named-to-generic patterns so
// that every later pass sees only norm.normalize.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace norm {
#define GEN_PASS_DEF_NORMCANONICALIZENAMEDPASS
#include "passes/Passes.h.inc"
} // namespace norm
} // namespace mlir

using namespace mlir;
using namespace mlir::norm;

namespace {
struct NormCanonicalizeNamedPass final
    : mlir::norm::impl::NormCanonicalizeNamedPassBase<
          NormCanonicalizeNamedPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateNamedToGenericPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
