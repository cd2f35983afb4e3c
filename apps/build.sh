#!/usr/bin/env bash
# Builds every sample app into apps/<name>/build/<name>.wasm (and the native
# Mandelbrot used by the sandbox overhead benchmark). An output newer than its
# sources and this script is kept, so running it again costs nothing.
# Tools: Debian clang lld wasi-libc libclang-rt-14-dev-wasm32 rustc
# libstd-rust-dev-wasm32 gcc (.ci/apt-packages.txt), AssemblyScript from `npm ci`.
set -euo pipefail

apps="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$apps")"
script="$apps/build.sh"

fail() { echo "apps/build.sh: $*" >&2; exit 1; }

need() {
    [[ -x "$1" ]] || command -v "$1" >/dev/null 2>&1 || fail "missing tool '$1': $2"
}

# Debian's rustc has the wasm32-wasi standard library; a rustup toolchain earlier
# on PATH usually has not, so the Debian one is named by its full path.
RUSTC="${RUSTC_WASI:-/usr/bin/rustc}"
ASC="$root/node_modules/.bin/asc"
WASI_SHIM="$root/node_modules/@assemblyscript/wasi-shim/asconfig.json"

# up_to_date OUTPUT SOURCE...: true when OUTPUT exists and is newer than every source.
up_to_date() {
    local output="$1"; shift
    [[ -f "$output" ]] || return 1
    local source
    for source in "$@" "$script"; do
        [[ "$output" -nt "$source" ]] || return 1
    done
}

built() { echo "built ${1#"$root"/}"; }

c_wasm() { # NAME SOURCE OUTPUT
    up_to_date "$3" "$2" && return 0
    need clang "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32"
    mkdir -p "$(dirname "$3")"
    clang --target=wasm32-wasi -O2 -s -Wall -Werror "$2" -o "$3" \
        || fail "clang failed on ${2#"$root"/} (are lld, wasi-libc and libclang-rt-14-dev-wasm32 installed?)"
    built "$3"
}

c_native() { # SOURCE OUTPUT
    up_to_date "$2" "$1" && return 0
    need gcc "apt-get install gcc"
    mkdir -p "$(dirname "$2")"
    gcc -O2 -Wall -Werror "$1" -o "$2" || fail "gcc failed on ${1#"$root"/}"
    built "$2"
}

rust_wasm() { # SOURCE OUTPUT
    up_to_date "$2" "$1" && return 0
    need "$RUSTC" "apt-get install rustc libstd-rust-dev-wasm32"
    [[ -d /usr/lib/rustlib/wasm32-wasi ]] || fail "missing the wasm32-wasi Rust standard library: apt-get install libstd-rust-dev-wasm32"
    mkdir -p "$(dirname "$2")"
    "$RUSTC" --edition 2021 -O -C strip=debuginfo --target wasm32-wasi "$1" -o "$2" \
        || fail "rustc failed on ${1#"$root"/}"
    built "$2"
}

as_wasm() { # SOURCE OUTPUT
    up_to_date "$2" "$1" && return 0
    need node "install Node.js, then run 'npm ci' at the repository root"
    [[ -x "$ASC" && -f "$WASI_SHIM" ]] || fail "missing AssemblyScript: run 'npm ci' at the repository root"
    mkdir -p "$(dirname "$2")"
    # asc resolves the shim's library folder only from paths relative to the root.
    (cd "$root" && node_modules/.bin/asc "${1#"$root"/}" --config node_modules/@assemblyscript/wasi-shim/asconfig.json \
        -O3 --noAssert -o "${2#"$root"/}") \
        || fail "asc failed on ${1#"$root"/}"
    built "$2"
}

c_wasm montecarlo "$apps/montecarlo/montecarlo.c" "$apps/montecarlo/build/montecarlo.wasm"
c_wasm wordsort "$apps/wordsort/wordsort.c" "$apps/wordsort/build/wordsort.wasm"
c_wasm mandelbrot "$apps/mandelbrot/mandelbrot.c" "$apps/mandelbrot/build/mandelbrot.wasm"
c_native "$apps/mandelbrot/mandelbrot.c" "$apps/mandelbrot/build/mandelbrot-native"
rust_wasm "$apps/collisions/collisions.rs" "$apps/collisions/build/collisions.wasm"
as_wasm "$apps/hello-as/hello.ts" "$apps/hello-as/build/hello-as.wasm"
for name in flood escape sockets sleeper; do
    c_wasm "$name" "$apps/hostile/$name.c" "$apps/hostile/build/$name.wasm"
done
