#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build reaper's library dependencies, jansson, protobuf-c (runtime library only) and libseccomp,
# with musl-gcc into a prefix, for the fully static musl flavour of reaper (CMake preset `musl`).
#
#   third_party/build-deps.sh [PREFIX]        build (or reuse) the prefix; print its path on stdout
#   third_party/build-deps.sh --print-prefix  print the default prefix and exit
#
# Sources are Debian's source packages, fetched with apt through a private sources list and a
# private state directory (the machine's apt configuration is left alone). apt checks them
# against the signed Sources index; this script checks them again against the .dsc checksums.
# Downloads and prefixes live in the cache, never in the source tree:
#   ${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}/
#     sources/                    the verified .dsc and tarballs
#     <arch>-musl-<v>-gcc-<v>/    the default prefix: include/ lib/ linux-uapi/ .stamp
# A prefix whose .stamp matches this script, the versions and the compiler is reused as is.
#
# Environment: MUSL_CC (default musl-gcc), JOBS (default 2), REAPER_DEPS_CACHE,
# DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR, DEBIAN_SUITE, DEBIAN_KEYRING,
# JANSSON_DEB_VERSION, PROTOBUF_C_DEB_VERSION, LIBSECCOMP_DEB_VERSION (Debian source versions,
# pinned below).
set -euo pipefail

MUSL_CC=${MUSL_CC:-musl-gcc}
JOBS=${JOBS:-2}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
DEBIAN_SUITE=${DEBIAN_SUITE:-bookworm}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
JANSSON_DEB_VERSION=${JANSSON_DEB_VERSION:-2.14-2}
PROTOBUF_C_DEB_VERSION=${PROTOBUF_C_DEB_VERSION:-1.4.1-1}
LIBSECCOMP_DEB_VERSION=${LIBSECCOMP_DEB_VERSION:-2.5.4-1+deb12u1}
CACHE=${REAPER_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reaper-deps}

SELF=$(readlink -f "${BASH_SOURCE[0]}")

say() { echo "build-deps: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"
}

need_tool() {
	command -v "$1" >/dev/null || die "'$1' not found (Debian package: $2)"
}

# The directory holding musl's crt files, taken from what the compiler driver would link.
musl_libdir() {
	local crti
	crti=$("$MUSL_CC" -### -static -x c /dev/null -o /dev/null 2>&1 |
		grep -o '[^ "]*/crti\.o' | head -n1) || true
	[ -n "$crti" ] || die "cannot tell where $MUSL_CC finds musl's crti.o"
	dirname "$crti"
}

# musl's dynamic loader (libc.so) prints its version when run by itself.
musl_version() {
	local libdir version
	libdir=$(musl_libdir)
	version=$("$libdir/libc.so" 2>&1 | sed -n 's/^Version //p' | head -n1) || true
	if [ -z "$version" ]; then
		# A musl without libc.so: name the exact libc.a instead.
		version=unknown-$(sha256sum "$libdir/libc.a" | cut -c1-12)
	fi
	echo "$version"
}

# One directory per compiler: objects built by one musl/gcc pair are not mixed with another's.
toolchain_key() {
	local arch gcc_version
	arch=$("$MUSL_CC" -dumpmachine)
	gcc_version=$("$MUSL_CC" -dumpfullversion 2>/dev/null || "$MUSL_CC" -dumpversion)
	echo "${arch%%-*}-musl-$(musl_version)-gcc-$gcc_version"
}

expected_stamp() {
	printf 'recipe %s\ncompiler %s %s\njansson %s\nprotobuf-c %s\nlibseccomp %s\n' \
		"$(sha256sum "$SELF" | cut -d' ' -f1)" "$(command -v "$MUSL_CC")" "$KEY" \
		"$JANSSON_DEB_VERSION" "$PROTOBUF_C_DEB_VERSION" "$LIBSECCOMP_DEB_VERSION"
}

