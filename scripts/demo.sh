#!/usr/bin/env bash
# The demo from a fresh machine: installs what is missing, builds, then takes
# every example block in examples/ through normc: parse + verify, canonicalize
# the named normalizations into the generic norm.normalize (also through
# Debian's stock mlir-opt with the normc plugin), and compile the training and
# the inference entry to the LLVM dialect with the norm-to-cpu pipeline.
# Finally it JIT-runs a small LayerNorm / RMSNorm / GroupNorm graph and a
# conv -> BatchNorm -> activation graph with mlir-runner and prints the output.
#
# The runtime with running-statistics files, normc and norm-run (issue #3)
# are not built yet; the demo says so at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NORMC_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

opt="$build/bin/norm-opt"
stock=/usr/lib/llvm-22/bin/mlir-opt
plugin="$build/lib/NormPlugin.so"
now_ms() { date +%s%3N; }

for example in "$root"/examples/*.mlir; do
  name=$(basename "$example")
  echo "== $name"
  sed -n '1s|^// *||p' "$example"
  t0=$(now_ms)
  "$opt" "$example" > /dev/null
  t1=$(now_ms)
  canon=$("$opt" "$example" -canonicalize)
  t2=$(now_ms)
  "$stock" --load-dialect-plugin="$plugin" --load-pass-plugin="$plugin" \
    "$example" -canonicalize > /dev/null
  t3=$(now_ms)
  "$opt" "$example" --norm-to-cpu=mode=train > /dev/null
  t4=$(now_ms)
  "$opt" "$example" --norm-to-cpu=mode=infer > /dev/null
  t5=$(now_ms)
  named=$(grep -Eo 'norm\.(batch|layer|rms|group|instance)_norm' "$example" | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')
  echo "   named norms : ${named:-none}"
  echo "   generic form: $(grep -c 'norm.normalize' <<<"$canon") norm.normalize after -canonicalize"
  grep -Eo 'norm\.normalize %[^ ]+ over \[[0-9, ]*\]( params \[[0-9, ]*\])?' <<<"$canon" | sed 's/^/     /'
  echo "   time        : verify $((t1 - t0)) ms, canonicalize $((t2 - t1)) ms, stock mlir-opt + plugin $((t3 - t2)) ms"
  echo "   norm-to-cpu : train entry $((t4 - t3)) ms, infer entry $((t5 - t4)) ms (to the LLVM dialect)"
done

runner=/usr/lib/llvm-22/bin/mlir-runner
libs=/usr/lib/llvm-22/lib/libmlir_runner_utils.so,/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so
for graph in layer-norm conv-bn-activation; do
  file="$root/test/integration/cpu/$graph.mlir"
  echo
  echo "== JIT: $graph ($(sed -n '1s|^// *||p' "$file"))"
  t0=$(now_ms)
  "$opt" "$file" --norm-to-cpu | "$runner" -e main -entry-point-result=void \
    -shared-libs="$libs" | grep -v '^Unranked Memref'
  echo "   compile + JIT + run: $(( $(now_ms) - t0 )) ms"
done
echo
echo "demo: normc (shared libraries + manifest), the runtime with .npz running"
echo "      statistics and norm-run are the next step (issue #3)."
