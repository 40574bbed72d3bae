/* SPDX-License-Identifier: Apache-2.0 */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "mounts.h"
#include "newmount.h"

/* What runc gives every container, whatever its spec lists. */
static const struct spec_device default_devices[] = {
	{.path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .mode = 0666},
	{.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .mode = 0666},
	{.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .mode = 0666},
	{.path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .mode = 0666},
	{.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .mode = 0666},
	{.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .mode = 0666},
	/* Allocates from the devpts beside it (/dev/pts: the host's, where the shim's ptys live). */
	{.path = "/dev/ptmx", .type = 'c', .major = 5, .minor = 2, .mode = 0666},
};

static const char *const links[][2] = {
	{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},
};

/* The host's filesystems under /dev that stay shared: taken before the new /dev hides them. */
static const char *const kept[] = {"pts", "mqueue"};

/* The spec's own /dev tmpfs, whose options (mode, size, nosuid...) the new /dev takes. */
static const struct spec_mount *dev_mount(const struct spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (strcmp(m->destination, "/dev") == 0 && !m->bind)
			return m;
	}
	return NULL;
}

static int make_parents(int dev, const char *rel, struct error **err)
{
	cleanup_free char *dir = strdup(rel);
	if (dir == NULL)
		return err_sys(err, ENOMEM, "/dev");
	for (char *slash = strchr(dir, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdirat(dev, dir, 0755) < 0 && errno != EEXIST)
			return err_sys(err, errno, "mkdir /dev/%s", dir);
		*slash = '/';
	}
	return 0;
}

static int make_device(int dev, const struct spec_device *d, struct error **err)
{
	if (strncmp(d->path, "/dev/", 5) != 0 || strstr(d->path, "/../") != NULL || d->path[5] == '\0')
		return err_new(err, ERR_INVALID, "device %s: Reaper makes devices under /dev only", d->path);
	const char *rel = d->path + 5;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	if (make_parents(dev, rel, err) < 0)
		return -1;
	unlinkat(dev, rel, 0); /* a spec device replaces a default one of the same path */
	if (mknodat(dev, rel, type | 0600, makedev(d->major, d->minor)) < 0)
		return err_sys(err, errno, "make device %s", d->path);
	/* Exact mode and owner: the umask is not the spec's business. */
	if (fchmodat(dev, rel, d->mode, 0) < 0 || fchownat(dev, rel, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(err, errno, "set the owner and mode of %s", d->path);
	return 0;
}

static int populate(int dev, const struct spec *spec, struct error **err)
{
	for (size_t i = 0; i < ARRAY_LEN(default_devices); i++) {
		if (make_device(dev, &default_devices[i], err) < 0)
			return -1;
	}
	for (size_t i = 0; i < spec->view.n_devices; i++) {
		if (make_device(dev, &spec->view.devices[i], err) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_LEN(links); i++) {
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
			return err_sys(err, errno, "link /dev/%s", links[i][0]);
	}
	static const char *const dirs[] = {"pts", "mqueue", "shm"};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		if (mkdirat(dev, dirs[i], 0755) < 0 && errno != EEXIST)
			return err_sys(err, errno, "mkdir /dev/%s", dirs[i]);
	}
	return fchmodat(dev, "shm", 01777, 0) < 0 ? err_sys(err, errno, "chmod /dev/shm") : 0;
}

/* MOUNT_ATTR_* of the spec's flags. */
static uint64_t attributes(unsigned long flags)
{
	return (flags & MS_NOSUID ? NM_MOUNT_ATTR_NOSUID : 0) |
	       (flags & MS_NOEXEC ? NM_MOUNT_ATTR_NOEXEC : 0) |
	       (flags & MS_STRICTATIME ? NM_MOUNT_ATTR_STRICTATIME : 0);
}

int devices_mount(const struct spec *spec, struct error **err)
{
	int saved[ARRAY_LEN(kept)];
	for (size_t i = 0; i < ARRAY_LEN(kept); i++) {
		char path[32];
		snprintf(path, sizeof(path), "/dev/%s", kept[i]);
		saved[i] = nm_open_tree(AT_FDCWD, path, NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC);
	}
	const struct spec_mount *m = dev_mount(spec);
	int rc = -1;
	int dev = mounts_new("tmpfs", MOUNTS_SOURCE_PREFIX "-dev",
			     m && m->data ? m->data : "mode=0755,size=65536k",
			     m ? attributes(m->flags) : NM_MOUNT_ATTR_NOSUID, err);
	if (dev >= 0 && populate(dev, spec, err) == 0 && mounts_attach(dev, -1, "/dev", err) == 0) {
		rc = 0;
		for (size_t i = 0; i < ARRAY_LEN(kept) && rc == 0; i++) {
			char path[32];
			snprintf(path, sizeof(path), "/dev/%s", kept[i]);
			if (saved[i] >= 0)
				rc = mounts_attach(saved[i], -1, path, err);
		}
	}
	if (dev >= 0)
		close(dev);
	for (size_t i = 0; i < ARRAY_LEN(kept); i++) {
		if (saved[i] >= 0)
			close(saved[i]);
	}
	return rc < 0 ? err_wrap(err, "the container's /dev") : 0;
}

int devices_seal(struct error **err)
{
	return mounts_setattr(AT_FDCWD, "/dev", false, NM_MOUNT_ATTR_RDONLY, 0, 0, err);
}
