//===- Passes.td - Passes of normc -------------------------*- tablegen -*-===//
//
// Declares the norm passes; each one has a lit test named after its flag.
//
//===----------------------------------------------------------------------===//

#ifndef NORMC_PASSES_TD
#define NORMC_PASSES_TD

include "mlir/Pass/PassBase.td"

def NormCanonicalizeNamedPass : Pass<"norm-canonicalize-named"> {
  let summary = "Rewrite named normalizations into the generic norm.normalize";
  let description = [{
    Replaces `norm.batch_norm`, `norm.layer_norm`, `norm.rms_norm`,
    `norm.group_norm` and `norm.instance_norm` by the equivalent
    `norm.normalize` (reduction axes, group split, parameter axes, centering,
    epsilon, statistics type and running statistics). Later passes only see
    the generic form. The same rewrites are the named ops' canonicalizations.
  }];
  let dependentDialects = ["::mlir::norm::NormDialect"];
}

#endif // NORMC_PASSES_TD
