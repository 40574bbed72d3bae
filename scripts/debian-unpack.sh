#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One package of another Debian suite, from Debian's archive only, without changing the machine:
# its .deb is downloaded with apt through a private sources list and state, verified, and unpacked
# into a private directory. Prints that directory (the package's files under it: usr/bin/...).
# scripts/containerd-versions.sh gets containerd 1.7 and 2.x this way; .ci/run gets kubectl.
#
#   scripts/debian-unpack.sh SUITE PACKAGE              fetch (or reuse) and print the root dir
#   scripts/debian-unpack.sh --refresh SUITE PACKAGE    look up the suite's current version again
#
# apt verifies what it always does: the suite's InRelease signature against Debian's archive
# keyring (signed-by), the Packages index against InRelease, the .deb against the Packages index.
# The private apt state has no dpkg status, so the version taken is the suite's, never the one
# installed on the machine. The index stanza of the downloaded .deb is kept next to it, and a
# cached .deb is checked against its SHA-256 again before every unpack. Downloads and unpacked
# trees live in the cache, never in the source tree:
#   ${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}/<package>/<suite>/
#     <package>_<version>_<arch>.deb     the verified package
#     <package>_<version>_<arch>.stanza  its entry of the signed Packages index
#     root-<version>/                    dpkg -x of it
#     current                            the version last resolved for the suite
# A suite is looked up in the archive once, then its cached version is reused (no network) until
# --refresh. Set DEB_VERSION to ask for an exact Debian version of that suite. Only the package
# itself is unpacked, not its dependencies: pick packages that need nothing but libc.
#
# Environment: REAPER_DEPS_CACHE, DEBIAN_MIRROR, DEBIAN_KEYRING, DEB_VERSION.
set -euo pipefail

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
CACHE=${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}

SELF=$(readlink -f "${BASH_SOURCE[0]}")

say() { echo "debian-unpack: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"
}

apt_opts() {
	local dir=$1
	APT_OPTS=(
		-o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=-"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=$dir/status"
		-o "Dir::Cache=$dir/cache"
		-o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache="
		-o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=$dir/preferences.d"
		-o "Acquire::Languages=none"
	)
	# As root apt drops to _apt for downloads, which cannot write into a private directory.
	[ "$(id -u)" != 0 ] || APT_OPTS+=(-o "APT::Sandbox::User=root")
}

arch() { dpkg --print-architecture; }

# Debian file names drop the epoch.
deb_name() { echo "${PACKAGE}_${1#*:}_$(arch).deb"; }

# Refresh the suite's signed index in a private apt state under WORK; download the .deb of
# VERSION (empty: the suite's candidate) into the cache with its index stanza. Prints the version.
fetch_deb() {
	local suite=$1 want=$2 dest=$3 apt_dir=$WORK/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/preferences.d" \
		"$WORK/download"
	: >"$apt_dir/status"
	echo "deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $suite main" >"$apt_dir/sources.list"
	apt_opts "$apt_dir"
	say "fetching Debian's $suite index into a private apt state"
	apt-get -q "${APT_OPTS[@]}" update --error-on=any >&2 ||
		die "apt-get update failed with the private sources list $apt_dir/sources.list"
	local version
	if [ -n "$want" ]; then
		version=$want
	else
		version=$(apt-cache "${APT_OPTS[@]}" policy "$PACKAGE" | awk '$1 == "Candidate:" { print $2 }')
		if [ -z "$version" ] || [ "$version" = "(none)" ]; then
			die "no $PACKAGE in $suite"
		fi
	fi
	# The stanza of exactly this version, from the index apt has just verified.
	apt-cache "${APT_OPTS[@]}" show "$PACKAGE=$version" | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1' \
		>"$WORK/stanza" || die "$PACKAGE $version is not in $suite's index"
	say "downloading $PACKAGE $version ($suite)"
	(cd "$WORK/download" && apt-get -q "${APT_OPTS[@]}" download "$PACKAGE=$version" >&2) ||
		die "apt-get download $PACKAGE=$version failed"
	local deb
	deb=$(find "$WORK/download" -name "${PACKAGE}_*.deb" | head -n1)
	[ -n "$deb" ] || die "apt-get download left no .deb"
	local name
	name=$(deb_name "$version")
	mkdir -p "$dest"
	mv -f "$WORK/stanza" "$dest/${name%.deb}.stanza"
	mv -f "$deb" "$dest/$name"
	verify_deb "$dest/$name" "$dest/${name%.deb}.stanza"
	echo "$version"
}

