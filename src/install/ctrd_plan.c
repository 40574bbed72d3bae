/* SPDX-License-Identifier: Apache-2.0 */
#include "ctrd_plan.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fsutil.h"
#include "sha256.h"
#include "strv.h"

#define DROPIN_NAME "reaper.toml"
/* A containerd config larger than this is not one. */
#define CONFIG_MAX_SIZE (16 << 20)

void ctrd_files_clear(struct ctrd_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->files[i].path);
		ctrd_config_clear(&f->files[i].cfg);
	}
	free(f->files);
	free(f->dropin_dir);
	free(f->sources);
	memset(f, 0, sizeof(*f));
}

static int note_source(struct ctrd_files *f, const char *what, const char *path, const char *state)
{
	char *grown = NULL;
	if (asprintf(&grown, "%s%s %s %s\n", f->sources ? f->sources : "", what, path, state) < 0)
		return -1;
	free(f->sources);
	f->sources = grown;
	return 0;
}

/* Read and scan PATH (resolved already); an absent file is added only when KEEP_ABSENT (the root). */
static int add_file(struct ctrd_files *f, const char *path, const char *handler, int default_version,
		    bool keep_absent, bool *exists, struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (fs_read_optional(path, CONFIG_MAX_SIZE, &text, &len, exists, err) < 0)
		return -1;
	char hex[2 * SHA256_DIGEST_SIZE + 1] = "absent";
	if (*exists)
		sha256_hex(text, len, hex);
	if (note_source(f, "file", path, hex) < 0)
		return err_sys(err, ENOMEM, "config");
	if (!*exists && !keep_absent)
		return 0;
	struct ctrd_config cfg;
	if (ctrd_config_parse(text ? text : "", len, handler, default_version, &cfg, err) < 0)
		return err_wrap(err, "%s", path);
	struct ctrd_file *grown = realloc(f->files, (f->n + 1) * sizeof(*grown));
	char *copy = strdup(path);
	if (grown == NULL || copy == NULL) {
		free(copy);
		if (grown != NULL)
			f->files = grown;
		ctrd_config_clear(&cfg);
		return err_sys(err, ENOMEM, "config");
	}
	f->files = grown;
	f->files[f->n++] = (struct ctrd_file){.path = copy, .cfg = cfg};
	return 0;
}

/* A glob "DIR/PATTERN" whose DIR is plain and whose PATTERN matches our drop-in's name. */
static bool covers_dropin(const char *pattern)
{
	const char *slash = strrchr(pattern, '/');
	return slash != NULL && fnmatch(slash + 1, DROPIN_NAME, FNM_PERIOD) == 0;
}

static int load_glob(struct ctrd_files *f, const char *host_root, const char *node_pattern,
		     const char *handler, struct error **err)
{
	/* The directory as the node resolves it; the pattern's last part matched in it. */
	const char *slash = strrchr(node_pattern, '/');
	cleanup_free char *node_dir = strndup(node_pattern, (size_t)(slash - node_pattern));
	cleanup_free char *dir = NULL, *pattern = NULL;
	if (node_dir == NULL)
		return err_sys(err, ENOMEM, "imports");
	if (strpbrk(node_dir, "*?[") != NULL) {
		dir = NULL; /* a glob in a directory part: matched as it is under the host root */
		pattern = fs_path_under(host_root, node_pattern);
	} else {
		if (fs_resolve_in_root(host_root, node_dir, &dir, err) < 0)
			return -1;
		if (asprintf(&pattern, "%s/%s", dir, slash + 1) < 0)
			pattern = NULL;
		if (f->dropin_dir == NULL && covers_dropin(node_pattern) &&
		    (f->dropin_dir = strdup(dir)) == NULL)
			return err_sys(err, ENOMEM, "imports");
	}
	if (pattern == NULL)
		return err_sys(err, ENOMEM, "imports");
	glob_t g;
	int r = glob(pattern, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		return note_source(f, "glob", pattern, "(none)") < 0 ? err_sys(err, ENOMEM, "imports") : 0;
	if (r != 0)
		return err_new(err, ERR_INVALID, "cannot expand the import %s", node_pattern);
	int rc = note_source(f, "glob", pattern, "") < 0 ? err_sys(err, ENOMEM, "imports") : 0;
	for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
		cleanup_free char *path = NULL, *node = NULL;
		bool exists = false;
		/* Each match opened as the node would (a match may be a node's symlink). */
		const char *name = strrchr(g.gl_pathv[i], '/') + 1;
		if (dir == NULL)
			path = strdup(g.gl_pathv[i]);
		else if (asprintf(&node, "%s/%s", node_dir, name) < 0)
			node = NULL;
		if (dir != NULL && node != NULL)
			rc = fs_resolve_in_root(host_root, node, &path, err);
		else if (path == NULL)
			rc = err_sys(err, ENOMEM, "imports");
		if (rc == 0)
			rc = add_file(f, path, handler, f->files[0].cfg.version, false, &exists, err);
	}
	globfree(&g);
	return rc;
}

