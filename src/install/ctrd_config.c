/* SPDX-License-Identifier: Apache-2.0 */
#include "ctrd_config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "strv.h"
#include "toml.h"

struct reading {
	struct ctrd_config *cfg;
	const char *handler;
};

static bool path_is(char **path, size_t n, const char *const *want)
{
	for (size_t i = 0; i < n; i++)
		if (path[i] == NULL || strcmp(path[i], want[i]) != 0)
			return false;
	return true;
}

static int note_runtime(char ***list, const char *name)
{
	for (size_t i = 0; (*list)[i] != NULL; i++)
		if (strcmp((*list)[i], name) == 0)
			return 0;
	char *copy = strdup(name);
	return copy == NULL ? -1 : strv_push(list, copy);
}

/* Record what a table header or a key's full path tells about the CRI plugin. */
static int note_path(struct reading *r, char **path)
{
	r->cfg->empty = false;
	const char *cri = ctrd_config_cri_plugin(r->cfg->version);
	if (cri == NULL)
		return 0;
	const char *const prefix[] = {"plugins", cri, "containerd", "runtimes", r->handler};
	size_t n = strv_len(path);
	if (n >= 2 && path_is(path, 2, prefix))
		r->cfg->has_cri = true;
	if (n >= 5 && path_is(path, 4, prefix)) {
		r->cfg->has_runtimes = true;
		if (note_runtime(&r->cfg->runtimes, path[4]) < 0)
			return -1;
	}
	if (n >= 5 && r->handler != NULL && path_is(path, 5, prefix))
		r->cfg->has_handler = true;
	return 0;
}

static int on_table(void *data, char **path, struct toml_scan *s)
{
	return note_path(data, path) < 0 ? toml_fail(s, "out of memory") : 0;
}

/* [plugins.<cri>.containerd.runtimes.<name>] runtime_type = "...": the name and the type. */
static int read_runtime_type(struct reading *r, const char *runtime, struct toml_scan *s)
{
	cleanup_free char *type = NULL;
	if (toml_read_string(s, &type) < 0)
		return -1;
	if (note_runtime(&r->cfg->typed_runtimes, runtime) < 0)
		return toml_fail(s, "out of memory");
	if (strcmp(type, REAPER_RUNTIME_TYPE) == 0) {
		char *name = strdup(runtime);
		if (name == NULL || strv_push(&r->cfg->reaper_handlers, name) < 0)
			return toml_fail(s, "out of memory");
	}
	if (r->handler != NULL && strcmp(runtime, r->handler) == 0) {
		free(r->cfg->handler_type);
		r->cfg->handler_type = steal_pointer(&type);
	}
	return 0;
}

static int on_key(void *data, char **path, struct toml_scan *s)
{
	struct reading *r = data;
	size_t n = strv_len(path);
	if (n == 1 && strcmp(path[0], "version") == 0) {
		long version;
		if (toml_read_integer(s, "version", &version) < 0)
			return -1;
		r->cfg->empty = false;
		r->cfg->version = (int)version;
		r->cfg->has_version = true;
		return 0;
	}
	if (n == 1 && strcmp(path[0], "imports") == 0) {
		r->cfg->empty = false;
		strv_free(r->cfg->imports);
		r->cfg->imports = NULL;
		return toml_read_string_array(s, "imports", &r->cfg->imports);
	}
	if (note_path(r, path) < 0)
		return toml_fail(s, "out of memory");
	const char *cri = ctrd_config_cri_plugin(r->cfg->version);
	const char *const runtimes[] = {"plugins", cri, "containerd", "runtimes"};
	bool in_runtimes = cri != NULL && n >= 4 && path_is(path, 4, runtimes);
	if (cri != NULL && n == 4 && path_is(path, 3, runtimes) &&
	    strcmp(path[3], "default_runtime_name") == 0 && toml_value_kind(s) == TOML_STRING) {
		free(r->cfg->default_runtime);
		r->cfg->default_runtime = NULL;
		return toml_read_string(s, &r->cfg->default_runtime);
	}
	if (in_runtimes && n == 6 && strcmp(path[5], "runtime_type") == 0 &&
	    toml_value_kind(s) == TOML_STRING)
		return read_runtime_type(r, path[4], s);
	if (in_runtimes && n == 6 && strcmp(path[5], "pod_annotations") == 0 && r->handler != NULL &&
	    strcmp(path[4], r->handler) == 0 && toml_value_kind(s) == TOML_ARRAY) {
		strv_free(r->cfg->handler_annotations);
		r->cfg->handler_annotations = NULL;
		return toml_read_string_array(s, "pod_annotations", &r->cfg->handler_annotations);
	}
	if (in_runtimes && n == 4 && toml_value_kind(s) == TOML_INLINE_TABLE)
		r->cfg->runtimes_inline = r->cfg->has_runtimes = true;
	return toml_skip_value(s);
}

