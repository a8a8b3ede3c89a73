#!/usr/bin/env bash
# Installs, with apt-get, whatever normc needs that is missing: LLVM/MLIR 22
# (bookworm-security), the build tools, GoogleTest, Google Benchmark, ccache,
# NumPy (reference data) and oneDNN (benchmark peer). Idempotent: packages
# already present are not touched and nothing is downloaded when all are.
set -euo pipefail

PACKAGES=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
  cmake ninja-build clang ccache
  libgtest-dev libbenchmark-dev
  python3 python3-numpy python3-torch python3-matplotlib
  libdnnl-dev libzip-dev zlib1g-dev pkg-config libomp-22-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
