/* SPDX-License-Identifier: Apache-2.0 */
/* The install record, HOSTROOT/var/lib/reaper/install.json: which reaper was installed where,
 * what was written into containerd's configuration, the directories created, the settings file's
 * hash. Written before anything changes, so that --uninstall can undo a run that stopped half
 * way. A reaper before version 2 of the record kept it in PREFIX/lib/reaper/install.json: that
 * one is read when the new one is missing, and removed when the new one is written. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "install_node.h"
#include "strv.h"
#include "version.h"

#define RECORD_FORMAT        2
#define RECORD_FORMAT_LEGACY 1

static const char *const placement_names[] = {"none", "append", "create", "dropin"};

static int placement_parse(const char *name, enum ctrd_placement *out)
{
	for (size_t i = 0; i < sizeof(placement_names) / sizeof(placement_names[0]); i++)
		if (name != NULL && strcmp(name, placement_names[i]) == 0) {
			*out = (enum ctrd_placement)i;
			return 0;
		}
	return -1;
}

void record_clear(struct record *r)
{
	free(r->reaper_version);
	free(r->handler);
	free(r->prefix);
	free(r->binary);
	for (size_t i = 0; i < INSTALL_N_LINKS; i++)
		free(r->links[i]);
	free(r->config_root);
	free(r->config_path);
	free(r->text);
	free(r->backup);
	strv_free(r->dirs);
	free(r->settings_sha);
	memset(r, 0, sizeof(*r));
}

char *record_this_version(void)
{
	char *v = NULL;
	return asprintf(&v, "%s (commit %s)", REAPER_VERSION, REAPER_GIT_COMMIT) < 0 ? NULL : v;
}

static char *under(const struct install_opts *o, const char *node_path)
{
	return node_path ? fs_path_under(o->host_root, node_path) : NULL;
}

static bool dup_ok(char **dst, const char *src)
{
	if (src == NULL)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

/* Parse a record of either format; LEGACY fills in what format 1 did not say from the options. */
static int record_parse(const struct install_opts *o, const struct install_paths *p, const char *path,
			const char *text, size_t len, struct record *r, struct error **err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	if (doc == NULL)
		return err_new(err, ERR_INVALID, "%s: %s (line %d)", path, jerr.text, jerr.line);
	json_int_t format = 0, config_version = 0;
	const char *version = NULL, *handler = NULL, *prefix = NULL, *binary = NULL, *root = NULL;
	const char *config = NULL, *placement = NULL, *block = NULL, *backup = NULL, *settings_sha = NULL;
	json_t *dirs = NULL, *settings = NULL, *links = NULL;
	int bad =
		json_unpack(doc, "{s:I, s?s, s:s, s?s, s?s, s?o, s:{s?s, s:s, s:s, s?I, s?s, s?s}, s?o, s?o}",
			    "format", &format, "reaper", &version, "handler", &handler, "prefix", &prefix,
			    "binary", &binary, "links", &links, "config", "root", &root, "path", &config,
			    "placement", &placement, "version", &config_version, "text", &block, "backup",
			    &backup, "created_dirs", &dirs, "node_config", &settings);
	if (!bad && settings != NULL)
		bad = json_unpack(settings, "{s:s}", "sha256", &settings_sha);
	if (bad || (format != RECORD_FORMAT && format != RECORD_FORMAT_LEGACY) ||
	    placement_parse(placement, &r->placement) < 0 || (dirs != NULL && !json_is_array(dirs)) ||
	    (links != NULL && (!json_is_array(links) || json_array_size(links) != INSTALL_N_LINKS))) {
		json_decref(doc);
		return err_new(err, ERR_INVALID, "%s: not an install record this reaper understands", path);
	}
	r->legacy = format == RECORD_FORMAT_LEGACY;
	r->config_version = config_version ? (int)config_version : 2;
	bool ok = dup_ok(&r->reaper_version, version) && dup_ok(&r->handler, handler) &&
		  dup_ok(&r->prefix, prefix ? prefix : o->prefix) &&
		  dup_ok(&r->config_root, root ? root : o->config) && dup_ok(&r->text, block) &&
		  dup_ok(&r->settings_sha, settings_sha);
	r->binary = binary ? under(o, binary) : strdup(p->binary);
	r->config_path = under(o, config);
	r->backup = under(o, backup);
	ok = ok && r->binary != NULL && r->config_path != NULL && (backup == NULL || r->backup != NULL);
	for (size_t i = 0; ok && i < INSTALL_N_LINKS; i++) {
		const char *l = links ? json_string_value(json_array_get(links, i)) : NULL;
		r->links[i] = l ? under(o, l) : strdup(p->links[i]);
		ok = r->links[i] != NULL;
	}
	for (size_t i = 0; ok && dirs != NULL && i < json_array_size(dirs); i++) {
		const char *dir = json_string_value(json_array_get(dirs, i));
		ok = dir == NULL || strv_push(&r->dirs, under(o, dir)) == 0;
	}
	/* A version-1 block carried its version line outside the markers. */
	if (ok && r->legacy && r->text != NULL)
		r->config_version = strstr(r->text, "io.containerd.cri.v1.runtime") != NULL ? 3 : 2;
	json_decref(doc);
	return ok ? 1 : err_sys(err, ENOMEM, "%s", path);
}

