#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs what is missing,
# builds incrementally, then runs every lit and GoogleTest test through ctest.
# The last line is ctest's summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NORMC_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
start=$(date +%s)
"$root/scripts/build.sh"
echo "test.sh: build took $(( $(date +%s) - start )) s"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
