//===- NormSpecTest.cpp - Unit tests of NormSpec and the named ops --------===//
//
// Parses norm IR from strings and checks the shape rules of NormSpec (stats
// shape, parameter shape, reduction size) for each named normalization, and
// that canonicalization yields the documented generic op.
//
//===----------------------------------------------------------------------===//

#include "dialect/NormOps.h"
#include "tools/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::norm;

namespace {
class NormSpecTest : public ::testing::Test {
protected:
  NormSpecTest() {
    DialectRegistry registry;
    registerNormDialects(registry);
    registry.insert<func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Parses `source`, which must verify.
  OwningOpRef<ModuleOp> parse(StringRef source) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << source.str();
    return module;
  }

  /// The first op of type OpTy in `module`.
  template <typename OpTy> OpTy first(ModuleOp module) {
    OpTy found;
    module.walk([&](OpTy op) {
      if (!found)
        found = op;
    });
    return found;
  }

  MLIRContext context;
};

TEST_F(NormSpecTest, BatchNormReducesAllButChannel) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<8x16x5x7xf32>) -> tensor<8x16x5x7xf32> {
      %y = norm.batch_norm %x {channel_axis = 1 : i64}
          : (tensor<8x16x5x7xf32>) -> tensor<8x16x5x7xf32>
      return %y : tensor<8x16x5x7xf32>
    })mlir");
  ASSERT_TRUE(module);
  FailureOr<NormSpec> spec = first<BatchNormOp>(*module).getSpec();
  ASSERT_TRUE(succeeded(spec));
  SmallVector<int64_t> shape{8, 16, 5, 7};
  EXPECT_EQ(spec->reduce, (SmallVector<int64_t>{0, 2, 3}));
  EXPECT_EQ(spec->getStatsShape(shape), (SmallVector<int64_t>{16}));
  EXPECT_EQ(spec->getParamShape(shape), (SmallVector<int64_t>{16}));
  EXPECT_EQ(spec->getReductionSize(shape), 8 * 5 * 7);
}

TEST_F(NormSpecTest, GhostBatchNormGroupsTheBatch) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<12x3x4x4xf32>) -> tensor<12x3x4x4xf32> {
      %y = norm.batch_norm %x {virtual_batch = 4 : i64}
          : (tensor<12x3x4x4xf32>) -> tensor<12x3x4x4xf32>
      return %y : tensor<12x3x4x4xf32>
    })mlir");
  ASSERT_TRUE(module);
  FailureOr<NormSpec> spec = first<BatchNormOp>(*module).getSpec();
  ASSERT_TRUE(succeeded(spec));
  SmallVector<int64_t> shape{12, 3, 4, 4};
  ASSERT_TRUE(spec->groups.has_value());
  EXPECT_EQ(spec->groups->count, 3);
  EXPECT_EQ(spec->getStatsShape(shape), (SmallVector<int64_t>{3, 3}));
  EXPECT_EQ(spec->getReductionSize(shape), 4 * 4 * 4);
}

TEST_F(NormSpecTest, GroupNormStatsPerSampleAndGroup) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<2x64x3x3xf32>) -> tensor<2x64x3x3xf32> {
      %y = norm.group_norm %x {num_groups = 8 : i64}
          : (tensor<2x64x3x3xf32>) -> tensor<2x64x3x3xf32>
      return %y : tensor<2x64x3x3xf32>
    })mlir");
  ASSERT_TRUE(module);
  FailureOr<NormSpec> spec = first<GroupNormOp>(*module).getSpec();
  ASSERT_TRUE(succeeded(spec));
  SmallVector<int64_t> shape{2, 64, 3, 3};
  EXPECT_EQ(spec->getStatsShape(shape), (SmallVector<int64_t>{2, 8}));
  EXPECT_EQ(spec->getReductionSize(shape), 8 * 3 * 3);
  EXPECT_EQ(spec->getParamShape(shape), (SmallVector<int64_t>{64}));
}

TEST_F(NormSpecTest, RMSNormIsNotCenteredOverTrailingAxes) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<4x6x10xbf16>) -> tensor<4x6x10xbf16> {
      %y = norm.rms_norm %x {normalized_rank = 2 : i64}
          : (tensor<4x6x10xbf16>) -> tensor<4x6x10xbf16>
      return %y : tensor<4x6x10xbf16>
    })mlir");
  ASSERT_TRUE(module);
  FailureOr<NormSpec> spec = first<RMSNormOp>(*module).getSpec();
  ASSERT_TRUE(succeeded(spec));
  EXPECT_FALSE(spec->center);
  EXPECT_EQ(spec->reduce, (SmallVector<int64_t>{1, 2}));
  EXPECT_DOUBLE_EQ(spec->epsilon, 1e-6);
  EXPECT_TRUE(spec->getStatsElementType(BFloat16Type::get(&context)).isF32());
  EXPECT_TRUE(spec->getStatsElementType(Float64Type::get(&context)).isF64());
}

TEST_F(NormSpecTest, CanonicalizationKeepsTheSpec) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<2x5x6x8xf16>, %w: tensor<5xf32>)
        -> (tensor<2x5x6x8xf16>, tensor<2x5xf32>, tensor<2x5xf32>) {
      %y, %m, %r = norm.instance_norm %x scale(%w) {epsilon = 1.0e-3 : f64}
          : (tensor<2x5x6x8xf16>, tensor<5xf32>)
          -> (tensor<2x5x6x8xf16>, tensor<2x5xf32>, tensor<2x5xf32>)
      return %y, %m, %r : tensor<2x5x6x8xf16>, tensor<2x5xf32>, tensor<2x5xf32>
    })mlir");
  ASSERT_TRUE(module);
  NormSpec named = *first<InstanceNormOp>(*module).getSpec();
  RewritePatternSet patterns(&context);
  populateNamedToGenericPatterns(patterns);
  ASSERT_TRUE(succeeded(applyPatternsGreedily(*module, std::move(patterns))));
  NormalizeOp generic = first<NormalizeOp>(*module);
  ASSERT_TRUE(generic);
  EXPECT_FALSE(first<InstanceNormOp>(*module));
  EXPECT_TRUE(succeeded(verify(*module)));
  NormSpec spec = generic.getSpec();
  EXPECT_EQ(spec.reduce, named.reduce);
  EXPECT_EQ(spec.params, named.params);
  EXPECT_DOUBLE_EQ(spec.epsilon, 1e-3);
  EXPECT_TRUE(generic.getMean() && generic.getRstd());
}

TEST_F(NormSpecTest, InvalidAxisIsRejectedWithDiagnostic) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
      %y = norm.normalize %x over [2] : (tensor<4x8xf32>) -> tensor<4x8xf32>
      return %y : tensor<4x8xf32>
    })mlir",
                                                             &context);
  EXPECT_FALSE(module);
  EXPECT_NE(message.find("reduction axis 2 is out of range"), std::string::npos)
      << message;
}
} // namespace
