/* SPDX-License-Identifier: Apache-2.0 */
#include "ctrd_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "strv.h"

#define DROPIN_NAME "reaper.toml"
/* A containerd config larger than this is not one. */
#define CONFIG_MAX_SIZE (16 << 20)

/* One config file read and scanned. */
struct loaded {
	char *path;
	struct ctrd_config cfg;
};

struct config_set {
	struct loaded root;
	bool root_exists;
	struct loaded *imports;
	size_t n_imports;
	char *dropin_dir; /* host path of a directory the imports cover, or NULL */
};

static void config_set_clear(struct config_set *set)
{
	free(set->root.path);
	ctrd_config_clear(&set->root.cfg);
	for (size_t i = 0; i < set->n_imports; i++) {
		free(set->imports[i].path);
		ctrd_config_clear(&set->imports[i].cfg);
	}
	free(set->imports);
	free(set->dropin_dir);
}

static int load_one(const char *path, const char *handler, int default_version, struct ctrd_config *cfg,
		    bool *exists, struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (fs_read_optional(path, CONFIG_MAX_SIZE, &text, &len, exists, err) < 0)
		return -1;
	if (ctrd_config_parse(text ? text : "", len, handler, default_version, cfg, err) < 0)
		return err_wrap(err, "%s", path);
	return 0;
}

static int add_import(struct config_set *set, const char *path, const char *handler, struct error **err)
{
	struct ctrd_config cfg;
	bool exists = false;
	if (load_one(path, handler, set->root.cfg.version, &cfg, &exists, err) < 0)
		return -1;
	if (!exists) {
		ctrd_config_clear(&cfg);
		return 0;
	}
	struct loaded *grown = realloc(set->imports, (set->n_imports + 1) * sizeof(*grown));
	char *copy = strdup(path);
	if (grown == NULL || copy == NULL) {
		free(copy);
		if (grown != NULL)
			set->imports = grown;
		ctrd_config_clear(&cfg);
		return err_sys(err, ENOMEM, "imports");
	}
	set->imports = grown;
	set->imports[set->n_imports].path = copy;
	set->imports[set->n_imports].cfg = cfg;
	set->n_imports++;
	return 0;
}

/* A glob "DIR/PATTERN" whose DIR is plain and whose PATTERN matches our drop-in's name. */
static char *dropin_dir_of(const char *host_pattern)
{
	const char *slash = strrchr(host_pattern, '/');
	if (slash == NULL || fnmatch(slash + 1, DROPIN_NAME, FNM_PERIOD) != 0)
		return NULL;
	cleanup_free char *dir = strndup(host_pattern, (size_t)(slash - host_pattern));
	if (dir == NULL || strpbrk(dir, "*?[") != NULL)
		return NULL;
	return steal_pointer(&dir);
}

static int load_imports(struct config_set *set, const char *host_root, const char *handler,
			struct error **err)
{
	cleanup_free char *root_dir = fs_dirname(set->root.path);
	if (root_dir == NULL)
		return err_sys(err, ENOMEM, "imports");
	for (char **entry = set->root.cfg.imports; *entry != NULL; entry++) {
		/* containerd resolves a relative import against the root config's directory. */
		cleanup_free char *host = NULL;
		if ((*entry)[0] == '/')
			host = fs_path_under(host_root, *entry);
		else if (asprintf(&host, "%s/%s", root_dir, *entry) < 0)
			host = NULL;
		if (host == NULL)
			return err_sys(err, ENOMEM, "imports");
		if (strpbrk(*entry, "*?[") == NULL) {
			if (add_import(set, host, handler, err) < 0)
				return -1;
			continue;
		}
		if (set->dropin_dir == NULL)
			set->dropin_dir = dropin_dir_of(host);
		glob_t g;
		int r = glob(host, 0, NULL, &g);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0)
			return err_new(err, ERR_INVALID, "cannot expand the import %s", *entry);
		for (size_t i = 0; i < g.gl_pathc; i++) {
			if (add_import(set, g.gl_pathv[i], handler, err) < 0) {
				globfree(&g);
				return -1;
			}
		}
		globfree(&g);
	}
	return 0;
}

/* The first file (root, then imports) declaring the handler, or NULL. */
static struct loaded *find_handler(struct config_set *set)
{
	if (set->root.cfg.has_handler)
		return &set->root;
	for (size_t i = 0; i < set->n_imports; i++)
		if (set->imports[i].cfg.has_handler)
			return &set->imports[i];
	return NULL;
}

