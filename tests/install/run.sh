#!/usr/bin/env bash
# Installs the build in $1 into a temporary prefix and builds applications
# against the installed tree only: C (libattn.so, CMake package), C++
# (libattn.a, CMake package) and C again through pkg-config; runs each.
# ctest runs it (install_tree); docs/embedding.md.
set -euo pipefail
build="$1"
src="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$src/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
headers="$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')"
[ "$headers" = "./attn/attn.h ./attn/attn.hpp " ] || { echo "installed headers: $headers" >&2; exit 1; }

# libattn.so exports the API and nothing of attnc's internals or LLVM.
lib="$(find "$prefix" -name 'libattn.so.*.*' | head -1)"
leaked="$(nm -D --defined-only "$lib" | awk '{print $3}' | c++filt | grep -v -E '^(attn_|attn::api::|typeinfo (name )?for attn::api::|vtable for attn::api::)' || true)"
[ -z "$leaked" ] || { echo "libattn.so exports more than the API:" >&2; echo "$leaked" | head >&2; exit 1; }

quietly() { "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; echo "failed: $*" >&2; exit 1; }; }
quietly cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix"
quietly cmake --build "$work/build"
"$work/build/c_app"
"$prefix/bin/attnc" init-weights "$root/examples/sentiment.attn" -D vocab=40 --seed 3 -o "$work/w.safetensors"
"$work/build/cxx_app" "$root/examples/sentiment.attn" "$work/w.safetensors" vocab=40
"$work/build/cxx_shared_app" "$root/examples/sentiment.attn" "$work/w.safetensors" vocab=40

pc="$(dirname "$(find "$prefix" -name attn.pc | head -1)")"
libdir="$(PKG_CONFIG_PATH="$pc" pkg-config --variable=libdir attn)"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -pedantic -Werror "$src/c_app.c" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs attn) \
  -lm -Wl,-rpath,"$libdir" -o "$work/c_app_pkgconfig"
"$work/c_app_pkgconfig" | tail -1