int ctrd_config_parse(const char *text, size_t len, const char *handler, int default_version,
		      struct ctrd_config *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	out->version = default_version;
	out->empty = true;
	out->imports = calloc(1, sizeof(char *));
	out->reaper_handlers = calloc(1, sizeof(char *));
	out->runtimes = calloc(1, sizeof(char *));
	out->typed_runtimes = calloc(1, sizeof(char *));
	out->handler_annotations = calloc(1, sizeof(char *));
	if (out->imports == NULL || out->reaper_handlers == NULL || out->runtimes == NULL ||
	    out->typed_runtimes == NULL || out->handler_annotations == NULL) {
		ctrd_config_clear(out);
		return err_sys(err, ENOMEM, "config");
	}
	struct reading r = {.cfg = out, .handler = handler};
	static const struct toml_visitor visitor = {.table = on_table, .key = on_key};
	if (toml_scan(text, len, &visitor, &r, err) < 0) {
		ctrd_config_clear(out);
		return -1;
	}
	return 0;
}

void ctrd_config_clear(struct ctrd_config *c)
{
	strv_free(c->imports);
	strv_free(c->reaper_handlers);
	strv_free(c->runtimes);
	strv_free(c->typed_runtimes);
	strv_free(c->handler_annotations);
	free(c->default_runtime);
	free(c->handler_type);
	memset(c, 0, sizeof(*c));
}

const char *ctrd_config_cri_plugin(int version)
{
	switch (version) {
	case 1:
		return "cri";
	case 2:
		return "io.containerd.grpc.v1.cri";
	case 3:
		return "io.containerd.cri.v1.runtime";
	default:
		return NULL;
	}
}

bool ctrd_config_handler_valid(const char *handler)
{
	size_t n = handler ? strlen(handler) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!toml_bare_key_char(handler[i]) && handler[i] != '.')
			return false;
	return true;
}

static bool listed(char *const *list, const char *name)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

bool ctrd_config_declares(const struct ctrd_config *c, const char *runtime)
{
	return listed(c->runtimes, runtime);
}

bool ctrd_config_types(const struct ctrd_config *c, const char *runtime)
{
	return listed(c->typed_runtimes, runtime);
}

bool ctrd_config_passes_annotation(const struct ctrd_config *c, const char *key)
{
	for (char **p = c->handler_annotations; *p != NULL; p++)
		if (fnmatch(*p, key, FNM_PATHNAME) == 0)
			return true;
	return false;
}

/* The keys of Reaper's runtime entry, in order, each with its value as TOML writes it. A key the
 * entry should carry (pod_annotations, ...) is one more line here: the installer writes it, its
 * --uninstall removes it with the rest, the doctor's hand-edit text shows it. */
static const struct {
	const char *key;
	const char *value;
} runtime_entry_keys[] = {
	{"runtime_type", "\"" REAPER_RUNTIME_TYPE "\""},
	{"pod_annotations", "[\"" REAPER_POD_ANNOTATIONS "\"]"},
};

char *ctrd_config_runtime_entry(int version, const char *handler, bool with_runc, bool with_version)
{
	const char *cri = ctrd_config_cri_plugin(version);
	if (cri == NULL || !ctrd_config_handler_valid(handler))
		return NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	if (with_version)
		fprintf(f, "version = %d\n\n", version);
	if (with_runc)
		fprintf(f,
			"# Declaring a runtime replaces containerd's built-in list: keep its default, runc.\n"
			"[plugins.\"%s\".containerd.runtimes.runc]\n"
			"  runtime_type = \"%s\"\n\n",
			cri, RUNC_RUNTIME_TYPE);
	fprintf(f, "[plugins.\"%s\".containerd.runtimes.\"%s\"]\n", cri, handler);
	for (size_t i = 0; i < sizeof(runtime_entry_keys) / sizeof(runtime_entry_keys[0]); i++)
		fprintf(f, "  %s = %s\n", runtime_entry_keys[i].key, runtime_entry_keys[i].value);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *ctrd_config_runtime_block(int version, const char *handler, bool with_runc, bool with_version)
{
	cleanup_free char *entry = ctrd_config_runtime_entry(version, handler, with_runc, with_version);
	char *block = NULL;
	if (entry == NULL ||
	    asprintf(&block,
		     "%s (runtime handler %s; `reaper install --uninstall` removes this block)\n%s%s\n",
		     CTRD_BLOCK_BEGIN, handler, entry, CTRD_BLOCK_END) < 0)
		return NULL;
	return block;
}
