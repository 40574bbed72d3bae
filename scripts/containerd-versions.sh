#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A containerd of a given minor version, from Debian's archive only, without changing the machine:
# its .deb is downloaded with apt through a private sources list and state, and unpacked into a
# private directory. Prints the directory holding its containerd, ctr and containerd-shim-runc-v2,
# to put first on PATH (the end-to-end harness takes it as REAPER_CONTAINERD_DIR).
#
#   scripts/containerd-versions.sh VERSION         fetch (or reuse) and print the bin dir
#   scripts/containerd-versions.sh --refresh VER   look up the suite's current version again
#   scripts/containerd-versions.sh --list          the versions this script knows, one a line
#
# VERSION    where it comes from
#   1.6      the machine's own package (Debian 12's, installed by scripts/deps.sh): prints /usr/bin
#   1.7      Debian 13 (trixie)
#   2        Debian unstable (sid): 2.1.x at the time of writing
#
# The download, verification and unpacking are scripts/debian-unpack.sh's (apt verifies the
# suite's signature, the index and the .deb; nothing is installed); the cache is its:
#   ${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}/containerd/<suite>/
# A suite is looked up in the archive once, then its cached version is reused (no network) until
# --refresh. Set CONTAINERD_DEB_VERSION to ask for an exact Debian version of that suite.
#
# Environment: REAPER_DEPS_CACHE, DEBIAN_MIRROR, DEBIAN_KEYRING, CONTAINERD_DEB_VERSION.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")

say() { echo "containerd-versions: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"
}

# VERSION -> the Debian suite that carries it (empty: the machine's own package).
suite_of() {
	case $1 in
	1.6) echo "" ;;
	1.7) echo trixie ;;
	2 | 2.x | 2.1) echo sid ;;
	*) return 1 ;;
	esac
}

# The version `containerd --version` reports, e.g. 1.7.24.
containerd_version_of() {
	"$1/containerd" --version 2>/dev/null | awk '{ print $3 }' | sed 's/^v//; s/~.*//; s/+.*//'
}

check_minor() {
	local dir=$1 want=$2 got
	got=$(containerd_version_of "$dir") || true
	[ -n "$got" ] || die "$dir/containerd does not run (or reports no version)"
	case $want in
	2 | 2.x) [[ $got == 2.* ]] ;;
	*) [[ $got == "$want".* ]] ;;
	esac || die "$dir/containerd is $got, not $want"
}

main() {
	local refresh="" version=""
	while [ $# -gt 0 ]; do
		case $1 in
		--refresh) refresh=1 ;;
		--list)
			printf '%s\n' 1.6 1.7 2
			exit 0
			;;
		-h | --help)
			usage
			exit 0
			;;
		-*) die "unknown option $1 (see --help)" ;;
		*)
			[ -z "$version" ] || die "one VERSION, please"
			version=$1
			;;
		esac
		shift
	done
	[ -n "$version" ] || die "which version? (see --help)"
	local suite
	suite=$(suite_of "$version") || die "unknown version $version (known: 1.6 1.7 2)"

	if [ -z "$suite" ]; then
		local dir
		dir=$(dirname "$(command -v containerd || echo /usr/bin/containerd)")
		[ -x "$dir/containerd" ] || die "no containerd installed (scripts/deps.sh installs Debian 12's)"
		check_minor "$dir" "$version"
		echo "$dir"
		exit 0
	fi

	local root
	root=$(CONTAINERD_DEB_VERSION='' DEB_VERSION=${CONTAINERD_DEB_VERSION:-} \
		"$(dirname "$SELF")/debian-unpack.sh" ${refresh:+--refresh} "$suite" containerd) ||
		die "cannot get containerd from Debian's $suite"
	[ -x "$root/usr/bin/containerd" ] || die "$root/usr/bin/containerd: not in the package"
	check_minor "$root/usr/bin" "$version"
	say "containerd $(containerd_version_of "$root/usr/bin") ($suite) in $root/usr/bin"
	echo "$root/usr/bin"
}

main "$@"