int record_load(const struct install_opts *o, const struct install_paths *p, struct record *r,
		struct error **err)
{
	memset(r, 0, sizeof(*r));
	const char *const paths[] = {p->record, p->legacy_record};
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *text = NULL;
		size_t len = 0;
		bool exists = false;
		if (fs_read_optional(paths[i], INSTALL_READ_MAX, &text, &len, &exists, err) < 0)
			return -1;
		if (exists) {
			int rc = record_parse(o, p, paths[i], text, len, r, err);
			if (rc < 0)
				record_clear(r);
			return rc;
		}
	}
	return 0;
}

int record_save(const struct install_opts *o, const struct install_paths *p, const struct record *r,
		struct error **err)
{
	json_t *links = json_array();
	for (size_t i = 0; links != NULL && i < INSTALL_N_LINKS; i++)
		json_array_append_new(links, json_string(on_host(o, r->links[i])));
	json_t *config =
		json_pack("{s:s, s:s, s:s, s:i}", "root", r->config_root, "path", on_host(o, r->config_path),
			  "placement", placement_names[r->placement], "version", r->config_version);
	if (config != NULL && r->text != NULL)
		json_object_set_new(config, "text", json_string(r->text));
	if (config != NULL && r->backup != NULL)
		json_object_set_new(config, "backup", json_string(on_host(o, r->backup)));
	json_t *dirs = json_array();
	for (size_t i = 0; dirs != NULL && i < strv_len(r->dirs); i++)
		json_array_append_new(dirs, json_string(on_host(o, r->dirs[i])));
	json_t *doc =
		json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "format", RECORD_FORMAT, "reaper",
			  r->reaper_version, "handler", r->handler, "prefix", r->prefix, "binary",
			  on_host(o, r->binary), "links", links, "config", config, "created_dirs", dirs);
	if (doc != NULL && r->settings_sha != NULL)
		json_object_set_new(
			doc, "node_config",
			json_pack("{s:s, s:s}", "path", on_host(o, p->settings), "sha256", r->settings_sha));
	cleanup_free char *json = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	cleanup_free char *text = NULL;
	if (json == NULL || asprintf(&text, "%s\n", json) < 0)
		return err_sys(err, ENOMEM, "install record");
	if (fs_mkdir_p(p->record_dir, 0755, err) < 0 ||
	    fs_write_durable(p->record, text, strlen(text), 0644, err) < 0)
		return -1;
	/* The new place holds it now. */
	if (unlink(p->legacy_record) < 0 && errno != ENOENT)
		return err_sys(err, errno, "unlink %s", p->legacy_record);
	return 0;
}