static int load_imports(struct ctrd_files *f, const char *host_root, const char *config_path,
			const char *handler, struct error **err)
{
	cleanup_free char *config_dir = fs_dirname(config_path);
	if (config_dir == NULL)
		return err_sys(err, ENOMEM, "imports");
	/* The array stays where it is while files[] grows. */
	char **imports = f->files[0].cfg.imports;
	for (char **entry = imports; *entry != NULL; entry++) {
		/* containerd resolves a relative import against the root config's directory. */
		cleanup_free char *node = NULL;
		if ((*entry)[0] == '/')
			node = strdup(*entry);
		else if (asprintf(&node, "%s/%s", config_dir, *entry) < 0)
			node = NULL;
		if (node == NULL)
			return err_sys(err, ENOMEM, "imports");
		if (strpbrk(node, "*?[") != NULL) {
			if (load_glob(f, host_root, node, handler, err) < 0)
				return -1;
			continue;
		}
		cleanup_free char *path = NULL;
		bool exists = false;
		if (fs_resolve_in_root(host_root, node, &path, err) < 0 ||
		    add_file(f, path, handler, f->files[0].cfg.version, false, &exists, err) < 0)
			return -1;
	}
	return 0;
}

int ctrd_files_load(const char *host_root, const char *config_path, const char *handler,
		    struct ctrd_files *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	if (config_path[0] != '/')
		return err_new(err, ERR_INVALID, "the containerd config path must be absolute: %s",
			       config_path);
	cleanup_free char *root = NULL;
	if (fs_resolve_in_root(host_root, config_path, &root, err) < 0 ||
	    add_file(out, root, handler, 1, true, &out->root_exists, err) < 0 ||
	    (out->root_exists && load_imports(out, host_root, config_path, handler, err) < 0)) {
		ctrd_files_clear(out);
		return -1;
	}
	return 0;
}

/* ---- the plan ------------------------------------------------------------------------------ */

/* The first file (root, then imports) declaring the handler, or NULL. */
static struct ctrd_file *find_handler(struct ctrd_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->files[i].cfg.has_handler)
			return &f->files[i];
	return NULL;
}

static struct ctrd_file *last_import_with_cri(struct ctrd_files *f)
{
	for (size_t i = f->n; i > 1; i--)
		if (f->files[i - 1].cfg.has_cri)
			return &f->files[i - 1];
	return NULL;
}

static bool any_runtimes(struct ctrd_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->files[i].cfg.has_runtimes)
			return true;
	return false;
}

static int plan_set(struct ctrd_plan *plan, enum ctrd_placement placement, const char *path, char *text,
		    const char *reason, struct error **err)
{
	plan->placement = placement;
	plan->path = strdup(path);
	plan->text = text;
	plan->reason = strdup(reason);
	if (plan->path == NULL || plan->reason == NULL || (placement != CTRD_PLACE_NONE && text == NULL))
		return err_sys(err, ENOMEM, "plan");
	return 0;
}

static int plan_append(struct ctrd_plan *plan, struct ctrd_files *f, const char *handler, const char *reason,
		       struct error **err)
{
	struct ctrd_file *root = &f->files[0];
	if (root->cfg.runtimes_inline)
		return err_new(
			err, ERR_INVALID,
			"%s declares containerd.runtimes as an inline table, which TOML forbids extending: "
			"write it as [..runtimes.<name>] tables first",
			root->path);
	int version = root->cfg.empty ? 2 : root->cfg.version;
	/* The bytes planned from: the append goes after exactly these. */
	bool exists = false;
	if (fs_read_optional(root->path, CONFIG_MAX_SIZE, &plan->base, &plan->base_len, &exists, err) < 0)
		return -1;
	const char *sep = plan->base_len == 0 ? "" : plan->base[plan->base_len - 1] == '\n' ? "\n" : "\n\n";
	cleanup_free char *block =
		ctrd_config_runtime_block(version, handler, !any_runtimes(f), root->cfg.empty);
	char *text = NULL;
	if (block == NULL || asprintf(&text, "%s%s", sep, block) < 0)
		return err_sys(err, ENOMEM, "config text");
	plan->version = version;
	return plan_set(plan, CTRD_PLACE_APPEND, root->path, text, reason, err);
}

static int plan_dropin(struct ctrd_plan *plan, struct ctrd_files *f, const char *handler, const char *reason,
		       struct error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", f->dropin_dir, DROPIN_NAME) < 0)
		return err_sys(err, ENOMEM, "plan");
	int version = f->files[0].cfg.version;
	struct stat st;
	if (lstat(path, &st) == 0) {
		cleanup_free char *entry =
			ctrd_config_runtime_entry(version, handler, !any_runtimes(f), false);
		return err_new(
			err, ERR_EXISTS,
			"%s exists and does not declare the handler %s: it is not a file reaper install "
			"wrote (or it was edited since), and it is never overwritten. Move it away and run "
			"again, or add the handler to it by hand:\n%s",
			path, handler, entry ? entry : "");
	}
	plan->version = version;
	return plan_set(plan, CTRD_PLACE_DROPIN, path,
			ctrd_config_runtime_block(version, handler, !any_runtimes(f), true), reason, err);
}

