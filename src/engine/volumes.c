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
#include "mount_point.h"
#include "mounts.h"
#include "newmount.h"
#include "pod_settings.h"

static const char *const host_types[] = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"};

/* Mounts the view provides already: the host's kernel filesystems, and /dev. */
static bool provided_by_view(const struct spec_mount *m)
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

/* MS_PRIVATE, MS_SLAVE... without MS_REC, and whether it is for the whole tree. */
static uint64_t propagation_of(const struct spec_mount *m, bool *recursive)
{
	if (m->propagation == 0) {
		*recursive = true;
		return MS_PRIVATE;
	}
	*recursive = (m->propagation & MS_REC) != 0;
	return m->propagation & ~(unsigned long)MS_REC;
}

/* The clone's attributes: the options' on its top mount, the recursive ones' on the whole tree,
 * and its propagation. */
static int set_attributes(const struct spec_mount *m, int tree, bool recursive, uint64_t forced,
			  struct error **err)
{
	uint64_t rec_set = m->rec_attr_set | forced, rec_clr = m->rec_attr_clr & ~forced;
	if ((rec_set || rec_clr) && mounts_setattr(tree, "", recursive, rec_set, rec_clr, 0, err) < 0)
		return -1;
	uint64_t top = attributes(m->flags);
	if (top && mounts_setattr(tree, "", false, top, 0, 0, err) < 0)
		return -1;
	bool rec_propagation;
	uint64_t propagation = propagation_of(m, &rec_propagation);
	return mounts_setattr(tree, "", recursive && rec_propagation, 0, 0, propagation, err);
}

static int clone_source(const struct spec_mount *m, const char *bundle, uint64_t forced, struct volume *v,
			struct error **err)
{
	cleanup_free char *source = NULL;
	if (m->source == NULL)
		return err_new(err, ERR_INVALID, "mount on %s: a bind mount needs a source", m->destination);
	if (asprintf(&source, "%s%s%s", m->source[0] == '/' ? "" : bundle, m->source[0] == '/' ? "" : "/",
		     m->source) < 0)
		return err_sys(err, ENOMEM, "mount source");
	/* Resolved on the host, a symlinked source included, as runc does. */
	struct stat st;
	if (stat(source, &st) < 0)
		return err_sys(err, errno, "mount on %s: source %s", m->destination, source);
	v->is_dir = S_ISDIR(st.st_mode);
	bool recursive = (m->flags & MS_REC) != 0;
	v->tree_fd =
		nm_open_tree(AT_FDCWD, source,
			     NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | (recursive ? NM_AT_RECURSIVE : 0));
	if (v->tree_fd < 0)
		return err_sys(err, errno, "mount on %s: clone %s", m->destination, source);
	if (set_attributes(m, v->tree_fd, recursive, forced, err) < 0)
		return err_wrap(err, "mount on %s", m->destination);
	return 0;
}

int volumes_prepare(const struct spec *spec, const char *bundle, const struct volumes_policy *policy,
		    struct volumes *out, struct error **err)
{
	*out = (struct volumes){.forced = policy->nodev ? NM_MOUNT_ATTR_NODEV : 0};
	if (spec->n_mounts == 0)
		return 0;
	out->items = calloc(spec->n_mounts, sizeof(struct volume));
	if (out->items == NULL)
		return err_sys(err, ENOMEM, "volumes");
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (provided_by_view(m) || (policy->host_dns && pod_settings_is_dns_file(m->destination)))
			continue;
		struct volume *v = &out->items[out->n++];
		*v = (struct volume){.mount = m, .tree_fd = -1, .is_dir = true};
		if (m->bind && clone_source(m, bundle, out->forced, v, err) < 0) {
			volumes_close(out);
			return -1;
		}
	}
	return 0;
}

int volumes_make_mount_points(const struct volumes *volumes, struct error **err)
{
	for (size_t i = 0; volumes != NULL && i < volumes->n; i++) {
		const struct volume *v = &volumes->items[i];
		if (mount_point_make(v->mount->destination, v->is_dir, err) < 0)
			return -1;
	}
	return 0;
}

/* The superblock's own flags, as filesystem options. */
static char *options_of(const struct spec_mount *m)
{
	char *out = NULL;
	int n = asprintf(&out, "%s%s%s%s", m->data ? m->data : "", m->flags & MS_SYNCHRONOUS ? ",sync" : "",
			 m->flags & MS_DIRSYNC ? ",dirsync" : "", m->flags & MS_MANDLOCK ? ",mand" : "");
	return n < 0 ? NULL : out;
}

/* A new filesystem (tmpfs, ...), made detached and attached on target's fd: the destination path
 * is not looked up again. */
static int mount_new(const struct spec_mount *m, uint64_t forced, int target, struct error **err)
{
	if (m->type == NULL)
		return err_new(err, ERR_INVALID, "mount on %s: neither a type nor a bind", m->destination);
	cleanup_free char *options = options_of(m);
	if (options == NULL)
		return err_sys(err, ENOMEM, "mount on %s", m->destination);
	cleanup_close int mfd = mounts_new(m->type, m->source, options, attributes(m->flags) | forced, err);
	if (mfd < 0 || set_attributes(m, mfd, true, forced, err) < 0)
		return err_wrap(err, "mount on %s", m->destination);
	return mounts_attach(mfd, target, m->destination, err);
}

static int attach(const struct volume *v, uint64_t forced, struct error **err)
{
	const struct spec_mount *m = v->mount;
	bool is_dir;
	cleanup_close int target = mount_point_open(m->destination, &is_dir, err);
	if (target < 0)
		return -1;
	if (v->tree_fd >= 0 && is_dir != v->is_dir)
		return err_new(err, ERR_INVALID, "mount %s on %s: a %s cannot be mounted on a %s", m->source,
			       m->destination, v->is_dir ? "directory" : "file",
			       is_dir ? "directory" : "file");
	if (v->tree_fd < 0)
		return mount_new(m, forced, target, err);
	if (mounts_attach(v->tree_fd, target, m->destination, err) < 0)
		return err_wrap(err, "mount %s", m->source);
	return 0;
}

int volumes_attach(const struct volumes *volumes, struct error **err)
{
	for (size_t i = 0; volumes != NULL && i < volumes->n; i++) {
		if (attach(&volumes->items[i], volumes->forced, err) < 0)
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
