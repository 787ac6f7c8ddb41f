# Sourced by the scripts: puts the pinned tools first on PATH.
# shellcheck shell=bash
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
# LiveKit's server (a Go module, installed by scripts/setup.sh --livekit with go install): the
# pinned release and where its binary lives, outside the checkout so every clone reuses it.
export LIVEKIT_VERSION="v1.13.5"
export LIVEKIT_SERVER_BIN="${LIVEKIT_SERVER_BIN:-$HOME/.cache/teleconsult/livekit-server-$LIVEKIT_VERSION/server}"