prefix_is_current() {
	local prefix=$1
	[ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$(expected_stamp)" ] &&
		[ -f "$prefix/lib/libjansson.a" ] && [ -f "$prefix/lib/libprotobuf-c.a" ] &&
		[ -f "$prefix/lib/libseccomp.a" ] &&
		[ -f "$prefix/linux-uapi/linux/capability.h" ] && [ -f "$prefix/linux-uapi/asm/unistd.h" ]
}

# Source package file names: the .dsc and the files it lists.
dsc_name() { echo "${1}_${2#*:}.dsc"; }
dsc_files() { awk '/^Checksums-Sha256:/{on=1;next} /^[^ ]/{on=0} on&&NF==3{print $3}' "$1"; }

# Check every file the .dsc lists against its SHA-256; loud on any mismatch or absence.
verify_dsc() {
	local dsc=$1 dir
	dir=$(dirname "$dsc")
	local sums
	sums=$(awk '/^Checksums-Sha256:/{on=1;next} /^[^ ]/{on=0} on&&NF==3{print $1 "  " $3}' "$dsc")
	[ -n "$sums" ] || die "$dsc lists no SHA-256 checksums"
	if ! (cd "$dir" && echo "$sums" | sha256sum --quiet --strict -c - >&2); then
		die "checksum mismatch for the files of $(basename "$dsc") in $dir (see above); delete them and rerun"
	fi
}

sources_cached() {
	local dsc
	for dsc in "$SOURCES/$(dsc_name jansson "$JANSSON_DEB_VERSION")" \
		"$SOURCES/$(dsc_name protobuf-c "$PROTOBUF_C_DEB_VERSION")" \
		"$SOURCES/$(dsc_name libseccomp "$LIBSECCOMP_DEB_VERSION")"; do
		[ -f "$dsc" ] || return 1
		local f
		for f in $(dsc_files "$dsc"); do
			[ -f "$SOURCES/$f" ] || return 1
		done
	done
}

# apt with a private sources list, lists, cache and no preferences: nothing of the machine's
# apt state is read for sources or written.
fetch_sources() {
	local apt_dir=$WORK/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$WORK/download"
	local signed="[signed-by=$DEBIAN_KEYRING]"
	cat >"$apt_dir/sources.list" <<-EOF
		deb-src $signed $DEBIAN_MIRROR $DEBIAN_SUITE main
		deb-src $signed $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
		deb-src $signed $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main
	EOF
	local opts=(
		-o "Dir::Etc::SourceList=$apt_dir/sources.list"
		-o "Dir::Etc::SourceParts=-"
		-o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache=$apt_dir/cache"
		-o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache="
		-o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=-"
	)
	# As root apt drops to _apt for downloads, which cannot write into a private directory.
	[ "$(id -u)" != 0 ] || opts+=(-o "APT::Sandbox::User=root")
	say "fetching Debian's Sources index ($DEBIAN_SUITE) into a private apt state"
	apt-get -q "${opts[@]}" update --error-on=any >&2 ||
		die "apt-get update failed with the private sources list $apt_dir/sources.list"
	say "downloading jansson $JANSSON_DEB_VERSION, protobuf-c $PROTOBUF_C_DEB_VERSION and" \
		"libseccomp $LIBSECCOMP_DEB_VERSION"
	(cd "$WORK/download" && apt-get -q "${opts[@]}" source --download-only \
		"jansson=$JANSSON_DEB_VERSION" "protobuf-c=$PROTOBUF_C_DEB_VERSION" \
		"libseccomp=$LIBSECCOMP_DEB_VERSION" >&2) ||
		die "apt-get source failed"
	local dsc f
	for dsc in "$WORK/download"/*.dsc; do
		verify_dsc "$dsc"
	done
	mkdir -p "$SOURCES"
	for dsc in "$WORK/download"/*.dsc; do
		for f in $(dsc_files "$dsc"); do
			mv -f "$WORK/download/$f" "$SOURCES/$f"
		done
		mv -f "$dsc" "$SOURCES/"
	done
}

# Unpack with Debian's patches applied; dpkg-source checks the .dsc checksums once more.
unpack() {
	local dsc=$1 dest=$2
	dpkg-source --no-copy -x "$dsc" "$dest" >"$WORK/unpack.log" 2>&1 || {
		cat "$WORK/unpack.log" >&2
		die "dpkg-source -x $(basename "$dsc") failed"
	}
}

run_logged() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 || {
		tail -n 40 "$log" >&2
		die "failed: $* (full log: $log)"
	}
}

# Sections per function let reaper's link drop what it does not use; the prefix map keeps the
# temporary build directory out of the debug information.
deps_cflags() { echo "-O2 -g -ffunction-sections -fdata-sections -ffile-prefix-map=$WORK/="; }

build_jansson() {
	local src=$1 prefix=$2 log=$WORK/jansson.log
	say "building jansson with $MUSL_CC"
	# CMAKE_POLICY_VERSION_MINIMUM lets CMake >= 4 configure jansson's old minimum version.
	run_logged "$log" cmake -S "$src" -B "$WORK/jansson-build" \
		-DCMAKE_C_COMPILER="$MUSL_CC" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="$(deps_cflags)" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
		-DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
		-DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_EXAMPLES=OFF -DJANSSON_BUILD_DOCS=OFF \
		-DJANSSON_WITHOUT_TESTS=ON -DJANSSON_COVERAGE=OFF
	run_logged "$log" cmake --build "$WORK/jansson-build" --parallel "$JOBS"
	# Installed under DESTDIR: jansson's .pc and CMake files name the final prefix.
	DESTDIR=$WORK/destdir run_logged "$log" cmake --install "$WORK/jansson-build"
}

# Only the runtime library (one .c file); the protoc-c compiler stays the distribution's.
build_protobuf_c() {
	local src=$1 stage=$2 log=$WORK/protobuf-c.log
	say "building libprotobuf-c with $MUSL_CC"
	mkdir -p "$stage/include/protobuf-c" "$stage/lib"
	# shellcheck disable=SC2046 # a list of flags
	run_logged "$log" "$MUSL_CC" $(deps_cflags) -Wall -c "$src/protobuf-c/protobuf-c.c" \
		-o "$WORK/protobuf-c.o"
	rm -f "$stage/lib/libprotobuf-c.a"
	run_logged "$log" ar rcs "$stage/lib/libprotobuf-c.a" "$WORK/protobuf-c.o"
	cp "$src/protobuf-c/protobuf-c.h" "$stage/include/protobuf-c/"
}

# The library only (no tools, tests or Python binding). Debian's patches change the syscall
# table, so gperf regenerates its lookup code. The kernel headers come from link_kernel_headers.
build_libseccomp() {
	local src=$1 prefix=$2 stage=$3 log=$WORK/libseccomp.log
	say "building libseccomp with $MUSL_CC"
	(cd "$src" && run_logged "$log" ./configure CC="$MUSL_CC" \
		CFLAGS="$(deps_cflags) -isystem $stage/linux-uapi" --prefix="$prefix" --libdir="$prefix/lib" \
		--enable-static --disable-shared --disable-python)
	run_logged "$log" make -C "$src/src" -j"$JOBS"
	DESTDIR=$WORK/destdir run_logged "$log" make -C "$src/src" install
	DESTDIR=$WORK/destdir run_logged "$log" make -C "$src/include" install
	rm -f "$stage/lib/libseccomp.la"
}

# musl-gcc searches only musl's headers (-nostdinc). The kernel's UAPI headers (linux/, asm/,
# asm-generic/ ...) do not depend on the C library: point at the installed ones (linux-libc-dev)
# so that the toolchain file can add this directory with -isystem.
link_kernel_headers() {
	local dest=$1/linux-uapi multiarch dir
	multiarch=$("$MUSL_CC" -print-multiarch 2>/dev/null || true)
	[ -d /usr/include/linux ] || die "/usr/include/linux is missing (Debian package: linux-libc-dev)"
	local asm=/usr/include/asm
	if [ -n "$multiarch" ] && [ -d "/usr/include/$multiarch/asm" ]; then
		asm=/usr/include/$multiarch/asm
	fi
	[ -d "$asm" ] || die "no kernel asm/ headers in /usr/include (Debian package: linux-libc-dev)"
	mkdir -p "$dest"
	ln -sfn "$asm" "$dest/asm"
	local search
	search=$(compiler_include_dirs)
	for dir in linux asm-generic misc mtd rdma sound video xen; do
		[ -d "/usr/include/$dir" ] || continue
		# Never shadow a header directory that musl or the compiler itself provides.
		if ! echo "$search" | while read -r inc; do [ ! -e "$inc/$dir" ] || exit 1; done; then
			continue
		fi
		ln -sfn "/usr/include/$dir" "$dest/$dir"
	done
}

# The compiler's own header search list (musl's include dir and gcc's, for musl-gcc).
compiler_include_dirs() {
	"$MUSL_CC" -E -v -x c /dev/null -o /dev/null 2>&1 |
		sed -n '/^#include <...> search starts here:/,/^End of search list/{/^ /s/^ *//p}'
}

