/* SPDX-License-Identifier: Apache-2.0 */
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "newmount.h"

static const char *const host_types[] = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"};

/* Mounts the host already provides in the shared namespace. */
static bool provided_by_host(const struct spec_mount *m)
{
	if (m->bind)
		return false;
	for (size_t i = 0; m->type && i < ARRAY_LEN(host_types); i++) {
		if (strcmp(m->type, host_types[i]) == 0)
			return true;
	}
	return strcmp(m->destination, "/dev") == 0;
}

static uint64_t attributes(unsigned long flags)
{
	return (flags & MS_RDONLY ? NM_MOUNT_ATTR_RDONLY : 0) |
	       (flags & MS_NOSUID ? NM_MOUNT_ATTR_NOSUID : 0) | (flags & MS_NODEV ? NM_MOUNT_ATTR_NODEV : 0) |
	       (flags & MS_NOEXEC ? NM_MOUNT_ATTR_NOEXEC : 0);
}

static int clone_source(const struct spec_mount *m, const char *bundle, struct volume *v, struct error **err)
{
	cleanup_free char *source = NULL;
	if (m->source == NULL)
		return err_new(err, ERR_INVALID, "mount on %s: a bind mount needs a source", m->destination);
	if (asprintf(&source, "%s%s%s", m->source[0] == '/' ? "" : bundle, m->source[0] == '/' ? "" : "/",
		     m->source) < 0)
		return err_sys(err, ENOMEM, "mount source");
	struct stat st;
	if (stat(source, &st) < 0)
		return err_sys(err, errno, "mount on %s: source %s", m->destination, source);
	v->is_dir = S_ISDIR(st.st_mode);
	unsigned recursive = m->flags & MS_REC ? NM_AT_RECURSIVE : 0;
	v->tree_fd = nm_open_tree(AT_FDCWD, source, NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | recursive);
	if (v->tree_fd < 0)
		return err_sys(err, errno, "mount on %s: clone %s", m->destination, source);
	struct nm_mount_attr attr = {.attr_set = attributes(m->flags)};
	if (attr.attr_set && nm_mount_setattr(v->tree_fd, "", AT_EMPTY_PATH | recursive, &attr) < 0)
		return err_sys(err, errno, "mount on %s: set attributes", m->destination);
	return 0;
}

int volumes_prepare(const struct spec *spec, const char *bundle, struct volumes *out, struct error **err)
{
	*out = (struct volumes){0};
	if (spec->n_mounts == 0)
		return 0;
	out->items = calloc(spec->n_mounts, sizeof(struct volume));
	if (out->items == NULL)
		return err_sys(err, ENOMEM, "volumes");
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (provided_by_host(m))
			continue;
		struct volume *v = &out->items[out->n++];
		*v = (struct volume){.mount = m, .tree_fd = -1, .is_dir = true};
		if (m->bind && clone_source(m, bundle, v, err) < 0) {
			volumes_close(out);
			return -1;
		}
	}
	return 0;
}

static int make_destination(const char *path, bool is_dir, struct error **err)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	if (is_dir)
		return fs_mkdir_p(path, 0755, err);
	if (fs_mkdir_parent(path, 0755, err) < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_sys(err, errno, "create mount point %s", path);
	close(fd);
	return 0;
}

static int attach(const struct volume *v, struct error **err)
{
	const struct spec_mount *m = v->mount;
	if (make_destination(m->destination, v->is_dir, err) < 0)
		return -1;
	if (v->tree_fd >= 0) {
		if (nm_move_mount(v->tree_fd, "", AT_FDCWD, m->destination, NM_MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return err_sys(err, errno, "mount %s on %s", m->source, m->destination);
		return 0;
	}
	if (mount(m->source ? m->source : m->type, m->destination, m->type, m->flags, m->data) < 0)
		return err_sys(err, errno, "mount %s (%s) on %s", m->source ? m->source : "",
			       m->type ? m->type : "", m->destination);
	return 0;
}

int volumes_attach(const struct volumes *volumes, struct error **err)
{
	for (size_t i = 0; i < volumes->n; i++) {
		if (attach(&volumes->items[i], err) < 0)
			return -1;
	}
	return 0;
}

void volumes_close(struct volumes *volumes)
{
	for (size_t i = 0; i < volumes->n; i++) {
		if (volumes->items[i].tree_fd >= 0)
			close(volumes->items[i].tree_fd);
	}
	free(volumes->items);
	*volumes = (struct volumes){0};
}
