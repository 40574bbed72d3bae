# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A local OCI image built from busybox-static (no registry here), imported into the private
# containerd. Reaper ignores the image rootfs; runc needs a real one, and CRI needs a pause image.
#
#   image_build                  build $E2E_IMAGE_TAR once per run (OCI layout, tarred)
#   image_import [NS...]         import it into each namespace (default: default k8s.io), under
#                                both $E2E_IMAGE and $E2E_PAUSE_IMAGE
#
# The image's default command is `sleep inf` so it also serves as the CRI sandbox (pause) image
# under runc: the sandbox must block until it is killed. App containers name their own command.

# ctrd and $E2E_PAUSE_IMAGE (the sandbox image of the containerd under test) come from there.
source "$(dirname "${BASH_SOURCE[0]}")/containerd.sh"

E2E_IMAGE=${E2E_IMAGE:-localhost/reaper-e2e/busybox:latest}
IMAGE_APPLETS=(sh echo cat sleep true false ls env id pwd head tail printf kill ps grep wc touch mkdir rm date hostname test)

image_sha256() {
	sha256sum "$1" | cut -d' ' -f1
}

# Store FILE as a blob; print its digest hex.
image_add_blob() {
	local file=$1 dir=$2 hex
	hex=$(image_sha256 "$file")
	mv "$file" "$dir/blobs/sha256/$hex"
	printf '%s\n' "$hex"
}

image_build() {
	e2e_init
	E2E_IMAGE_TAR="$E2E_DIR/image/busybox-oci.tar"
	[[ -f "$E2E_IMAGE_TAR" ]] && return 0
	local busybox
	busybox=$(command -v busybox) || e2e_skip "needs busybox-static"
	if command -v file >/dev/null && file -L "$busybox" | grep -q 'dynamically linked'; then
		e2e_skip "$busybox is not static (install busybox-static)"
	fi
	local arch
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) arch=$(uname -m) ;;
	esac

	local work="$E2E_DIR/image" rootfs layout
	rootfs="$work/rootfs"
	layout="$work/layout"
	mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" \
		"$rootfs/root" "$layout/blobs/sha256"
	chmod 1777 "$rootfs/tmp"
	cp "$busybox" "$rootfs/bin/busybox"
	local a
	for a in "${IMAGE_APPLETS[@]}"; do
		ln -s busybox "$rootfs/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
	local layer_size layer_hex
	layer_size=$(stat -c %s "$work/layer.tar")
	layer_hex=$(image_add_blob "$work/layer.tar" "$layout")

	cat >"$work/config.json" <<JSON
{"architecture":"$arch","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sleep","inf"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_hex"]},"history":[{"created_by":"reaper e2e image.sh"}]}
JSON
	local config_size config_hex
	config_size=$(stat -c %s "$work/config.json")
	config_hex=$(image_add_blob "$work/config.json" "$layout")

	cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_hex","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_hex","size":$layer_size}]}
JSON
	local manifest_size manifest_hex
	manifest_size=$(stat -c %s "$work/manifest.json")
	manifest_hex=$(image_add_blob "$work/manifest.json" "$layout")

	# One manifest, two names. containerd takes io.containerd.image.name as the full name;
	# org.opencontainers.image.ref.name is the OCI layout's own name for the entry.
	local entries="" name
	for name in "$E2E_IMAGE" "$E2E_PAUSE_IMAGE"; do
		[[ -n "$entries" ]] && entries+=","
		entries+="{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_hex\",\"size\":$manifest_size,\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"$name\",\"org.opencontainers.image.ref.name\":\"$name\"}}"
	done
	printf '{"schemaVersion":2,"manifests":[%s]}\n' "$entries" >"$layout/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}\n' >"$layout/oci-layout"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$E2E_IMAGE_TAR" .
	rm -rf "$rootfs"
}

image_listed() {
	ctrd -n "$1" images ls -q | grep -xF "$2" >/dev/null
}

image_import() {
	image_build
	local namespaces=("$@") ns out
	((${#namespaces[@]})) || namespaces=(default k8s.io)
	for ns in "${namespaces[@]}"; do
		out=$(ctrd -n "$ns" images import "$E2E_IMAGE_TAR" 2>&1) ||
			e2e_fail "importing the image into namespace $ns: $out"
		local name
		for name in "$E2E_IMAGE" "$E2E_PAUSE_IMAGE"; do
			# containerd 2.x may list an image it has just imported a moment later.
			e2e_wait_until 10 image_listed "$ns" "$name" ||
				e2e_fail "image $name missing in namespace $ns after import: $out"
		done
	done
}