static struct loaded *last_import_with_cri(struct config_set *set)
{
	for (size_t i = set->n_imports; i > 0; i--)
		if (set->imports[i - 1].cfg.has_cri)
			return &set->imports[i - 1];
	return NULL;
}

static bool any_runtimes(struct config_set *set)
{
	if (set->root.cfg.has_runtimes)
		return true;
	for (size_t i = 0; i < set->n_imports; i++)
		if (set->imports[i].cfg.has_runtimes)
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
	if (plan->path == NULL || plan->reason == NULL || (placement != CTRD_PLACE_NONE && text == NULL)) {
		ctrd_plan_clear(plan);
		return err_sys(err, ENOMEM, "plan");
	}
	return 0;
}

/* "version = N" + blank line + block: a file of its own. */
static char *standalone_text(int version, const char *handler, bool with_runc)
{
	cleanup_free char *block = ctrd_config_runtime_block(version, handler, with_runc);
	char *text = NULL;
	if (block == NULL || asprintf(&text, "version = %d\n\n%s", version, block) < 0)
		return NULL;
	return text;
}

/* What gets appended to an existing file: a separating blank line, the block. */
static char *append_text(const char *path, int version, const char *handler, bool with_runc, bool empty,
			 struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(path, CONFIG_MAX_SIZE, &text, &len, &exists, err) < 0)
		return NULL;
	const char *sep = len == 0 ? "" : text[len - 1] == '\n' ? "\n" : "\n\n";
	cleanup_free char *body = empty ? standalone_text(version, handler, with_runc)
					: ctrd_config_runtime_block(version, handler, with_runc);
	char *out = NULL;
	if (body == NULL || asprintf(&out, "%s%s", sep, body) < 0) {
		err_sys(err, ENOMEM, "config text");
		return NULL;
	}
	return out;
}

static int plan_append(struct ctrd_plan *plan, struct config_set *set, const char *handler,
		       const char *reason, struct error **err)
{
	if (set->root.cfg.runtimes_inline)
		return err_new(
			err, ERR_INVALID,
			"%s declares containerd.runtimes as an inline table, which TOML forbids extending: "
			"write it as [..runtimes.<name>] tables first",
			set->root.path);
	int version = set->root.cfg.empty ? 2 : set->root.cfg.version;
	char *text =
		append_text(set->root.path, version, handler, !any_runtimes(set), set->root.cfg.empty, err);
	if (text == NULL)
		return -1;
	plan->version = version;
	return plan_set(plan, CTRD_PLACE_APPEND, set->root.path, text, reason, err);
}

static int plan_dropin(struct ctrd_plan *plan, struct config_set *set, const char *handler,
		       const char *reason, struct error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", set->dropin_dir, DROPIN_NAME) < 0)
		return err_sys(err, ENOMEM, "plan");
	int version = set->root.cfg.version;
	plan->version = version;
	return plan_set(plan, CTRD_PLACE_DROPIN, path, standalone_text(version, handler, !any_runtimes(set)),
			reason, err);
}

static int plan_for_existing(struct ctrd_plan *plan, struct config_set *set, const char *handler,
			     struct error **err)
{
	struct ctrd_config *root = &set->root.cfg;
	if (root->empty)
		return plan_append(plan, set, handler,
				   "the config sets nothing yet: adding a version 2 header and the handler",
				   err);
	if (ctrd_config_cri_plugin(root->version) == NULL)
		return err_new(err, ERR_UNSUPPORTED,
			       "%s: config version %d is not one reaper install knows (1, 2, 3)",
			       set->root.path, root->version);
	struct loaded *cri_import = last_import_with_cri(set);
	if (root->version == 3)
		return set->dropin_dir != NULL
			       ? plan_dropin(
					 plan, set, handler,
					 "the imports cover this directory and containerd 2.x merges drop-in "
					 "plugin sections key by key",
					 err)
			       : plan_append(plan, set, handler, "no import covers a drop-in directory", err);
	/* containerd 1.x: a later file's plugin section replaces an earlier one's entirely. */
	if (cri_import != NULL) {
		cleanup_free char *block =
			ctrd_config_runtime_block(root->version, handler, !any_runtimes(set));
		return err_new(
			err, ERR_UNSUPPORTED,
			"%s configures the CRI plugin, and containerd 1.x lets an imported file's plugin "
			"section replace every earlier one: add the handler to that file by hand:\n%s",
			cri_import->path, block ? block : "");
	}
	if (set->dropin_dir != NULL && !root->has_cri)
		return plan_dropin(
			plan, set, handler,
			"the imports cover this directory and no file configures the CRI plugin yet, so "
			"containerd 1.x's whole-section merge hides nothing",
			err);
	if (set->dropin_dir != NULL)
		return plan_append(
			plan, set, handler,
			"containerd 1.x would let a drop-in's CRI section replace this config's whole CRI "
			"section: editing the root config instead",
			err);
	return plan_append(plan, set, handler, "no import covers a drop-in directory", err);
}

