//===- NormDialect.cpp - The norm dialect and its attributes
//---------------===//
//
// Registers the norm ops and attributes, and implements the custom syntax
// and verification of #norm.running.
//
//===----------------------------------------------------------------------===//

#include "dialect/NormDialect.h"
#include "dialect/NormOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include <cmath>

using namespace mlir;
using namespace mlir::norm;

#include "dialect/NormOpsDialect.cpp.inc"
#include "dialect/NormOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/NormOpsAttrDefs.cpp.inc"

void NormDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/NormOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/NormOpsAttrDefs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// #norm.running<@state, momentum = m | cumulative [, onnx]>
//===----------------------------------------------------------------------===//

Attribute RunningAttr::parse(AsmParser &parser, Type) {
  FlatSymbolRefAttr state;
  if (parser.parseLess() || parser.parseAttribute(state) || parser.parseComma())
    return {};
  FloatAttr momentum;
  if (failed(parser.parseOptionalKeyword("cumulative"))) {
    double value;
    if (parser.parseKeyword("momentum") || parser.parseEqual() ||
        parser.parseFloat(value))
      return {};
    momentum = FloatAttr::get(Float64Type::get(parser.getContext()), value);
  }
  MomentumConvention convention = MomentumConvention::pytorch;
  if (succeeded(parser.parseOptionalComma())) {
    StringRef keyword;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&keyword))
      return {};
    std::optional<MomentumConvention> parsed =
        symbolizeMomentumConvention(keyword);
    if (!parsed) {
      parser.emitError(loc, "expected momentum convention 'pytorch' or "
                            "'onnx', got '")
          << keyword << "'";
      return {};
    }
    convention = *parsed;
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<RunningAttr>(parser.getContext(), state, momentum,
                                        convention);
}

void RunningAttr::print(AsmPrinter &printer) const {
  printer << "<" << getState() << ", ";
  if (FloatAttr momentum = getMomentum()) {
    printer << "momentum = ";
    printer.printFloat(momentum.getValue());
  } else
    printer << "cumulative";
  if (getConvention() != MomentumConvention::pytorch)
    printer << ", " << stringifyMomentumConvention(getConvention());
  printer << ">";
}

LogicalResult RunningAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  FlatSymbolRefAttr state,
                                  FloatAttr momentumAttr,
                                  MomentumConvention convention) {
  std::optional<double> momentum;
  if (momentumAttr)
    momentum = momentumAttr.getValueAsDouble();
  if (!state)
    return emitError() << "running statistics need a state symbol";
  if (momentum && !(*momentum >= 0.0 && *momentum <= 1.0))
    return emitError() << "momentum must be in [0, 1], got " << *momentum;
  if (!momentum && convention == MomentumConvention::onnx)
    return emitError()
           << "the ONNX convention needs an explicit momentum (it has no "
              "cumulative average)";
  return success();
}

LogicalResult CpuScheduleAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, CpuKernel kernel,
    int64_t vectorWidth, int64_t unroll, int64_t rowChunks, int64_t block,
    bool nontemporal, int64_t prefetch, bool evenOdd, int64_t prefetchOutput,
    bool mergedMoments, int64_t prefetchStats, bool reverseSpans) {
  if (vectorWidth < 1 || vectorWidth > 64 || !llvm::isPowerOf2_64(vectorWidth))
    return emitError() << "vector_width must be a power of two in [1, 64], got "
                       << vectorWidth;
  if (unroll < 1 || unroll > 8)
    return emitError() << "unroll must be in [1, 8], got " << unroll;
  if (rowChunks < 1)
    return emitError() << "row_chunks must be positive, got " << rowChunks;
  if (block < 1)
    return emitError() << "block must be positive, got " << block;
  if (prefetch < 0)
    return emitError() << "prefetch must not be negative, got " << prefetch;
  if (prefetchOutput < 0)
    return emitError() << "prefetch_output must not be negative, got "
                       << prefetchOutput;
  // Streaming stores take no ownership of the output lines.
  if (prefetchOutput > 0 && nontemporal)
    return emitError() << "prefetch_output needs nontemporal = false";
  // channels_last merges its row chunks' moments already; the flag is the
  // rows kernel's.
  if (mergedMoments && kernel != CpuKernel::rows)
    return emitError() << "merged_moments needs the rows kernel";
  if (prefetchStats < 0)
    return emitError() << "prefetch_stats must not be negative, got "
                       << prefetchStats;
  // channels_last has no statistics pass over a cached slab.
  if (prefetchStats > 0 && kernel != CpuKernel::rows)
    return emitError() << "prefetch_stats needs the rows kernel";
  if (reverseSpans && kernel != CpuKernel::rows)
    return emitError() << "reverse_spans needs the rows kernel";
  // channels_last keeps per-channel scratch in the lanes' order, which
  // needs every row split into the same vectors: streaming stores would
  // start the output's at y's alignment.
  if (evenOdd && kernel == CpuKernel::channels_last && nontemporal)
    return emitError() << "even_odd on the channels_last kernel needs "
                          "nontemporal = false";
  return success();
}
