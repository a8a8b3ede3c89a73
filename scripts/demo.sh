#!/usr/bin/env bash
# The demo from a fresh machine: installs what is missing, builds, then takes
# every example block in examples/ through the norm dialect: parse + verify,
# canonicalize the named normalizations into the generic norm.normalize, and
# the same through Debian's stock mlir-opt with the normc plugin. Prints what
# each example contains and how long each step took.
#
# The CPU code generator and runtime (issue #3) are not built yet, so the demo
# stops at the compiler front end and says so.
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
  named=$(grep -Eo 'norm\.(batch|layer|rms|group|instance)_norm' "$example" | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')
  echo "   named norms : ${named:-none}"
  echo "   generic form: $(grep -c 'norm.normalize' <<<"$canon") norm.normalize after -canonicalize"
  grep -Eo 'norm\.normalize %[^ ]+ over \[[0-9, ]*\]( params \[[0-9, ]*\])?' <<<"$canon" | sed 's/^/     /'
  echo "   time        : verify $((t1 - t0)) ms, canonicalize $((t2 - t1)) ms, stock mlir-opt + plugin $((t3 - t2)) ms"
done
echo
echo "demo: the CPU code generator and runtime (normc, norm-run) are not built yet;"
echo "      this demo stops at parsing, verifying and canonicalizing the examples."