int ctrd_plan_make(const char *host_root, const char *config_path, const char *handler,
		   struct ctrd_plan *plan, struct error **err)
{
	memset(plan, 0, sizeof(*plan));
	if (!ctrd_config_handler_valid(handler))
		return err_new(err, ERR_INVALID, "invalid handler name '%s' (letters, digits, '_', '-', '.')",
			       handler);
	if (config_path[0] != '/')
		return err_new(err, ERR_INVALID, "the containerd config path must be absolute: %s",
			       config_path);
	struct config_set set = {0};
	int r = -1;
	set.root.path = fs_path_under(host_root, config_path);
	if (set.root.path == NULL) {
		err_sys(err, ENOMEM, "plan");
		goto out;
	}
	if (load_one(set.root.path, handler, 1, &set.root.cfg, &set.root_exists, err) < 0)
		goto out;
	if (!set.root_exists) {
		plan->version = 2;
		r = plan_set(
			plan, CTRD_PLACE_CREATE, set.root.path, standalone_text(2, handler, true),
			"no config: containerd runs on its defaults; a version 2 config (read by containerd "
			"1.6 and later, 2.x included) declares runc and the handler",
			err);
		goto out;
	}
	if (load_imports(&set, host_root, handler, err) < 0)
		goto out;
	struct loaded *declared = find_handler(&set);
	if (declared != NULL) {
		const char *type = declared->cfg.handler_type;
		if (type == NULL || strcmp(type, REAPER_RUNTIME_TYPE) != 0) {
			err_new(err, ERR_EXISTS,
				"%s already declares the runtime handler '%s' with runtime_type '%s', not "
				"%s: choose "
				"another --handler or remove that entry",
				declared->path, handler, type ? type : "(none)", REAPER_RUNTIME_TYPE);
			goto out;
		}
		plan->version = declared->cfg.version;
		r = plan_set(plan, CTRD_PLACE_NONE, declared->path, NULL, "the handler is already declared",
			     err);
		goto out;
	}
	r = plan_for_existing(plan, &set, handler, err);
out:
	config_set_clear(&set);
	return r;
}

void ctrd_plan_clear(struct ctrd_plan *plan)
{
	free(plan->path);
	free(plan->text);
	free(plan->reason);
	memset(plan, 0, sizeof(*plan));
}

int ctrd_plan_reaper_handlers(const char *host_root, const char *config_path, char ***handlers, char ***files,
			      bool *exists, struct error **err)
{
	*handlers = strv_new();
	*files = strv_new();
	*exists = false;
	struct config_set set = {0};
	int r = -1;
	set.root.path = fs_path_under(host_root, config_path);
	if (*handlers == NULL || *files == NULL || set.root.path == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	if (load_one(set.root.path, NULL, 1, &set.root.cfg, &set.root_exists, err) < 0)
		goto out;
	*exists = set.root_exists;
	if (set.root_exists && load_imports(&set, host_root, NULL, err) < 0)
		goto out;
	for (size_t i = 0; i <= set.n_imports; i++) {
		struct loaded *f = i == 0 ? &set.root : &set.imports[i - 1];
		for (char **h = f->cfg.reaper_handlers; h != NULL && *h != NULL; h++) {
			char *name = strdup(*h), *file = strdup(f->path);
			if (file == NULL || strv_push(handlers, name) < 0 || strv_push(files, file) < 0) {
				err_sys(err, ENOMEM, "config");
				goto out;
			}
		}
	}
	r = 0;
out:
	config_set_clear(&set);
	if (r < 0) {
		strv_free(*handlers);
		strv_free(*files);
		*handlers = *files = NULL;
	}
	return r;
}
