# Sourced by the scripts: puts the pinned tools first on PATH.
# shellcheck shell=bash
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
