//===- InitAll.cpp - Register normc with an MLIR tool ---------------------===//
//
// Registers the norm dialect and passes; the only place that lists them.
//
//===----------------------------------------------------------------------===//

#include "tools/InitAll.h"

#include "dialect/NormDialect.h"
#include "codegen/Pipelines.h"
#include "passes/Passes.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::norm::registerNormDialects(DialectRegistry &registry) {
  registry.insert<NormDialect, tensor::TensorDialect, linalg::LinalgDialect,
                  arith::ArithDialect, math::MathDialect,
                  func::FuncDialect>();
}

void mlir::norm::registerNormPasses() {
  registerNormTransformsPasses();
  registerNormPipelines();
}
