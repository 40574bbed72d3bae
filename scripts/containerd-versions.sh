#!/bin/bash
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
# apt verifies what it always does: the suite's InRelease signature against Debian's archive
# keyring (signed-by), the Packages index against InRelease, the .deb against the Packages index.
# The index stanza of the downloaded .deb is kept next to it, and a cached .deb is checked against
# its SHA-256 again before every unpack. Downloads and unpacked trees live in the cache, never in
# the source tree:
#   ${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}/containerd/<suite>/
#     containerd_<version>_<arch>.deb   the verified package
#     containerd_<version>_<arch>.stanza its entry of the signed Packages index
#     root-<version>/                   dpkg -x of it (usr/bin/containerd, ctr, ...)
#     current                           the version last resolved for the suite
# A suite is looked up in the archive once, then its cached version is reused (no network) until
# --refresh. Set CONTAINERD_DEB_VERSION to ask for an exact Debian version of that suite.
#
# Environment: REAPER_DEPS_CACHE, DEBIAN_MIRROR, DEBIAN_KEYRING, CONTAINERD_DEB_VERSION.
set -euo pipefail

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
CACHE=${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}

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

apt_opts() {
	local dir=$1
	APT_OPTS=(
		-o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=-"
		-o "Dir::State::Lists=$dir/lists"
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

# Refresh the suite's signed index in a private apt state under WORK; download the .deb of
# VERSION (empty: the suite's candidate) into the cache with its index stanza. Prints the version.
fetch_deb() {
	local suite=$1 want=$2 dest=$3 apt_dir=$WORK/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/preferences.d" \
		"$WORK/download"
	echo "deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $suite main" >"$apt_dir/sources.list"
	apt_opts "$apt_dir"
	say "fetching Debian's $suite index into a private apt state"
	apt-get -q "${APT_OPTS[@]}" update --error-on=any >&2 ||
		die "apt-get update failed with the private sources list $apt_dir/sources.list"
	local version
	if [ -n "$want" ]; then
		version=$want
	else
		version=$(apt-cache "${APT_OPTS[@]}" policy containerd | awk '$1 == "Candidate:" { print $2 }')
		if [ -z "$version" ] || [ "$version" = "(none)" ]; then
			die "no containerd in $suite"
		fi
	fi
	# The stanza of exactly this version, from the index apt has just verified.
	apt-cache "${APT_OPTS[@]}" show "containerd=$version" | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1' \
		>"$WORK/stanza" || die "containerd $version is not in $suite's index"
	say "downloading containerd $version ($suite)"
	(cd "$WORK/download" && apt-get -q "${APT_OPTS[@]}" download "containerd=$version" >&2) ||
		die "apt-get download containerd=$version failed"
	local deb
	deb=$(find "$WORK/download" -name 'containerd_*.deb' | head -n1)
	[ -n "$deb" ] || die "apt-get download left no .deb"
	local name
	name=$(deb_name "$version")
	mkdir -p "$dest"
	mv -f "$WORK/stanza" "$dest/${name%.deb}.stanza"
	mv -f "$deb" "$dest/$name"
	verify_deb "$dest/$name" "$dest/${name%.deb}.stanza"
	echo "$version"
}

arch() { dpkg --print-architecture; }

# Debian file names drop the epoch; apt's download escapes ':' as %3a.
deb_name() { echo "containerd_${1#*:}_$(arch).deb"; }

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
	local refresh=0 version=""
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

	for tool in apt-get:apt dpkg:dpkg dpkg-deb:dpkg sha256sum:coreutils flock:util-linux; do
		command -v "${tool%%:*}" >/dev/null || die "'${tool%%:*}' not found (Debian package: ${tool#*:})"
	done
	[ -f "$DEBIAN_KEYRING" ] || die "no $DEBIAN_KEYRING (Debian package: debian-archive-keyring)"
	local dest=$CACHE/containerd/$suite
	mkdir -p "$dest"
	# One fetch at a time per cache (worktrees and parallel runs may share it).
	exec 9>"$dest/.lock"
	flock 9

	local deb_version=${CONTAINERD_DEB_VERSION:-}
	if [ -z "$deb_version" ] && [ $refresh = 0 ] && [ -f "$dest/current" ]; then
		deb_version=$(cat "$dest/current")
	fi
	local name
	if [ -z "$deb_version" ] || [ ! -f "$dest/$(deb_name "$deb_version")" ]; then
		WORK=$(mktemp -d "$dest/work.XXXXXX")
		trap 'rm -rf "$WORK"' EXIT
		deb_version=$(fetch_deb "$suite" "$deb_version" "$dest")
		rm -rf "$WORK"
		trap - EXIT
	fi
	name=$(deb_name "$deb_version")
	verify_deb "$dest/$name" "$dest/${name%.deb}.stanza"
	local root=$dest/root-${deb_version#*:}
	if [ ! -f "$root/.deb-sha256" ] ||
		[ "$(cat "$root/.deb-sha256")" != "$(sha256sum "$dest/$name" | cut -d' ' -f1)" ] ||
		[ ! -x "$root/usr/bin/containerd" ]; then
		say "unpacking $name"
		unpack "$dest/$name" "$root"
	fi
	echo "$deb_version" >"$dest/current"
	check_minor "$root/usr/bin" "$version"
	say "containerd $(containerd_version_of "$root/usr/bin") (Debian $deb_version, $suite) in $root/usr/bin"
	echo "$root/usr/bin"
}

main "$@"
