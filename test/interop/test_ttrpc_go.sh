#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interoperability of Reaper's C ttrpc with the reference Go implementation
# (github.com/containerd/ttrpc from Debian's golang-github-containerd-ttrpc-dev), both ways:
#   our client (ttrpc_peer call) against their server (gopeer serve),
#   their client (gopeer call) against our server (ttrpc_peer serve).
# The Go program is built offline in GOPATH mode from /usr/share/gocode. Exit 77 (skip) when Go
# or the ttrpc sources are missing. Needs TTRPC_PEER (path of the built ttrpc_peer).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peer=${TTRPC_PEER:?set TTRPC_PEER to the ttrpc_peer binary}
gocode=/usr/share/gocode
if ! command -v go >/dev/null || [ ! -d "$gocode/src/github.com/containerd/ttrpc" ]; then
	echo "SKIP: needs golang-go and golang-github-containerd-ttrpc-dev"
	[[ -z "${REAPER_TEST_NO_SKIP:-}" ]] || exit 1 # CI: a skip fails
	exit 77
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/src"
cp -r "$here/gopeer" "$tmp/src/gopeer"
(cd "$tmp/src/gopeer" && GO111MODULE=off GOPATH="$gocode:$tmp" GOCACHE="$tmp/cache" GOFLAGS= \
	go build -o "$tmp/gopeer" .)

wait_socket() {
	for _ in $(seq 200); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || { echo "server $2 died" >&2; return 1; }
		sleep 0.05
	done
	echo "no socket at $1" >&2
	return 1
}

echo "== Reaper client -> Go server"
"$tmp/gopeer" serve "$tmp/go.sock" &
pids+=($!)
wait_socket "$tmp/go.sock" "${pids[-1]}"
"$peer" call "unix://$tmp/go.sock"

echo "== Go client -> Reaper server"
"$peer" serve "unix://$tmp/c.sock" &
cpid=$!
pids+=($cpid)
wait_socket "$tmp/c.sock" "$cpid"
[ "$(stat -c %a "$tmp/c.sock")" = 600 ] || { echo "socket mode is not 0600" >&2; exit 1; }
"$tmp/gopeer" call "$tmp/c.sock"
# Shutdown made our server exit cleanly.
wait "$cpid"
echo "PASS"