# The .deb against the SHA-256 of its (signed) index stanza, and its control data against the
# stanza's package, version and architecture.
verify_deb() {
	local deb=$1 stanza=$2 want got
	[ -f "$stanza" ] || die "no index stanza for $deb"
	want=$(awk '$1 == "SHA256:" { print $2 }' "$stanza")
	[ -n "$want" ] || die "$stanza has no SHA256"
	got=$(sha256sum "$deb" | cut -d' ' -f1)
	[ "$want" = "$got" ] || die "$deb: SHA-256 $got, the signed index says $want; delete it and rerun"
	local field
	for field in Package Version Architecture; do
		[ "$(dpkg-deb -f "$deb" "$field")" = "$(awk -v f="$field:" '$1 == f { print $2 }' "$stanza")" ] ||
			die "$deb: $field differs from its index stanza"
	done
}

# Unpack DEB into DEST (replaced only once the new tree is complete).
unpack() {
	local deb=$1 dest=$2
	local tmp
	tmp=$(mktemp -d "$(dirname "$dest")/unpack.XXXXXX")
	dpkg -x "$deb" "$tmp" || {
		rm -rf "$tmp"
		die "dpkg -x $deb failed"
	}
	sha256sum "$deb" | cut -d' ' -f1 >"$tmp/.deb-sha256"
	rm -rf "$dest"
	mv "$tmp" "$dest"
}

main() {
	local refresh=0 args=()
	while [ $# -gt 0 ]; do
		case $1 in
		--refresh) refresh=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		-*) die "unknown option $1 (see --help)" ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	[ ${#args[@]} = 2 ] || die "usage: debian-unpack.sh [--refresh] SUITE PACKAGE (see --help)"
	local suite=${args[0]}
	PACKAGE=${args[1]}
	[[ $suite =~ ^[a-z0-9-]+$ && $PACKAGE =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || die "bad suite or package name"

	for tool in apt-get:apt dpkg:dpkg dpkg-deb:dpkg sha256sum:coreutils flock:util-linux; do
		command -v "${tool%%:*}" >/dev/null || die "'${tool%%:*}' not found (Debian package: ${tool#*:})"
	done
	[ -f "$DEBIAN_KEYRING" ] || die "no $DEBIAN_KEYRING (Debian package: debian-archive-keyring)"
	local dest=$CACHE/$PACKAGE/$suite
	mkdir -p "$dest"
	# One fetch at a time per cache (worktrees and parallel runs may share it).
	exec 9>"$dest/.lock"
	flock 9

	local deb_version=${DEB_VERSION:-}
	if [ -z "$deb_version" ] && [ $refresh = 0 ] && [ -f "$dest/current" ]; then
		deb_version=$(cat "$dest/current")
	fi
	if [ -z "$deb_version" ] || [ ! -f "$dest/$(deb_name "$deb_version")" ]; then
		WORK=$(mktemp -d "$dest/work.XXXXXX")
		trap 'rm -rf "$WORK"' EXIT
		deb_version=$(fetch_deb "$suite" "$deb_version" "$dest")
		rm -rf "$WORK"
		trap - EXIT
	fi
	local name
	name=$(deb_name "$deb_version")
	verify_deb "$dest/$name" "$dest/${name%.deb}.stanza"
	local root=$dest/root-${deb_version#*:}
	if [ ! -f "$root/.deb-sha256" ] ||
		[ "$(cat "$root/.deb-sha256")" != "$(sha256sum "$dest/$name" | cut -d' ' -f1)" ]; then
		say "unpacking $name"
		unpack "$dest/$name" "$root"
	fi
	echo "$deb_version" >"$dest/current"
	say "$PACKAGE $deb_version ($suite) in $root"
	echo "$root"
}

main "$@"
