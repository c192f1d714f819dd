#!/usr/bin/env bash
# Builds the Leptos web UI into frontend/dist: cargo (wasm32) -> wasm-bindgen -> wasm-opt -Oz.
# Plain cargo rather than trunk/cargo-leptos: those need a newer Rust than this project pins.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

out=frontend/dist
cargo build -q -p frontend --target wasm32-unknown-unknown --profile wasm-release
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
stamp="$out/.built-from"
sum=$(sha256sum "$wasm" frontend/index.html frontend/boot.js frontend/style.css | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  exit 0   # nothing changed since the last build
fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$out.tmp/pkg" "$wasm"
# Debian's binaryen (108) silently breaks the app; this is npm binaryen@132 (scripts/setup.sh).
"$RECOGNIZER_TOOLS/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$out.tmp/pkg/frontend_bg.wasm" -o "$out.tmp/pkg/frontend_bg.wasm"
cp frontend/index.html frontend/boot.js frontend/style.css "$out.tmp/"
echo "$sum" > "$out.tmp/.built-from"
rm -rf "$out" && mv "$out.tmp" "$out"
log "web UI built: $out ($(du -sh "$out" | cut -f1))"
