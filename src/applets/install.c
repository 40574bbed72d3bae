/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper install`: put the running binary and its symlink farm on a node, write the node's
 * settings file (config.h) unless an operator's is there, and declare Reaper's runtime handler to
 * containerd; `--uninstall` undoes exactly what the record says was done. Where the handler goes
 * (root config or drop-in) is decided by ctrd_plan.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applet.h"
#include "array.h"
#include "cleanup.h"
#include "config.h"
#include "ctrd_plan.h"
#include "fsutil.h"
#include "sha256.h"
#include "strv.h"

#define RECORD_FORMAT 1
#define BACKUP_SUFFIX ".reaper-backup"
/* The most the installer reads of a file: configs, records, its own binary. */
#define READ_MAX (16 << 20)

static const char *const farm_links[] = REAPER_LINKED_NAMES;
#define N_LINKS ARRAY_LEN(farm_links)

enum restart_mode { RESTART_NONE, RESTART_SYSTEMD };

struct install_opts {
	const char *host_root;
	const char *prefix;
	const char *config;
	const char *handler;
	const char *node_config; /* --node-config: the settings file to install instead of the default */
	enum restart_mode restart;
	bool dry_run;
	bool uninstall;
};

/* Paths on this machine (host root included). */
struct install_paths {
	char *bindir;
	char *binary;
	char *links[N_LINKS];
	char *record_dir;
	char *record;
	char *settings; /* the node's reaper.conf */
};

static void paths_clear(struct install_paths *p)
{
	free(p->bindir);
	free(p->binary);
	for (size_t i = 0; i < N_LINKS; i++)
		free(p->links[i]);
	free(p->record_dir);
	free(p->record);
	free(p->settings);
}

static int paths_init(struct install_paths *p, const struct install_opts *o, struct error **err)
{
	memset(p, 0, sizeof(*p));
	cleanup_free char *bin = NULL, *lib = NULL;
	if (asprintf(&bin, "%s/bin", o->prefix) < 0 || asprintf(&lib, "%s/lib/reaper", o->prefix) < 0)
		return err_sys(err, ENOMEM, "paths");
	p->bindir = fs_path_under(o->host_root, bin);
	p->record_dir = fs_path_under(o->host_root, lib);
	p->settings = fs_path_under(o->host_root, CONFIG_DEFAULT_PATH);
	if (p->bindir == NULL || p->record_dir == NULL || p->settings == NULL ||
	    asprintf(&p->binary, "%s/reaper", p->bindir) < 0 ||
	    asprintf(&p->record, "%s/install.json", p->record_dir) < 0)
		return err_sys(err, ENOMEM, "paths");
	for (size_t i = 0; i < N_LINKS; i++)
		if (asprintf(&p->links[i], "%s/%s", p->bindir, farm_links[i]) < 0)
			return err_sys(err, ENOMEM, "paths");
	return 0;
}

/* The path as the host sees it: HOST_ROOT stripped. */
static const char *on_host(const struct install_opts *o, const char *path)
{
	size_t n = strlen(o->host_root);
	while (n > 0 && o->host_root[n - 1] == '/')
		n--;
	return strncmp(path, o->host_root, n) == 0 && path[n] == '/' ? path + n : path;
}

static void say(const struct install_opts *o, const char *what, const char *path, const char *action)
{
	printf("  %-8s %s: %s%s\n", what, on_host(o, path), o->dry_run ? "would " : "", action);
}

/* ---- the record ---------------------------------------------------------------------------- */

struct record {
	char *handler;
	char *config_path; /* host path (under host root) */
	enum ctrd_placement placement;
	char *text;
	char *backup;
	char **dirs;        /* directories the install created (host root included), parents first */
	char *settings_sha; /* SHA-256 of the reaper.conf the install wrote; NULL: it wrote none */
};

static void record_clear(struct record *r)
{
	free(r->handler);
	free(r->config_path);
	free(r->text);
	free(r->backup);
	strv_free(r->dirs);
	free(r->settings_sha);
	memset(r, 0, sizeof(*r));
}

static const char *const placement_names[] = {"none", "append", "create", "dropin"};

static int placement_parse(const char *name, enum ctrd_placement *out)
{
	for (size_t i = 0; i < ARRAY_LEN(placement_names); i++)
		if (name != NULL && strcmp(name, placement_names[i]) == 0) {
			*out = (enum ctrd_placement)i;
			return 0;
		}
	return -1;
}

static char *dup_host(const struct install_opts *o, const char *host_path)
{
	return host_path ? fs_path_under(o->host_root, host_path) : NULL;
}

/* Returns 1 when a record was read, 0 when there is none. */
static int record_load(const struct install_opts *o, const char *path, struct record *r, struct error **err)
{
	memset(r, 0, sizeof(*r));
	cleanup_free char *text = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(path, READ_MAX, &text, &len, &exists, err) < 0)
		return -1;
	if (!exists)
		return 0;
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	if (doc == NULL)
		return err_new(err, ERR_INVALID, "%s: %s (line %d)", path, jerr.text, jerr.line);
	json_int_t format = 0;
	const char *handler = NULL, *config = NULL, *placement = NULL, *block = NULL, *backup = NULL;
	const char *settings_sha = NULL;
	json_t *dirs = NULL, *settings = NULL;
	int bad = json_unpack(doc, "{s:I, s:s, s:{s:s, s:s, s?s, s?s}, s?o, s?o}", "format", &format,
			      "handler", &handler, "config", "path", &config, "placement", &placement, "text",
			      &block, "backup", &backup, "created_dirs", &dirs, "node_config", &settings);
	if (!bad && settings != NULL)
		bad = json_unpack(settings, "{s:s}", "sha256", &settings_sha);
	if (bad || format != RECORD_FORMAT || placement_parse(placement, &r->placement) < 0 ||
	    (dirs != NULL && !json_is_array(dirs))) {
		json_decref(doc);
		return err_new(err, ERR_INVALID, "%s: not an install record this reaper understands", path);
	}
	r->handler = strdup(handler);
	r->config_path = dup_host(o, config);
	r->text = block ? strdup(block) : NULL;
	r->backup = dup_host(o, backup);
	r->settings_sha = settings_sha ? strdup(settings_sha) : NULL;
	bool oom = r->handler == NULL || r->config_path == NULL || (settings_sha && !r->settings_sha);
	for (size_t i = 0; !oom && dirs != NULL && i < json_array_size(dirs); i++) {
		const char *dir = json_string_value(json_array_get(dirs, i));
		oom = dir != NULL && strv_push(&r->dirs, dup_host(o, dir)) < 0;
	}
	json_decref(doc);
	if (oom)
		return err_sys(err, ENOMEM, "%s", path);
	return 1;
}

static int record_save(const struct install_opts *o, const struct install_paths *p, const struct record *r,
		       struct error **err)
{
	json_t *links = json_array();
	for (size_t i = 0; links != NULL && i < N_LINKS; i++)
		json_array_append_new(links, json_string(on_host(o, p->links[i])));
	json_t *config = json_pack("{s:s, s:s}", "path", on_host(o, r->config_path), "placement",
				   placement_names[r->placement]);
	if (config != NULL && r->text != NULL)
		json_object_set_new(config, "text", json_string(r->text));
	if (config != NULL && r->backup != NULL)
		json_object_set_new(config, "backup", json_string(on_host(o, r->backup)));
	json_t *dirs = json_array();
	for (size_t i = 0; dirs != NULL && i < strv_len(r->dirs); i++)
		json_array_append_new(dirs, json_string(on_host(o, r->dirs[i])));
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o}", "format", RECORD_FORMAT, "handler",
				r->handler, "binary", on_host(o, p->binary), "links", links, "config", config,
				"created_dirs", dirs);
	if (doc != NULL && r->settings_sha != NULL)
		json_object_set_new(
			doc, "node_config",
			json_pack("{s:s, s:s}", "path", on_host(o, p->settings), "sha256", r->settings_sha));
	cleanup_free char *json = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	cleanup_free char *text = NULL;
	if (json == NULL || asprintf(&text, "%s\n", json) < 0)
		return err_sys(err, ENOMEM, "install record");
	if (fs_mkdir_p(p->record_dir, 0755, err) < 0)
		return -1;
	return fs_write_durable(p->record, text, strlen(text), 0644, err);
}

/* ---- the binary and its links -------------------------------------------------------------- */

/* 1 when PATH holds exactly the bytes of the running executable, 0 when not (or absent). */
static int binary_is_current(const char *path, const char *self, size_t self_len, struct error **err)
{
	cleanup_free char *have = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(path, READ_MAX, &have, &len, &exists, err) < 0)
		return -1;
	return exists && len == self_len && memcmp(have, self, len) == 0;
}

/* 1: our link, 0: absent, -1 with an error: something else is there. */
static int link_state(const char *path, struct error **err)
{
	char target[64];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, REAPER_BINARY_NAME) == 0)
			return 1;
		return err_new(err, ERR_EXISTS, "%s is a link to '%s', not to reaper: remove it first", path,
			       target);
	}
	if (errno == ENOENT)
		return 0;
	if (errno == EINVAL)
		return err_new(err, ERR_EXISTS, "%s exists and is not a link: remove it first", path);
	return err_sys(err, errno, "readlink %s", path);
}

/* Create or replace PATH as a symlink to "reaper" atomically (link beside it, rename over). */
static int make_link(const char *path, struct error **err)
{
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.reaper-tmp", path) < 0)
		return err_sys(err, ENOMEM, "link");
	unlink(tmp);
	if (symlink(REAPER_BINARY_NAME, tmp) < 0)
		return err_sys(err, errno, "symlink %s", tmp);
	if (rename(tmp, path) < 0) {
		int saved = errno;
		unlink(tmp);
		return err_sys(err, saved, "rename %s", path);
	}
	return 0;
}

/* ---- restarting containerd ----------------------------------------------------------------- */

/* Run `systemctl restart containerd` in pid 1's mount namespace: the host's when Reaper runs in a
 * DaemonSet with hostPID (a chroot into the host root would not do: systemctl refuses to act from
 * inside a chroot), and our own when it runs on the host, where joining changes nothing. */
static int check_systemd(struct error **err)
{
	cleanup_free char *comm = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional("/proc/1/comm", READ_MAX, &comm, &len, &exists, err) < 0)
		return -1;
	if (!exists || len != 8 || strncmp(comm, "systemd\n", len) != 0)
		return err_new(
			err, ERR_UNSUPPORTED,
			"--restart systemd: pid 1 is '%.*s', not systemd (in a pod, the DaemonSet needs "
			"hostPID: true)",
			(int)(len > 0 ? len - 1 : 0), exists ? comm : "");
	return 0;
}

static int restart_containerd(struct error **err)
{
	if (check_systemd(err) < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, errno, "fork");
	if (pid == 0) {
		int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
			fprintf(stderr, "reaper install: join pid 1's mount namespace: %s\n",
				strerror(errno));
			_exit(126);
		}
		char *const argv[] = {"systemctl", "restart", "containerd", NULL};
		char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				      NULL};
		execvpe(argv[0], argv, envp);
		fprintf(stderr, "reaper install: exec systemctl: %s\n", strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(err, errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_new(err, ERR_STATE, "systemctl restart containerd failed (status %d)",
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	printf("  restarted containerd (systemctl restart containerd)\n");
	return 0;
}

/* ---- install ------------------------------------------------------------------------------- */

static int read_self(char **self, size_t *len, struct error **err)
{
	bool exists = false;
	if (fs_read_optional("/proc/self/exe", READ_MAX, self, len, &exists, err) < 0)
		return err_wrap(err, "read the running executable");
	if (!exists)
		return err_new(err, ERR_NOT_FOUND, "/proc/self/exe is missing (is /proc mounted?)");
	return 0;
}

static int file_mode(const char *path, mode_t *mode, struct error **err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_sys(err, errno, "stat %s", path);
	*mode = st.st_mode & 07777;
	return 0;
}

/* APPEND: byte-exact backup first, then the config with the block added. */
static int apply_append(const struct ctrd_plan *plan, const char *backup, struct error **err)
{
	cleanup_free char *orig = NULL;
	size_t len = 0;
	bool exists = false;
	mode_t mode = 0644;
	if (fs_read_optional(plan->path, READ_MAX, &orig, &len, &exists, err) < 0 ||
	    file_mode(plan->path, &mode, err) < 0)
		return -1;
	if (fs_write_durable(backup, orig, len, mode, err) < 0)
		return -1;
	size_t add = strlen(plan->text);
	cleanup_free char *next = malloc(len + add);
	if (next == NULL)
		return err_sys(err, ENOMEM, "config");
	memcpy(next, orig, len);
	memcpy(next + len, plan->text, add);
	return fs_write_durable(plan->path, next, len + add, mode, err);
}

static int apply_config(const struct ctrd_plan *plan, const char *backup, struct error **err)
{
	if (plan->placement == CTRD_PLACE_APPEND)
		return apply_append(plan, backup, err);
	if (fs_mkdir_parent(plan->path, 0755, err) < 0)
		return -1;
	return fs_write_durable(plan->path, plan->text, strlen(plan->text), 0644, err);
}

/* What becomes of the node's reaper.conf. */
enum settings_action {
	SETTINGS_WRITE,   /* absent: write it */
	SETTINGS_UPDATE,  /* ours and unchanged since, with other content now: replace it */
	SETTINGS_KEEP,    /* already holds what we would write */
	SETTINGS_FOREIGN, /* an operator's, or ours changed since: never touched */
};

struct install_state {
	char *self;
	size_t self_len;
	bool binary_current;
	bool link_ok[N_LINKS];
	char *settings; /* what reaper.conf should hold */
	char **settings_warnings;
	enum settings_action settings_action;
	char *settings_sha;  /* what the record says of reaper.conf after this install; NULL: not ours */
	char *foreign_error; /* SETTINGS_FOREIGN: what is wrong with the file there, if anything */
	struct ctrd_plan plan;
	char *backup;
	struct record old;
	bool have_old;
};

static void install_state_clear(struct install_state *s)
{
	free(s->self);
	free(s->settings);
	strv_free(s->settings_warnings);
	free(s->settings_sha);
	free(s->foreign_error);
	ctrd_plan_clear(&s->plan);
	free(s->backup);
	record_clear(&s->old);
}

static char *sha_of(const char *data, size_t len)
{
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	sha256_hex(data, len, hex);
	return strdup(hex);
}

/* The settings to install: --node-config's text (checked as Reaper would read it), else the
 * commented defaults; and what to do with the file on the node. */
static int settings_check(const struct install_opts *o, const struct install_paths *p,
			  struct install_state *s, struct error **err)
{
	size_t len = 0;
	if (o->node_config != NULL) {
		if (fs_read_file(o->node_config, READ_MAX, &s->settings, &len, err) < 0 ||
		    config_check_text(o->node_config, s->settings, len, &s->settings_warnings, err) < 0)
			return err_wrap(err, "--node-config");
	} else {
		s->settings = config_default_text();
		if (s->settings == NULL)
			return err_sys(err, ENOMEM, "settings");
		len = strlen(s->settings);
	}
	cleanup_free char *want_sha = sha_of(s->settings, len);
	cleanup_free char *cur = NULL;
	size_t cur_len = 0;
	bool exists = false;
	if (want_sha == NULL || fs_read_optional(p->settings, READ_MAX, &cur, &cur_len, &exists, err) < 0)
		return want_sha ? -1 : err_sys(err, ENOMEM, "settings");
	if (!exists) {
		s->settings_action = SETTINGS_WRITE;
		s->settings_sha = steal_pointer(&want_sha);
		return 0;
	}
	cleanup_free char *cur_sha = sha_of(cur, cur_len);
	bool ours = s->have_old && s->old.settings_sha != NULL && cur_sha != NULL &&
		    strcmp(s->old.settings_sha, cur_sha) == 0;
	if (cur_len == len && memcmp(cur, s->settings, len) == 0) {
		s->settings_action = SETTINGS_KEEP;
		s->settings_sha = ours ? steal_pointer(&cur_sha) : NULL;
		return 0;
	}
	if (ours) {
		s->settings_action = SETTINGS_UPDATE;
		s->settings_sha = steal_pointer(&want_sha);
		return 0;
	}
	s->settings_action = SETTINGS_FOREIGN;
	if (o->node_config != NULL)
		return err_new(
			err, ERR_EXISTS,
			"%s exists and is not the file reaper install wrote (or it changed since): it is "
			"never overwritten, so --node-config %s cannot be installed; merge the two and "
			"remove the file, or leave --node-config out",
			on_host(o, p->settings), o->node_config);
	struct error *bad = NULL;
	if (config_check_text(on_host(o, p->settings), cur, cur_len, NULL, &bad) < 0)
		s->foreign_error = strdup(err_message(bad));
	err_free(&bad);
	return 0;
}

/* Look at everything before changing anything. */
static int install_check(const struct install_opts *o, const struct install_paths *p, struct install_state *s,
			 struct error **err)
{
	int have = record_load(o, p->record, &s->old, err);
	if (have < 0)
		return -1;
	s->have_old = have == 1;
	cleanup_free char *config = fs_path_under(o->host_root, o->config);
	if (config == NULL)
		return err_sys(err, ENOMEM, "paths");
	if (s->have_old &&
	    (strcmp(s->old.handler, o->handler) != 0 || strcmp(s->old.config_path, config) != 0))
		return err_new(
			err, ERR_EXISTS,
			"already installed with handler '%s' for %s (record %s): run --uninstall first",
			s->old.handler, on_host(o, s->old.config_path), on_host(o, p->record));
	if (settings_check(o, p, s, err) < 0)
		return -1;
	if (read_self(&s->self, &s->self_len, err) < 0)
		return -1;
	int cur = binary_is_current(p->binary, s->self, s->self_len, err);
	if (cur < 0)
		return -1;
	s->binary_current = cur == 1;
	for (size_t i = 0; i < N_LINKS; i++) {
		int st = link_state(p->links[i], err);
		if (st < 0)
			return -1;
		s->link_ok[i] = st == 1;
	}
	if (ctrd_plan_make(o->host_root, o->config, o->handler, &s->plan, err) < 0)
		return -1;
	if (s->plan.placement == CTRD_PLACE_APPEND) {
		/* The edit renames a new file over the config: it would replace a symlink by a file. */
		struct stat st;
		if (lstat(s->plan.path, &st) == 0 && S_ISLNK(st.st_mode))
			return err_new(err, ERR_UNSUPPORTED,
				       "%s is a symlink: pass the file it points to with --config (a path on "
				       "the node)",
				       on_host(o, s->plan.path));
		if (asprintf(&s->backup, "%s%s", s->plan.path, BACKUP_SUFFIX) < 0)
			return err_sys(err, ENOMEM, "paths");
		if (access(s->backup, F_OK) == 0)
			return err_new(err, ERR_EXISTS,
				       "%s exists but no install record does: restore or remove it first",
				       on_host(o, s->backup));
	}
	return 0;
}

/* Append to *DIRS each missing directory on the way to PATH, parents first, no duplicates. */
static int note_missing_dirs(const char *path, char ***dirs, struct error **err)
{
	cleanup_free char *copy = strdup(path);
	if (copy == NULL)
		return err_sys(err, ENOMEM, "paths");
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		bool known = false;
		for (size_t i = 0; i < strv_len(*dirs); i++)
			known |= strcmp((*dirs)[i], copy) == 0;
		if (!known && access(copy, F_OK) < 0 && strv_push(dirs, strdup(copy)) < 0)
			return err_sys(err, ENOMEM, "paths");
		*p = saved;
		if (saved == '\0')
			return 0;
	}
}

/* The record to write: the config part is kept from an earlier install when this one adds nothing. */
static int install_record(const struct install_opts *o, const struct install_paths *p,
			  struct install_state *s, struct record *r, struct error **err)
{
	memset(r, 0, sizeof(*r));
	r->handler = strdup(o->handler);
	r->config_path = fs_path_under(o->host_root, o->config);
	if (s->plan.placement == CTRD_PLACE_NONE && s->have_old) {
		r->placement = s->old.placement;
		r->text = s->old.text ? strdup(s->old.text) : NULL;
		r->backup = s->old.backup ? strdup(s->old.backup) : NULL;
		free(r->config_path);
		r->config_path = strdup(s->old.config_path);
	} else {
		r->placement = s->plan.placement;
		r->text = s->plan.text ? strdup(s->plan.text) : NULL;
		r->backup = s->backup ? strdup(s->backup) : NULL;
		if (s->plan.placement != CTRD_PLACE_NONE) {
			free(r->config_path);
			r->config_path = strdup(s->plan.path);
		}
	}
	if (r->handler == NULL || r->config_path == NULL)
		return err_sys(err, ENOMEM, "record");
	/* Directories created by an earlier run stay ours; add those this run creates. */
	if (s->have_old) {
		r->dirs = s->old.dirs;
		s->old.dirs = NULL;
	}
	if (note_missing_dirs(p->record_dir, &r->dirs, err) < 0 ||
	    note_missing_dirs(p->bindir, &r->dirs, err) < 0)
		return -1;
	if (s->settings_sha != NULL && (r->settings_sha = strdup(s->settings_sha)) == NULL)
		return err_sys(err, ENOMEM, "record");
	if (s->settings_action == SETTINGS_WRITE) {
		cleanup_free char *dir = fs_dirname(p->settings);
		if (dir == NULL || note_missing_dirs(dir, &r->dirs, err) < 0)
			return dir ? -1 : err_sys(err, ENOMEM, "record");
	}
	if (s->plan.placement == CTRD_PLACE_CREATE || s->plan.placement == CTRD_PLACE_DROPIN) {
		cleanup_free char *dir = fs_dirname(s->plan.path);
		if (dir == NULL)
			return err_sys(err, ENOMEM, "record");
		if (note_missing_dirs(dir, &r->dirs, err) < 0)
			return -1;
	}
	return 0;
}

static int do_install(const struct install_opts *o, const struct install_paths *p, struct error **err)
{
	struct install_state s = {0};
	struct record rec = {0};
	int r = -1;
	if (install_check(o, p, &s, err) < 0)
		goto out;
	bool config_changes = s.plan.placement != CTRD_PLACE_NONE;
	bool settings_changes = s.settings_action == SETTINGS_WRITE || s.settings_action == SETTINGS_UPDATE;
	/* The record says whether reaper.conf is ours: rewrite it when that changed. */
	bool claim_changes = (s.settings_sha == NULL) != (s.old.settings_sha == NULL);
	bool changes =
		!s.binary_current || config_changes || settings_changes || claim_changes || !s.have_old;
	for (size_t i = 0; i < N_LINKS; i++)
		changes |= !s.link_ok[i];

	printf("reaper install: handler %s, host root %s, prefix %s\n", o->handler, o->host_root, o->prefix);
	say(o, "binary", p->binary, s.binary_current ? "unchanged" : "install a copy of this reaper");
	for (size_t i = 0; i < N_LINKS; i++)
		say(o, "link", p->links[i], s.link_ok[i] ? "unchanged (-> reaper)" : "create -> reaper");
	const char *config_action = s.plan.placement == CTRD_PLACE_APPEND ? "append the handler (backup kept)"
				    : s.plan.placement == CTRD_PLACE_CREATE ? "create with the handler"
				    : s.plan.placement == CTRD_PLACE_DROPIN
					    ? "write a drop-in with the handler"
				    : s.have_old ? "unchanged (handler declared)"
						 : "unchanged (handler already declared)";
	const char *settings_action =
		s.settings_action == SETTINGS_WRITE ? (o->node_config ? "write the settings of --node-config"
								      : "write the defaults, commented out")
		: s.settings_action == SETTINGS_UPDATE
			? "replace (written by reaper install, unchanged since)"
		: s.settings_action == SETTINGS_KEEP
			? "unchanged"
			: "left as is (not written by reaper install, or changed since)";
	say(o, "settings", p->settings, settings_action);
	for (size_t i = 0; s.settings_warnings != NULL && s.settings_warnings[i] != NULL; i++)
		printf("           warning: %s\n", s.settings_warnings[i]);
	if (s.foreign_error != NULL)
		printf("           warning: %s (Reaper refuses workloads until it is fixed)\n",
		       s.foreign_error);
	say(o, "config", s.plan.path, config_action);
	printf("           why: %s\n", s.plan.reason);
	if (config_changes)
		printf("--- %s %s\n%s---\n",
		       s.plan.placement == CTRD_PLACE_APPEND ? "appended to" : "content of",
		       on_host(o, s.plan.path), s.plan.text);
	if (!changes) {
		printf("nothing to do: already installed\n");
		r = 0;
		goto out;
	}
	if (o->dry_run) {
		printf("dry run: nothing changed\n");
		r = 0;
		goto out;
	}
	/* The record first: should a later step fail, --uninstall still knows what may be there. */
	if (install_record(o, p, &s, &rec, err) < 0 || record_save(o, p, &rec, err) < 0)
		goto out;
	if (!s.binary_current) {
		if (fs_mkdir_p(p->bindir, 0755, err) < 0 ||
		    fs_write_durable(p->binary, s.self, s.self_len, 0755, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < N_LINKS; i++)
		if (!s.link_ok[i] && make_link(p->links[i], err) < 0)
			goto out;
	/* The settings before the handler: the first shim finds them there. */
	if (settings_changes &&
	    (fs_mkdir_parent(p->settings, 0755, err) < 0 ||
	     fs_write_durable(p->settings, s.settings, strlen(s.settings), 0644, err) < 0))
		goto out;
	if (config_changes && apply_config(&s.plan, s.backup, err) < 0)
		goto out;
	printf("installed\n");
	if (config_changes && o->restart == RESTART_SYSTEMD && restart_containerd(err) < 0)
		goto out;
	if (config_changes && o->restart == RESTART_NONE)
		printf("containerd reads its config at start: restart it for the handler to appear\n");
	r = 0;
out:
	record_clear(&rec);
	install_state_clear(&s);
	return r;
}

/* ---- uninstall ----------------------------------------------------------------------------- */

static bool same_file_bytes(const char *path, const char *data, size_t len)
{
	cleanup_free char *have = NULL;
	size_t n = 0;
	bool exists = false;
	struct error *ignored = NULL;
	int r = fs_read_optional(path, READ_MAX, &have, &n, &exists, &ignored);
	err_free(&ignored);
	return r == 0 && exists && n == len && memcmp(have, data, len) == 0;
}

/* Undo the config change; *changed tells whether containerd's config is different now. */
static int undo_config(const struct install_opts *o, const struct record *r, bool *changed,
		       struct error **err)
{
	*changed = false;
	const char *path = r->config_path;
	if (r->placement == CTRD_PLACE_NONE) {
		say(o, "config", path, "unchanged (reaper install did not edit it)");
		return 0;
	}
	cleanup_free char *cur = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(path, READ_MAX, &cur, &len, &exists, err) < 0)
		return -1;
	if (!exists || r->text == NULL) {
		say(o, "config", path, "already gone: nothing to undo");
		return 0;
	}
	if (r->placement != CTRD_PLACE_APPEND && strcmp(cur, r->text) == 0) {
		say(o, "config", path, "remove (written by reaper install)");
		*changed = true;
		if (!o->dry_run && unlink(path) < 0)
			return err_sys(err, errno, "unlink %s", path);
		return 0;
	}
	cleanup_free char *stripped = ctrd_config_remove_block(cur, r->text);
	if (stripped == NULL) {
		say(o, "config", path, "left as is: Reaper's block is no longer in it (warning)");
		return 0;
	}
	*changed = true;
	if (r->placement == CTRD_PLACE_APPEND && r->backup != NULL &&
	    same_file_bytes(r->backup, stripped, strlen(stripped))) {
		say(o, "config", path, "restore the backup byte for byte");
		if (!o->dry_run && rename(r->backup, path) < 0)
			return err_sys(err, errno, "restore %s from %s", path, r->backup);
		return 0;
	}
	say(o, "config", path,
	    "remove Reaper's block; the file changed since install (warning: backup kept)");
	mode_t mode = 0644;
	if (o->dry_run)
		return 0;
	if (file_mode(path, &mode, err) < 0)
		return -1;
	return fs_write_durable(path, stripped, strlen(stripped), mode, err);
}

/* Remove reaper.conf if the install wrote it and nobody changed it since. */
static int undo_settings(const struct install_opts *o, const struct install_paths *p, const struct record *r,
			 struct error **err)
{
	cleanup_free char *cur = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(p->settings, READ_MAX, &cur, &len, &exists, err) < 0)
		return -1;
	if (r->settings_sha == NULL || !exists) {
		if (exists || r->settings_sha != NULL)
			say(o, "settings", p->settings,
			    exists ? "left as is (not written by reaper install)" : "already gone");
		return 0;
	}
	cleanup_free char *sha = sha_of(cur, len);
	if (sha == NULL || strcmp(sha, r->settings_sha) != 0) {
		say(o, "settings", p->settings, "left as is: changed since reaper install wrote it");
		return 0;
	}
	say(o, "settings", p->settings, "remove (written by reaper install, unchanged)");
	if (!o->dry_run && unlink(p->settings) < 0)
		return err_sys(err, errno, "unlink %s", p->settings);
	return 0;
}

static int do_uninstall(const struct install_opts *o, const struct install_paths *p, struct error **err)
{
	struct record rec;
	int have = record_load(o, p->record, &rec, err);
	if (have < 0)
		return -1;
	if (have == 0) {
		printf("reaper uninstall: no install record at %s: nothing to do\n", on_host(o, p->record));
		return 0;
	}
	int r = -1;
	printf("reaper uninstall: handler %s, host root %s, prefix %s\n", rec.handler, o->host_root,
	       o->prefix);
	bool config_changed = false;
	if (undo_config(o, &rec, &config_changed, err) < 0 || undo_settings(o, p, &rec, err) < 0)
		goto out;
	for (size_t i = 0; i < N_LINKS; i++) {
		struct error *ignored = NULL;
		int st = link_state(p->links[i], &ignored);
		err_free(&ignored);
		say(o, "link", p->links[i], st == 1 ? "remove" : "left alone (not Reaper's link)");
		if (st == 1 && !o->dry_run && unlink(p->links[i]) < 0) {
			err_sys(err, errno, "unlink %s", p->links[i]);
			goto out;
		}
	}
	bool binary = access(p->binary, F_OK) == 0;
	say(o, "binary", p->binary, binary ? "remove" : "already gone");
	if (binary && !o->dry_run && unlink(p->binary) < 0) {
		err_sys(err, errno, "unlink %s", p->binary);
		goto out;
	}
	say(o, "record", p->record, "remove");
	if (o->dry_run) {
		printf("dry run: nothing changed\n");
		r = 0;
		goto out;
	}
	if (unlink(p->record) < 0) {
		err_sys(err, errno, "unlink %s", p->record);
		goto out;
	}
	/* Directories the install created, deepest first; one that is not empty now is not ours alone. */
	for (size_t i = strv_len(rec.dirs); i > 0; i--)
		if (rmdir(rec.dirs[i - 1]) == 0)
			say(o, "dir", rec.dirs[i - 1], "removed (created by reaper install)");
	printf("uninstalled\n");
	if (config_changed && o->restart == RESTART_SYSTEMD && restart_containerd(err) < 0)
		goto out;
	if (config_changed && o->restart == RESTART_NONE)
		printf("containerd reads its config at start: restart it for the handler to go away\n");
	r = 0;
out:
	record_clear(&rec);
	return r;
}

/* ---- command line -------------------------------------------------------------------------- */

static int parse_opts(int argc, char **argv, struct install_opts *o)
{
	*o = (struct install_opts){.host_root = "/",
				   .prefix = "/usr/local",
				   .config = "/etc/containerd/config.toml",
				   .handler = REAPER_DEFAULT_HANDLER,
				   .restart = RESTART_NONE};
	static const struct option longopts[] = {
		{"host-root", required_argument, NULL, 'r'},
		{"prefix", required_argument, NULL, 'p'},
		{"config", required_argument, NULL, 'c'},
		{"handler", required_argument, NULL, 'H'},
		{"restart", required_argument, NULL, 'R'},
		{"dry-run", no_argument, NULL, 'n'},
		{"uninstall", no_argument, NULL, 'u'},
		{"node-config", required_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->host_root = optarg;
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'H':
			o->handler = optarg;
			break;
		case 'R':
			if (strcmp(optarg, "systemd") == 0)
				o->restart = RESTART_SYSTEMD;
			else if (strcmp(optarg, "none") == 0)
				o->restart = RESTART_NONE;
			else {
				fprintf(stderr, "reaper install: --restart takes systemd or none, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'u':
			o->uninstall = true;
			break;
		case 'N':
			o->node_config = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "reaper install: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->prefix[0] != '/' || o->config[0] != '/' || o->host_root[0] != '/') {
		fprintf(stderr,
			"reaper install: --host-root, --prefix and --config must be absolute paths\n");
		return -1;
	}
	if (!ctrd_config_handler_valid(o->handler)) {
		fprintf(stderr, "reaper install: invalid --handler '%s' (letters, digits, '_', '-', '.')\n",
			o->handler);
		return -1;
	}
	return 0;
}

static int install_main(int argc, char **argv)
{
	struct install_opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_USAGE;
	struct stat st;
	if (stat(o.host_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "reaper install: host root %s is not a directory\n", o.host_root);
		return EXIT_USAGE;
	}
	cleanup_error struct error *err = NULL;
	struct install_paths p;
	int r = paths_init(&p, &o, &err);
	/* Refuse before changing anything when the restart asked for cannot happen. */
	if (r == 0 && o.restart == RESTART_SYSTEMD)
		r = check_systemd(&err);
	if (r == 0)
		r = o.uninstall ? do_uninstall(&o, &p, &err) : do_install(&o, &p, &err);
	paths_clear(&p);
	if (r < 0) {
		fflush(stdout);
		err_print(stderr, o.uninstall ? "reaper uninstall" : "reaper install", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static const char install_usage[] =
	"usage: reaper install [--host-root DIR] [--prefix /usr/local]\n"
	"                      [--config /etc/containerd/config.toml] [--handler reaper-v2]\n"
	"                      [--restart systemd|none] [--node-config FILE] [--dry-run] [--uninstall]\n"
	"\n"
	"Copies this executable to HOSTROOT/PREFIX/bin/reaper (atomically), links\n"
	"containerd-shim-reaper-v2, reaper-runtime and reaper-monitor to it, and declares the CRI\n"
	"runtime handler (runtime_type io.containerd.reaper.v2) at the config's version: 2 for\n"
	"containerd 1.6/1.7, 3 for 2.x. The entry goes into a drop-in when the config's imports cover\n"
	"a directory and containerd would merge it without losing other settings; else it is appended\n"
	"to the config, whose byte-exact backup is kept as CONFIG.reaper-backup. runc stays declared\n"
	"when declaring a runtime would drop containerd's built-in one.\n"
	"The node's settings go to HOSTROOT/etc/reaper/reaper.conf: every setting commented out with\n"
	"its default, or the file --node-config names (checked first). A reaper.conf that install did\n"
	"not write, or that changed since, is never overwritten (with --node-config that is an error).\n"
	"What was done is recorded in HOSTROOT/PREFIX/lib/reaper/install.json; --uninstall undoes it\n"
	"(the config restored byte for byte, reaper.conf removed if unchanged). A second install\n"
	"changes nothing.\n"
	"\n"
	"  --host-root DIR  the node's root filesystem (a DaemonSet mounts it, e.g. /host); default /\n"
	"  --prefix DIR     where under the host root to install (default /usr/local)\n"
	"  --config FILE    containerd's root config (default /etc/containerd/config.toml)\n"
	"  --handler NAME   the CRI runtime handler to declare (default reaper-v2)\n"
	"  --node-config FILE  the node settings (KEY=VALUE lines, docs/operations.md) to install\n"
	"  --restart MODE   systemd: when the config changed, run `systemctl restart containerd` in\n"
	"                   pid 1's mount namespace (a pod needs hostPID); none (default): leave\n"
	"                   containerd running, restart it yourself\n"
	"  --dry-run        print what would change, change nothing\n"
	"  --uninstall      undo what the recorded install did\n";

REAPER_APPLET(install, "install", install_main, "put reaper on a node and declare its containerd handler",
	      install_usage);
