#!/usr/bin/env bash
# Release build of the web app into dist/, in two halves (issue 13): the main app (index.html:
# sign-in, dashboards, pre-call check) and the consultation page (consultation.html: the call
# engine, the provider bindings and SDKs), each with its own wasm file, so the first load carries
# no call code. The server (and any CDN) answers /consultation/… with consultation.html and every
# other app path with index.html. Trunk replaces its dist folder on each build and always names
# the page index.html, so the second half is built beside it and copied in, its page renamed;
# their hashed file names do not collide.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# Panics abort at once in the release build (issue 13): std is rebuilt with the
# `immediate-abort` panic strategy, so no panic message, location or formatting machinery is
# linked (28 KB gzip less on the first load, measured 2026-12-03). The crash screen does not need
# them: it is shown by src/bindings/crash.rs when the module traps. Both are unstable options of
# the pinned stable toolchain, enabled as for fuzzing (RUSTC_BOOTSTRAP); they need its rust-src
# (rust-toolchain.toml). Only this build sees them: browser tests and clippy build as usual.
#
# `--cfg erase_components` is Leptos's own switch (cargo-leptos's `always-erase-components`):
# every component's view is type-erased to `AnyView` at its boundary, so the view code is not
# compiled again for each nesting of concrete types. 5.8 KB gzip less on the main wasm (measured
# 2026-12-04). The browser tests build without it, so both forms are tested.
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort --cfg erase_components"
# Trunk builds offline (Trunk.toml): the rebuilt std's own dependencies (its Cargo.lock under
# rust-src) must already be in cargo's cache. On a machine that never fetched them the build
# fails with "no matching package named `moto-rt` found". A no-op when they are there.
cargo fetch --manifest-path "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml" >/dev/null
trunk build index.html --release
trunk build consultation.html --release --dist target/dist-consultation
half=target/dist-consultation
for suffix in '' .br .gz; do
  mv "$half/index.html$suffix" "$half/consultation.html$suffix"
done
cp -R "$half/." dist/
