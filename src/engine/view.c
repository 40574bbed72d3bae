/* SPDX-License-Identifier: Apache-2.0 */
#include "view.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "config.h"
#include "devices.h"
#include "mount_point.h"
#include "mounts.h"
#include "newmount.h"
#include "run_shadow.h"
#include "strv.h"

#define CAP_SYS_ADMIN_BIT 21

/* Reaper's floor for a non-privileged container, whatever its spec says: kubelet's defaults. */
static const char *const floor_masked[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const floor_readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					     "/proc/sysrq-trigger"};

/* The host's trees a non-privileged container sees read-only. */
static const char *const readonly_trees[] = {"/sys", "/run"};

/* Kernel filesystems a spec may mount writable: under root.readonly they stay writable. */
static const char *const kernel_types[] = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", "tmpfs"};

bool view_is_privileged(const struct spec *spec)
{
	const struct spec_capabilities *caps = &spec->process.capabilities;
	return !caps->present || (caps->bounding & (1ULL << CAP_SYS_ADMIN_BIT)) != 0;
}

static bool listed(char *const *list, const char *path)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, path) == 0)
			return true;
	}
	return false;
}

/* Masks share one empty read-only tmpfs; files read as /dev/null (the container's, as runc's). */
static int mask(void *masker, const char *path, struct error **err)
{
	return mounts_mask(masker, path, err);
}

static int make_readonly(void *unused, const char *path, struct error **err)
{
	return mounts_make_readonly(path, err);
}

/* fn on each of the spec's paths, then on each of the floor's (when floor) the spec does not name. */
static int each_path(char *const *paths, const char *const *floor, size_t n_floor,
		     int (*fn)(void *ctx, const char *path, struct error **err), void *ctx,
		     struct error **err)
{
	for (char *const *p = paths; p != NULL && *p != NULL; p++) {
		if (fn(ctx, *p, err) < 0)
			return -1;
	}
	for (size_t i = 0; floor != NULL && i < n_floor; i++) {
		if (!listed(paths, floor[i]) && fn(ctx, floor[i], err) < 0)
			return -1;
	}
	return 0;
}

static bool is_kernel_fs(const struct spec_mount *m)
{
	for (size_t i = 0; !m->bind && m->type != NULL && i < ARRAY_LEN(kernel_types); i++) {
		if (strcmp(m->type, kernel_types[i]) == 0)
			return true;
	}
	return false;
}

/* root.readonly: every mount read-only, then the kernel filesystems the spec mounts writable back
 * to writable; the volumes come later, with their own modes. */
static int make_root_readonly(const struct spec *spec, struct error **err)
{
	if (mounts_setattr(AT_FDCWD, "/", true, NM_MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
		return err_wrap(err, "root.readonly");
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (!is_kernel_fs(m) || (m->flags & MS_RDONLY))
			continue;
		/* Only where the view has such a mount: a tmpfs volume is attached later, writable. */
		struct error *ignored = NULL;
		if (mounts_setattr(AT_FDCWD, m->destination, true, 0, NM_MOUNT_ATTR_RDONLY, 0, &ignored) < 0)
			err_free(&ignored);
	}
	return 0;
}

/* /sys and /run read-only, the node's control sockets (REAPER_HIDDEN_SOCKETS) hidden. */
static int protect_host_trees(char *const *hidden, struct mounts_masker *masker, struct error **err)
{
	for (size_t i = 0; i < ARRAY_LEN(readonly_trees); i++) {
		if (mounts_setattr(AT_FDCWD, readonly_trees[i], true, NM_MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
			return -1;
	}
	for (char *const *p = hidden; *p != NULL; p++) {
		if (mounts_mask(masker, *p, err) < 0)
			return -1;
	}
	return 0;
}

/* Step 1: a private copy of the namespace, whose mount events never reach the overlay's. */
static int private_copy(const struct spec *spec, struct error **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return err_sys(err, errno, "unshare the container's mount namespace");
	unsigned long propagation =
		spec->view.root_propagation ? spec->view.root_propagation : MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, propagation | MS_REC, NULL) < 0)
		return err_sys(err, errno, "set the propagation of the container's root");
	return 0;
}

/* Whether a volume needs a mount point under /run that the view lacks: then the container gets a
 * /run of its own (run_shadow.h), the host's /run is never written. */
static bool needs_run_shadow(const struct volumes *volumes)
{
	for (size_t i = 0; volumes != NULL && i < volumes->n; i++) {
		const char *dest = volumes->items[i].mount->destination;
		bool under_run = strncmp(dest, "/run/", 5) == 0 || strncmp(dest, "/var/run/", 9) == 0;
		bool is_dir;
		int fd = under_run ? mount_point_open(dest, &is_dir, NULL) : -1;
		if (fd >= 0)
			close(fd);
		else if (under_run)
			return true;
	}
	return false;
}

static bool needs_private_copy(const struct spec *spec, const struct volumes *volumes, bool privileged)
{
	const struct spec_view *v = &spec->view;
	return !privileged || (volumes != NULL && volumes->n > 0) || v->readonly_root ||
	       v->root_propagation || strv_len(v->masked_paths) > 0 || strv_len(v->readonly_paths) > 0;
}

/* Steps 2 to 8, in the container's private copy. */
static int build_view(const struct spec *spec, const struct volumes *volumes, bool privileged,
		      char *const *hidden, struct mounts_masker *masker, struct error **err)
{
	if (!privileged && devices_mount(spec, err) < 0)
		return -1;
	if (needs_run_shadow(volumes) &&
	    run_shadow_mount(privileged ? NULL : (const char *const *)hidden, err) < 0)
		return -1;
	if (volumes_make_mount_points(volumes, err) < 0)
		return -1;
	if (spec->view.readonly_root && make_root_readonly(spec, err) < 0)
		return -1;
	if (!privileged && protect_host_trees(hidden, masker, err) < 0)
		return -1;
	if (volumes_attach(volumes, err) < 0)
		return -1;
	if (each_path(spec->view.masked_paths, privileged ? NULL : floor_masked, ARRAY_LEN(floor_masked),
		      mask, masker, err) < 0 ||
	    each_path(spec->view.readonly_paths, privileged ? NULL : floor_readonly,
		      ARRAY_LEN(floor_readonly), make_readonly, NULL, err) < 0)
		return -1;
	return privileged ? 0 : devices_seal(err);
}

int view_build(const struct spec *spec, const struct volumes *volumes, struct error **err)
{
	bool privileged = view_is_privileged(spec);
	if (!needs_private_copy(spec, volumes, privileged))
		return 0;
	cleanup_strv char **hidden = config_list("REAPER_HIDDEN_SOCKETS");
	if (hidden == NULL)
		return err_sys(err, ENOMEM, "hidden sockets");
	struct mounts_masker masker = MOUNTS_MASKER_INIT("/dev/null");
	int rc = private_copy(spec, err) < 0 ? -1
					     : build_view(spec, volumes, privileged, hidden, &masker, err);
	mounts_masker_clear(&masker);
	return rc;
}