static int plan_for_existing(struct ctrd_plan *plan, struct ctrd_files *f, const char *handler,
			     struct error **err)
{
	struct ctrd_config *root = &f->files[0].cfg;
	if (root->empty)
		return plan_append(plan, f, handler,
				   "the config sets nothing yet: adding a version 2 header and the handler",
				   err);
	if (ctrd_config_cri_plugin(root->version) == NULL)
		return err_new(err, ERR_UNSUPPORTED,
			       "%s: config version %d is not one reaper install knows (1, 2, 3)",
			       f->files[0].path, root->version);
	if (root->version == 3)
		return f->dropin_dir != NULL
			       ? plan_dropin(
					 plan, f, handler,
					 "the imports cover this directory and containerd 2.x merges drop-in "
					 "plugin sections key by key",
					 err)
			       : plan_append(plan, f, handler, "no import covers a drop-in directory", err);
	/* containerd 1.x: a later file's plugin section replaces an earlier one's entirely. */
	struct ctrd_file *cri_import = last_import_with_cri(f);
	if (cri_import != NULL) {
		cleanup_free char *entry =
			ctrd_config_runtime_entry(root->version, handler, !any_runtimes(f), false);
		return err_new(
			err, ERR_UNSUPPORTED,
			"%s configures the CRI plugin, and containerd 1.x lets an imported file's plugin "
			"section replace every earlier one: add the handler to that file by hand (reaper "
			"install "
			"--uninstall will not remove what you add):\n%s",
			cri_import->path, entry ? entry : "");
	}
	if (f->dropin_dir != NULL && !root->has_cri)
		return plan_dropin(
			plan, f, handler,
			"the imports cover this directory and no file configures the CRI plugin yet, so "
			"containerd 1.x's whole-section merge hides nothing",
			err);
	if (f->dropin_dir != NULL)
		return plan_append(
			plan, f, handler,
			"containerd 1.x would let a drop-in's CRI section replace this config's whole CRI "
			"section: editing the root config instead",
			err);
	return plan_append(plan, f, handler, "no import covers a drop-in directory", err);
}

int ctrd_plan_make(const char *host_root, const char *config_path, const char *handler,
		   struct ctrd_plan *plan, struct error **err)
{
	memset(plan, 0, sizeof(*plan));
	if (!ctrd_config_handler_valid(handler))
		return err_new(err, ERR_INVALID, "invalid handler name '%s' (letters, digits, '_', '-', '.')",
			       handler);
	struct ctrd_files f;
	if (ctrd_files_load(host_root, config_path, handler, &f, err) < 0)
		return -1;
	int r = -1;
	if (!f.root_exists) {
		plan->version = 2;
		r = plan_set(
			plan, CTRD_PLACE_CREATE, f.files[0].path,
			ctrd_config_runtime_block(2, handler, true, true),
			"no config: containerd runs on its defaults; a version 2 config (read by containerd "
			"1.6 and later, 2.x included) declares runc and the handler",
			err);
		goto out;
	}
	struct ctrd_file *declared = find_handler(&f);
	if (declared != NULL) {
		const char *type = declared->cfg.handler_type;
		if (type == NULL || strcmp(type, REAPER_RUNTIME_TYPE) != 0) {
			err_new(err, ERR_EXISTS,
				"%s already declares the runtime handler '%s' with runtime_type '%s', not "
				"%s: "
				"choose another --handler or remove that entry",
				declared->path, handler, type ? type : "(none)", REAPER_RUNTIME_TYPE);
			goto out;
		}
		plan->version = declared->cfg.version;
		r = plan_set(plan, CTRD_PLACE_NONE, declared->path, NULL, "the handler is already declared",
			     err);
		goto out;
	}
	r = plan_for_existing(plan, &f, handler, err);
out:
	if (r == 0)
		plan->sources = steal_pointer(&f.sources);
	ctrd_files_clear(&f);
	if (r < 0)
		ctrd_plan_clear(plan);
	return r;
}

void ctrd_plan_clear(struct ctrd_plan *plan)
{
	free(plan->path);
	free(plan->text);
	free(plan->base);
	free(plan->reason);
	free(plan->sources);
	memset(plan, 0, sizeof(*plan));
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool ctrd_plan_same(const struct ctrd_plan *a, const struct ctrd_plan *b)
{
	return a->placement == b->placement && a->version == b->version && same_str(a->path, b->path) &&
	       same_str(a->text, b->text) && same_str(a->sources, b->sources);
}

int ctrd_plan_runtimes_elsewhere(const char *host_root, const char *config_path, const char *except,
				 bool *runtimes, bool *runc_typed, struct error **err)
{
	*runtimes = *runc_typed = false;
	struct ctrd_files f;
	if (ctrd_files_load(host_root, config_path, NULL, &f, err) < 0)
		return -1;
	for (size_t i = 0; i < f.n; i++) {
		if (strcmp(f.files[i].path, except) == 0)
			continue;
		*runtimes |= f.files[i].cfg.has_runtimes;
		*runc_typed |= ctrd_config_types(&f.files[i].cfg, "runc");
	}
	ctrd_files_clear(&f);
	return 0;
}
