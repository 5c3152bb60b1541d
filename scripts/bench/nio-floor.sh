#!/usr/bin/env bash
# What SwiftNIO itself costs a request on this machine, before any of our code runs.
#
# Builds this checkout with nio-floor.patch applied (the HTTP/1.1 handler answers each request head with
# a fixed response the size of the autoconfig answer, parsing nothing, answering nothing) and runs it
# beside BINARY and nginx through ab.sh, HTTP/1.1 only. The floor's CPU time per request is what a NIO
# server with one channel handler pays for reading, the pipeline, writing and the event loop; BINARY's
# minus the floor's is ours (parsing, answering, encoding, metrics). The floor's "pox" row answers with
# the autoconfig body, not the POX one.
#
#   scripts/bench/nio-floor.sh [BINARY] [ROUNDS]
# defaults: .build/release/autodiscover, 2 rounds. Builds in a temporary worktree (about 4 minutes).
set -euo pipefail
bin=$(realpath "${1:-.build/release/autodiscover}")
rounds=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/tree" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$repo" worktree add --detach -q "$work/tree" HEAD
git -C "$work/tree" apply "$here/nio-floor.patch"
(cd "$work/tree" && swift build -c release --product autodiscover --scratch-path "$work/build" >&2)
cp "$work/build/release/autodiscover" "$work/nio-floor"
AB_NO_H2=1 "$here/ab.sh" "$rounds" "$bin" "$work/nio-floor"
