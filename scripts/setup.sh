#!/usr/bin/env bash
# Installs what building (and, with --browser, testing) Teleconsult needs, skipping whatever is
# already present at the right version. Safe to run again. Nothing is downloaded from outside the
# crates.io, npm and Debian registries: Trunk is kept offline (Trunk.toml) with pinned tools.
#
#   scripts/setup.sh            rust wasm target, trunk, wasm-bindgen-cli, npm packages (wasm-opt,
#                               LiveKit's browser SDK)
#   scripts/setup.sh --browser  also Debian's chromium and chromium-driver (for the tests)
#   scripts/setup.sh --livekit  also LiveKit's server, a pinned release built with `go install`
#   scripts/setup.sh --contract also schemathesis (PyPI, pinned) in target/contract-venv
#   scripts/setup.sh --fuzz     also cargo-fuzz (crates.io, pinned)
#   scripts/setup.sh --scale    also Debian's postgresql, redis-server and nginx-light (the
#                               scale-out tests start them on loopback; none runs as a service)
# Flags combine: the test command uses all five.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
BROWSER=0; LIVEKIT=0; CONTRACT=0; FUZZ=0; SCALE=0
for flag in "$@"; do
  case "$flag" in
    --browser) BROWSER=1 ;;
    --livekit) LIVEKIT=1 ;;
    --contract) CONTRACT=1 ;;
    --fuzz) FUZZ=1 ;;
    --scale) SCALE=1 ;;
    *) echo "setup.sh: unknown flag $flag" >&2; exit 2 ;;
  esac
done

SCHEMATHESIS_VERSION=4.32.5
CARGO_FUZZ_VERSION=0.13.2
TRUNK_VERSION=0.21.14 # 0.22 needs a newer rustc than this project's toolchain
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock, to the patch version.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# std's source: the release wasm rebuilds std to abort on a panic (scripts/build-web.sh).
if ! rustup component list --installed | grep -q '^rust-src'; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

# Downloads (npm, Debian, PyPI) wait on the network and the disk, not the CPU: they run in the
# background while the cargo and go builds below use both cores. Each logs to target/setup-*.log,
# shown if it fails.
mkdir -p target
background_pids=(); background_logs=()
background() { # name, then the command
  local log="target/setup-$1.log"
  shift
  ( "$@" ) >"$log" 2>&1 &
  background_pids+=("$!"); background_logs+=("$log")
}

# binaryen's wasm-opt 132 (Debian's 108 silently produces a blank page) and playwright-core.
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json (in the background)"
  background npm npm ci --no-audit --no-fund
fi

# Debian's packages, in one apt run (two would wait on each other's lock).
debs=()
if [ "$BROWSER" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  debs+=(chromium chromium-driver)
fi
# Fonts for Bengali and Devanagari (issue 17): Debian's Chromium has none, and the pages in those
# languages would show empty boxes. Small (Lohit, under 1 MB together).
if [ "$BROWSER" = 1 ]; then
  for font in fonts-lohit-beng-bengali fonts-lohit-deva; do
    dpkg -s "$font" >/dev/null 2>&1 || debs+=("$font")
  done
fi
if [ "$SCALE" = 1 ]; then
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || debs+=(postgresql)
  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || debs+=(redis-server)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || debs+=(nginx-light)
fi
install_debs() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}
if [ "${#debs[@]}" -gt 0 ]; then
  say "installing Debian's ${debs[*]} (in the background)"
  background debian install_debs "${debs[@]}"
fi

install_schemathesis() {
  python3 -m venv "$1"
  "$1/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}
if [ "$CONTRACT" = 1 ]; then
  venv=target/contract-venv
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
    say "installing schemathesis $SCHEMATHESIS_VERSION into $venv (in the background)"
    background schemathesis install_schemathesis "$venv"
  fi
fi

if ! trunk --version 2>/dev/null | grep -qF "trunk $TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (takes about 7 minutes once)"
  # Not with trunk's own release profile (opt-level 3, fat LTO, one codegen unit): trunk's own
  # work is small (it runs cargo, wasm-bindgen and wasm-opt), and a fresh machine waits for the
  # install. Measured on an idle 2-core machine: 9m53s at opt-level 3 without LTO, 6m35s at
  # opt-level 1; the dist it builds is byte-identical.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qF "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes about 2 minutes once)"
  # Without --locked: one of its locked dependency versions is not in the registry mirror.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi


if [ "$LIVEKIT" = 1 ]; then
  if ! "$LIVEKIT_SERVER_BIN" --version 2>/dev/null | grep -qF "version ${LIVEKIT_VERSION#v}"; then
    # Go from the machine (Debian's golang is too old for this release: it needs Go >= 1.26).
    command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
    command -v go >/dev/null || { echo "setup.sh: LiveKit's server needs Go >= 1.26 (go not found)" >&2; exit 1; }
    say "installing livekit-server $LIVEKIT_VERSION with go install (about 5 minutes once)"
    # Tagged releases without `replace` lines install this way (TOOLCHAIN.md); the binary is
    # named after its package, `server`.
    GOBIN="$(dirname "$LIVEKIT_SERVER_BIN")" go install "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION"
  fi
fi


if [ "$FUZZ" = 1 ]; then
  if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about 2 minutes once)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
fi

for i in "${!background_pids[@]}"; do
  if ! wait "${background_pids[$i]}"; then
    echo "setup.sh: a background install failed; its log, ${background_logs[$i]}:" >&2
    cat "${background_logs[$i]}" >&2
    exit 1
  fi
done
