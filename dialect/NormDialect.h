//===- NormDialect.h - The norm dialect -------------------------*- C++ -*-===//
//
// Declares the norm dialect class and its attributes and enums (generated
// from NormDialect.td and NormAttrs.td).
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_DIALECT_NORMDIALECT_H
#define NORMC_DIALECT_NORMDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include <optional>

#include "dialect/NormOpsDialect.h.inc"
#include "dialect/NormOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/NormOpsAttrDefs.h.inc"

#endif // NORMC_DIALECT_NORMDIALECT_H
