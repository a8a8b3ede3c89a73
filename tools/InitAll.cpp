//===- InitAll.cpp - Register normc with an MLIR tool ---------------------===//
//
// Registers the norm dialect and passes; the only place that lists them.
//
//===----------------------------------------------------------------------===//

#include "tools/InitAll.h"

#include "codegen/Pipelines.h"
#include "dialect/NormDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "passes/Passes.h"

void mlir::norm::registerNormDialects(DialectRegistry &registry) {
  registry.insert<NormDialect, tensor::TensorDialect, linalg::LinalgDialect,
                  arith::ArithDialect, math::MathDialect, func::FuncDialect>();
}

void mlir::norm::registerNormCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registerNormDialects(registry);
}

void mlir::norm::registerNormPasses() {
  registerNormTransformsPasses();
  registerNormPipelines();
}
