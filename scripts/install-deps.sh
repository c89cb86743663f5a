#!/usr/bin/env bash
# Installs every Debian package attnc needs to build and test. Idempotent:
# quiet and quick when everything is already present.
#   --bench  also install what bench/*.py needs: PyTorch, numpy, matplotlib and
#            OpenBLAS (see bench/README.md)
set -euo pipefail

packages=(
  cmake ninja-build g++ python3 ccache
  llvm-19-dev llvm-19-tools
  libdnnl-dev ocl-icd-opencl-dev
  libfmt-dev libgtest-dev libbenchmark-dev libxsmm-dev pkg-config
  clang-19 libclang-rt-19-dev
  sentencepiece libsentencepiece-dev
  zlib1g-dev libzstd-dev libxml2-dev libedit-dev libncurses-dev libffi-dev
)

for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-torch python3-numpy python3-matplotlib libopenblas0-openmp) ;;
    *) echo "usage: $0 [--bench]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
