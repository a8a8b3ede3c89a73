//===- norm-opt.cpp - mlir-opt with the norm dialect and passes -----------===//
//
// The project's optimizer driver: every upstream dialect and pass plus the
// norm dialect, passes and pipelines. Used by the lit tests.
//
//===----------------------------------------------------------------------===//

#include "tools/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::norm::registerNormPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::norm::registerNormDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "normc optimizer driver (mlir-opt with norm)\n", registry));
}
