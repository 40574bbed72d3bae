/* SPDX-License-Identifier: Apache-2.0 */
#include "spec_mounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "array.h"
#include "cleanup.h"
#include "newmount.h"
#include "strv.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum option_action {
	OPT_SET,         /* flags |= value */
	OPT_CLEAR,       /* flags &= ~value */
	OPT_REC_SET,     /* rec_attr_set |= value, rec_attr_clr &= ~value */
	OPT_REC_CLEAR,   /* rec_attr_clr |= value, rec_attr_set &= ~value */
	OPT_PROPAGATION, /* propagation = value (the last one given wins) */
	OPT_IGNORE,      /* "defaults": no flag, not data either */
	OPT_REFUSE,      /* understood, but Reaper cannot honour it */
};

static const struct {
	const char *name;
	enum option_action action;
	unsigned long value;
} mount_options[] = {
	{"defaults", OPT_IGNORE, 0},
	{"ro", OPT_SET, MS_RDONLY},
	{"rw", OPT_CLEAR, MS_RDONLY},
	{"nosuid", OPT_SET, MS_NOSUID},
	{"suid", OPT_CLEAR, MS_NOSUID},
	{"nodev", OPT_SET, MS_NODEV},
	{"dev", OPT_CLEAR, MS_NODEV},
	{"noexec", OPT_SET, MS_NOEXEC},
	{"exec", OPT_CLEAR, MS_NOEXEC},
	{"sync", OPT_SET, MS_SYNCHRONOUS},
	{"async", OPT_CLEAR, MS_SYNCHRONOUS},
	{"dirsync", OPT_SET, MS_DIRSYNC},
	{"remount", OPT_SET, MS_REMOUNT},
	{"mand", OPT_SET, MS_MANDLOCK},
	{"nomand", OPT_CLEAR, MS_MANDLOCK},
	{"atime", OPT_CLEAR, MS_NOATIME},
	{"noatime", OPT_SET, MS_NOATIME},
	{"diratime", OPT_CLEAR, MS_NODIRATIME},
	{"nodiratime", OPT_SET, MS_NODIRATIME},
	{"relatime", OPT_SET, MS_RELATIME},
	{"norelatime", OPT_CLEAR, MS_RELATIME},
	{"strictatime", OPT_SET, MS_STRICTATIME},
	{"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
	{"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
	{"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
	{"bind", OPT_SET, MS_BIND},
	{"rbind", OPT_SET, MS_BIND | MS_REC},
	{"private", OPT_PROPAGATION, MS_PRIVATE},
	{"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
	{"slave", OPT_PROPAGATION, MS_SLAVE},
	{"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
	{"shared", OPT_PROPAGATION, MS_SHARED},
	{"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
	{"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
	{"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
	{"rro", OPT_REC_SET, NM_MOUNT_ATTR_RDONLY},
	{"rrw", OPT_REC_CLEAR, NM_MOUNT_ATTR_RDONLY},
	{"rnosuid", OPT_REC_SET, NM_MOUNT_ATTR_NOSUID},
	{"rsuid", OPT_REC_CLEAR, NM_MOUNT_ATTR_NOSUID},
	{"rnodev", OPT_REC_SET, NM_MOUNT_ATTR_NODEV},
	{"rdev", OPT_REC_CLEAR, NM_MOUNT_ATTR_NODEV},
	{"rnoexec", OPT_REC_SET, NM_MOUNT_ATTR_NOEXEC},
	{"rexec", OPT_REC_CLEAR, NM_MOUNT_ATTR_NOEXEC},
	{"rnodiratime", OPT_REC_SET, NM_MOUNT_ATTR_NODIRATIME},
	{"rdiratime", OPT_REC_CLEAR, NM_MOUNT_ATTR_NODIRATIME},
	{"rnoatime", OPT_REC_SET, NM_MOUNT_ATTR_NOATIME},
	{"ratime", OPT_REC_CLEAR, NM_MOUNT_ATTR_NOATIME},
	{"rstrictatime", OPT_REC_SET, NM_MOUNT_ATTR_STRICTATIME},
	{"rnostrictatime", OPT_REC_CLEAR, NM_MOUNT_ATTR_STRICTATIME},
	{"rrelatime", OPT_REC_SET, NM_MOUNT_ATTR_RELATIME},
	{"rnorelatime", OPT_REC_CLEAR, NM_MOUNT_ATTR_RELATIME},
	{"rnosymfollow", OPT_REC_SET, NM_MOUNT_ATTR_NOSYMFOLLOW},
	{"rsymfollow", OPT_REC_CLEAR, NM_MOUNT_ATTR_NOSYMFOLLOW},
	{"idmap", OPT_REFUSE, 0},
	{"ridmap", OPT_REFUSE, 0},
};

#define N_MOUNT_OPTIONS ARRAY_LEN(mount_options)

const char *spec_mount_option_name(size_t i)
{
	return i < N_MOUNT_OPTIONS ? mount_options[i].name : NULL;
}

/* Append an unrecognised option to the comma-joined data string. */
static int append_data(char **data, const char *option)
{
	char *joined = NULL;
	int n = *data ? asprintf(&joined, "%s,%s", *data, option) : asprintf(&joined, "%s", option);
	if (n < 0)
		return -1;
	free(*data);
	*data = joined;
	return 0;
}

static int apply_mount_options(struct field_ctx *c, const char *path, struct spec_mount *m)
{
	for (char **o = m->options; *o != NULL; o++) {
		size_t i = 0;
		while (i < N_MOUNT_OPTIONS && strcmp(mount_options[i].name, *o) != 0)
			i++;
		if (i == N_MOUNT_OPTIONS) {
			if (append_data(&m->data, *o) < 0)
				return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
			continue;
		}
		switch (mount_options[i].action) {
		case OPT_SET:
			m->flags |= mount_options[i].value;
			break;
		case OPT_CLEAR:
			m->flags &= ~mount_options[i].value;
			break;
		case OPT_REC_SET:
			m->rec_attr_set |= mount_options[i].value;
			m->rec_attr_clr &= ~(uint64_t)mount_options[i].value;
			break;
		case OPT_REC_CLEAR:
			m->rec_attr_clr |= mount_options[i].value;
			m->rec_attr_set &= ~(uint64_t)mount_options[i].value;
			break;
		case OPT_PROPAGATION:
			m->propagation = mount_options[i].value;
			break;
		case OPT_IGNORE:
			break;
		case OPT_REFUSE:
			return field_invalid(c, path, "%s: Reaper has no user namespaces to map ids with",
					     *o);
		}
	}
	if (m->flags & MS_BIND)
		m->bind = true;
	if (m->bind)
		m->flags |= MS_BIND;
	return 0;
}

static int parse_mount(struct field_ctx *c, json_t *v, const char *path, struct spec_mount *m)
{
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	char field[FIELD_PATH_MAX];
	json_t *f;
	field_join(field, path, "destination");
	if (field_path(c, field_member(v, "destination"), field, &m->destination) < 0)
		return -1;
	if ((f = field_member(v, "type")) != NULL) {
		field_join(field, path, "type");
		if (field_string(c, f, field, &m->type) < 0)
			return -1;
		m->bind = strcmp(m->type, "bind") == 0;
	}
	if ((f = field_member(v, "source")) != NULL) {
		field_join(field, path, "source");
		if (field_string(c, f, field, &m->source) < 0)
			return -1;
	}
	field_join(field, path, "options");
	if (field_strv(c, field_member(v, "options"), field, &m->options) < 0)
		return -1;
	return apply_mount_options(c, field, m);
}

static void mount_free(struct spec_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	strv_free(m->options);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

int spec_parse_mounts(struct field_ctx *c, json_t *v, struct spec *out)
{
	if (!json_is_array(v))
		return field_invalid(c, "mounts", "must be an array");
	size_t n = json_array_size(v);
	if (n == 0)
		return 0;
	out->mounts = calloc(n, sizeof(*out->mounts));
	if (out->mounts == NULL)
		return err_sys(c->err, ENOMEM, "%s: mounts", c->doc);
	for (size_t i = 0; i < n; i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, "mounts", i);
		/* Count the entry first so spec_free releases a half-parsed one. */
		out->n_mounts++;
		if (parse_mount(c, json_array_get(v, i), item, &out->mounts[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- root.readonly and linux.* ---- */

static const struct {
	const char *name;
	unsigned long value;
} propagations[] = {
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
	{"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int parse_propagation(struct field_ctx *c, json_t *v, unsigned long *out)
{
	const char *path = "linux.rootfsPropagation";
	cleanup_free char *name = NULL;
	if (field_string(c, v, path, &name) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(propagations); i++) {
		if (strcmp(name, propagations[i].name) == 0) {
			*out = propagations[i].value;
			return 0;
		}
	}
	return field_invalid(c, path, "unknown propagation \"%s\"", name);
}

/* An array of absolute paths (empty when absent). */
static int parse_paths(struct field_ctx *c, json_t *v, const char *path, char ***out)
{
	if (field_strv(c, v, path, out) < 0)
		return -1;
	for (size_t i = 0; (*out)[i] != NULL; i++) {
		if ((*out)[i][0] != '/') {
			char item[FIELD_PATH_MAX];
			field_index(item, path, i);
			return field_invalid(c, item, "must be an absolute path");
		}
	}
	return 0;
}

static int get_u32(struct field_ctx *c, json_t *obj, const char *parent, const char *key, bool required,
		   uint32_t *out)
{
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	json_t *v = field_member(obj, key);
	if (v == NULL)
		return required ? field_invalid(c, path, "is required") : 0;
	json_int_t n;
	if (field_integer(c, v, path, 0, UINT32_MAX, &n) < 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int parse_device(struct field_ctx *c, json_t *v, const char *path, struct spec_device *d)
{
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	char field[FIELD_PATH_MAX];
	field_join(field, path, "path");
	if (field_path(c, field_member(v, "path"), field, &d->path) < 0)
		return -1;
	field_join(field, path, "type");
	cleanup_free char *type = NULL;
	if (field_string(c, field_member(v, "type"), field, &type) < 0)
		return -1;
	if (strcmp(type, "c") != 0 && strcmp(type, "u") != 0 && strcmp(type, "b") != 0 &&
	    strcmp(type, "p") != 0)
		return field_invalid(c, field, "must be c, u, b or p, not \"%s\"", type);
	d->type = type[0] == 'u' ? 'c' : type[0];
	bool numbered = d->type != 'p';
	uint32_t mode = 0666, uid = 0, gid = 0;
	if (get_u32(c, v, path, "major", numbered, &d->major) < 0 ||
	    get_u32(c, v, path, "minor", numbered, &d->minor) < 0 ||
	    get_u32(c, v, path, "fileMode", false, &mode) < 0 ||
	    get_u32(c, v, path, "uid", false, &uid) < 0 || get_u32(c, v, path, "gid", false, &gid) < 0)
		return -1;
	d->mode = mode & 07777;
	d->uid = uid;
	d->gid = gid;
	return 0;
}

static int parse_devices(struct field_ctx *c, json_t *v, struct spec_view *out)
{
	if (!json_is_array(v))
		return field_invalid(c, "linux.devices", "must be an array");
	size_t n = json_array_size(v);
	out->devices = calloc(n + 1, sizeof(*out->devices));
	if (out->devices == NULL)
		return err_sys(c->err, ENOMEM, "%s: linux.devices", c->doc);
	for (size_t i = 0; i < n; i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, "linux.devices", i);
		out->n_devices++;
		if (parse_device(c, json_array_get(v, i), item, &out->devices[i]) < 0)
			return -1;
	}
	return 0;
}

int spec_parse_view(struct field_ctx *c, json_t *root, json_t *linux_section, struct spec *out)
{
	struct spec_view *view = &out->view;
	json_t *f;
	if (root != NULL && (f = field_member(root, "readonly")) != NULL &&
	    field_bool(c, f, "root.readonly", &view->readonly_root) < 0)
		return -1;
	if (linux_section != NULL && !json_is_object(linux_section))
		return field_invalid(c, "linux", "must be an object");
	if (parse_paths(c, field_member(linux_section, "maskedPaths"), "linux.maskedPaths",
			&view->masked_paths) < 0 ||
	    parse_paths(c, field_member(linux_section, "readonlyPaths"), "linux.readonlyPaths",
			&view->readonly_paths) < 0)
		return -1;
	if ((f = field_member(linux_section, "rootfsPropagation")) != NULL &&
	    parse_propagation(c, f, &view->root_propagation) < 0)
		return -1;
	if ((f = field_member(linux_section, "devices")) != NULL && parse_devices(c, f, view) < 0)
		return -1;
	return 0;
}

void spec_mounts_free(struct spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		mount_free(&spec->mounts[i]);
	free(spec->mounts);
	strv_free(spec->view.masked_paths);
	strv_free(spec->view.readonly_paths);
	for (size_t i = 0; i < spec->view.n_devices; i++)
		free(spec->view.devices[i].path);
	free(spec->view.devices);
}