# Compile, link statically and run a program using both libraries and kernel headers,
# exactly the way the musl preset will.
smoke_test() {
	local prefix=$1
	cat >"$WORK/smoke.c" <<-'EOF'
		#include <jansson.h>
		#include <linux/capability.h>
		#include <protobuf-c/protobuf-c.h>
		#include <seccomp.h>
		#include <stdio.h>
		#include <stdlib.h>
		#include <string.h>
		#include <sys/epoll.h>
		#include <sys/syscall.h>
		int main(void)
		{
			json_t *v = json_pack("{s:i}", "cap", CAP_SYS_ADMIN);
			char *s = json_dumps(v, JSON_COMPACT);
			int ok = s && strcmp(s, "{\"cap\":21}") == 0 && protobuf_c_version_number() > 0 &&
				 epoll_create1(EPOLL_CLOEXEC) >= 0 &&
				 seccomp_syscall_resolve_name("write") == SYS_write;
			printf("%s protobuf-c %s libseccomp %u.%u.%u\n", s ? s : "(null)", protobuf_c_version(),
			       seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
			free(s);
			json_decref(v);
			return ok ? 0 : 1;
		}
	EOF
	run_logged "$WORK/smoke.log" "$MUSL_CC" -static -Wall -Werror -I"$prefix/include" \
		-isystem "$prefix/linux-uapi" "$WORK/smoke.c" -o "$WORK/smoke" \
		"$prefix/lib/libjansson.a" "$prefix/lib/libprotobuf-c.a" "$prefix/lib/libseccomp.a"
	file "$WORK/smoke" | grep -q 'statically linked' ||
		die "the test program is not statically linked: $(file -b "$WORK/smoke")"
	run_logged "$WORK/smoke.log" "$WORK/smoke"
}

main() {
	local print_only=0 prefix=""
	while [ $# -gt 0 ]; do
		case $1 in
		--print-prefix) print_only=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		-*) die "unknown option $1 (see --help)" ;;
		*)
			[ -z "$prefix" ] || die "only one PREFIX, please"
			prefix=$1
			;;
		esac
		shift
	done
	need_tool "$MUSL_CC" musl-tools
	KEY=$(toolchain_key)
	[ -n "$prefix" ] || prefix=$CACHE/$KEY
	case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac
	if [ $print_only = 1 ]; then
		echo "$prefix"
		exit 0
	fi
	for tool in apt-get:apt dpkg-source:dpkg-dev sha256sum:coreutils cmake:cmake make:make \
		ar:binutils flock:util-linux file:file xz:xz-utils gperf:gperf; do
		need_tool "${tool%%:*}" "${tool#*:}"
	done
	SOURCES=$CACHE/sources
	mkdir -p "$CACHE"
	# One build at a time per cache (worktrees may share it).
	exec 9>"$CACHE/.lock"
	flock 9

	if prefix_is_current "$prefix"; then
		say "cached: $prefix"
		echo "$prefix"
		exit 0
	fi
	if [ -d "$prefix" ] && [ ! -f "$prefix/.stamp" ] && [ -n "$(ls -A "$prefix")" ]; then
		die "$prefix exists and was not made by this script; refusing to replace it"
	fi

	WORK=$(mktemp -d "$CACHE/work.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	if sources_cached; then
		say "using the downloaded sources in $SOURCES"
	else
		fetch_sources
	fi
	local jdsc pdsc sdsc
	jdsc=$SOURCES/$(dsc_name jansson "$JANSSON_DEB_VERSION")
	pdsc=$SOURCES/$(dsc_name protobuf-c "$PROTOBUF_C_DEB_VERSION")
	sdsc=$SOURCES/$(dsc_name libseccomp "$LIBSECCOMP_DEB_VERSION")
	verify_dsc "$jdsc"
	verify_dsc "$pdsc"
	verify_dsc "$sdsc"
	unpack "$jdsc" "$WORK/jansson"
	unpack "$pdsc" "$WORK/protobuf-c"
	unpack "$sdsc" "$WORK/libseccomp"

	local stage=$WORK/destdir$prefix
	build_jansson "$WORK/jansson" "$prefix"
	build_protobuf_c "$WORK/protobuf-c" "$stage"
	link_kernel_headers "$stage"
	build_libseccomp "$WORK/libseccomp" "$prefix" "$stage"
	smoke_test "$stage"
	expected_stamp >"$stage/.stamp"

	# Replace the old prefix only once the new one works.
	mkdir -p "$(dirname "$prefix")"
	rm -rf "$prefix"
	mv "$stage" "$prefix"
	say "built: $prefix"
	echo "$prefix"
}

main "$@"
