#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install everything Reaper needs to build and test on Debian 12 (idempotent).
set -euo pipefail
packages=(
	build-essential cmake pkg-config git file clang clang-format libclang-rt-14-dev
	libjansson-dev libprotobuf-c-dev protobuf-c-compiler libseccomp-dev check
	musl-tools dpkg-dev xz-utils linux-libc-dev debian-archive-keyring gperf
	containerd runc busybox-static
	python3 python3-grpcio python3-grpc-tools protobuf-compiler python3-yaml
	golang-go golang-github-containerd-ttrpc-dev golang-github-containerd-containerd-dev
	procps psmisc iproute2 util-linux hyperfine time tmux strace diffutils
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
