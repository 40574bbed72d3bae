/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper install`: put the running binary and its symlink farm on a node, write the node's
 * settings file (config.h) unless an operator's is there, and declare Reaper's runtime handler to
 * containerd. Idempotent: a second run changes nothing, a run after drift (a config put back, a
 * drop-in deleted) heals it. It never replaces or deletes what it did not create, and applies
 * exactly the plan it printed: it holds the node's install lock from its first read to its last
 * write and checks, right before it edits containerd's config, that the files are still those it
 * planned from. Where the handler goes is decided by ctrd_plan.c; --uninstall is uninstall.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applet.h"
#include "array.h"
#include "cleanup.h"
#include "config.h"
#include "fsutil.h"
#include "install_node.h"
#include "strv.h"

static void paths_clear(struct install_paths *p)
{
	free(p->bindir);
	free(p->binary);
	for (size_t i = 0; i < INSTALL_N_LINKS; i++)
		free(p->links[i]);
	free(p->record_dir);
	free(p->record);
	free(p->legacy_record);
	free(p->settings);
}

static int paths_init(struct install_paths *p, const struct install_opts *o, struct error **err)
{
	memset(p, 0, sizeof(*p));
	cleanup_free char *bin = NULL, *legacy = NULL;
	if (asprintf(&bin, "%s/bin", o->prefix) < 0 ||
	    asprintf(&legacy, "%s/lib/reaper/install.json", o->prefix) < 0)
		return err_sys(err, ENOMEM, "paths");
	p->bindir = fs_path_under(o->host_root, bin);
	p->record_dir = fs_path_under(o->host_root, INSTALL_RECORD_DIR);
	p->record = fs_path_under(o->host_root, INSTALL_RECORD);
	p->legacy_record = fs_path_under(o->host_root, legacy);
	p->settings = fs_path_under(o->host_root, CONFIG_DEFAULT_PATH);
	if (p->bindir == NULL || p->record_dir == NULL || p->record == NULL || p->legacy_record == NULL ||
	    p->settings == NULL || asprintf(&p->binary, "%s/reaper", p->bindir) < 0)
		return err_sys(err, ENOMEM, "paths");
	for (size_t i = 0; i < INSTALL_N_LINKS; i++)
		if (asprintf(&p->links[i], "%s/%s", p->bindir, install_links[i]) < 0)
			return err_sys(err, ENOMEM, "paths");
	return 0;
}

/* ---- the binary and its links -------------------------------------------------------------- */

/* 1 when PATH holds exactly the bytes of the running executable, 0 when not (or absent). */
static int binary_is_current(const char *path, const char *self, size_t self_len, struct error **err)
{
	cleanup_free char *have = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(path, INSTALL_READ_MAX, &have, &len, &exists, err) < 0)
		return -1;
	return exists && len == self_len && memcmp(have, self, len) == 0;
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

/* ---- what is there, and what to do --------------------------------------------------------- */

static int read_self(char **self, size_t *len, struct error **err)
{
	bool exists = false;
	if (fs_read_optional("/proc/self/exe", INSTALL_READ_MAX, self, len, &exists, err) < 0)
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

/* What becomes of the node's reaper.conf. */
enum settings_action {
	SETTINGS_WRITE,   /* absent: write it */
	SETTINGS_UPDATE,  /* ours and unchanged since, with other content now: replace it */
	SETTINGS_KEEP,    /* already holds what we would write */
	SETTINGS_FOREIGN, /* an operator's, or ours changed since: never touched */
};

/* What becomes of CONFIG.reaper-backup when the handler is appended. */
enum backup_action {
	BACKUP_WRITE,   /* none there: write it */
	BACKUP_REFRESH, /* the last install's (the record names it): replaced by the config as it is now */
	BACKUP_ASIDE,   /* not in the record and not the config's bytes: renamed aside, never deleted */
};

struct install_state {
	char *self;
	size_t self_len;
	bool binary_current;
	bool link_ok[INSTALL_N_LINKS];
	char *settings; /* what reaper.conf should hold */
	char **settings_warnings;
	enum settings_action settings_action;
	char *settings_sha;  /* what the record says of reaper.conf after this install; NULL: not ours */
	char *foreign_error; /* SETTINGS_FOREIGN: what is wrong with the file there, if anything */
	char *config;        /* --config under the host root, resolved as the node would (not a link) */
	struct ctrd_plan plan;
	char *backup;
	enum backup_action backup_action;
	char *backup_aside; /* BACKUP_ASIDE: where the stray backup goes */
	char *stale_backup; /* the last install's backup, no longer needed by this one: removed */
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
	free(s->config);
	ctrd_plan_clear(&s->plan);
	free(s->backup);
	free(s->backup_aside);
	free(s->stale_backup);
	record_clear(&s->old);
}

/* The settings to install: --node-config's text (checked as Reaper would read it), else the
 * commented defaults; and what to do with the file on the node. */
static int settings_check(const struct install_opts *o, const struct install_paths *p,
			  struct install_state *s, struct error **err)
{
	size_t len = 0;
	if (o->node_config != NULL) {
		if (fs_read_file(o->node_config, INSTALL_READ_MAX, &s->settings, &len, err) < 0 ||
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
	if (want_sha == NULL ||
	    fs_read_optional(p->settings, INSTALL_READ_MAX, &cur, &cur_len, &exists, err) < 0)
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

/* --config as the node resolves its directories; the file itself must not be a symlink: the edit
 * renames a new file over it, which would replace the link (and --uninstall would then delete the
 * only config left). */
static int config_target(const struct install_opts *o, struct install_state *s, struct error **err)
{
	cleanup_free char *node_dir = fs_dirname(o->config);
	const char *name = strrchr(o->config, '/') + 1;
	cleanup_free char *dir = NULL;
	if (node_dir == NULL)
		return err_sys(err, ENOMEM, "paths");
	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_new(err, ERR_INVALID, "--config %s does not name a file", o->config);
	if (fs_resolve_in_root(o->host_root, node_dir, &dir, err) < 0)
		return -1;
	if (asprintf(&s->config, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name) < 0)
		return err_sys(err, ENOMEM, "paths");
	struct stat st;
	if (lstat(s->config, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	char target[PATH_MAX];
	ssize_t n = readlink(s->config, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = '\0';
	cleanup_free char *resolved = NULL, *node_target = NULL;
	if (target[0] == '/')
		node_target = strdup(target);
	else if (asprintf(&node_target, "%s/%s", on_host(o, dir), target) < 0)
		node_target = NULL;
	if (node_target != NULL && fs_resolve_in_root(o->host_root, node_target, &resolved, NULL) == 0) {
		bool there = access(resolved, F_OK) == 0;
		return err_new(
			err, ERR_UNSUPPORTED,
			"%s is a symlink to %s%s: reaper install replaces a file by renaming a new one "
			"over it, which would replace the link. Run it again with --config %s (the file "
			"the link points to, as a path on the node)%s",
			o->config, target, there ? "" : ", which does not exist", on_host(o, resolved),
			there ? "" : ", or create that file first");
	}
	return err_new(err, ERR_UNSUPPORTED,
		       "%s is a symlink to %s: pass the file it points to with --config (a path on the node)",
		       o->config, target);
}

/* CONFIG.reaper-backup: ours (the record names it), the config's own bytes, or someone else's. */
static int backup_check(const struct install_opts *o, struct install_state *s, struct error **err)
{
	if (asprintf(&s->backup, "%s%s", s->plan.path, BACKUP_SUFFIX) < 0)
		return err_sys(err, ENOMEM, "paths");
	struct stat st;
	if (lstat(s->backup, &st) < 0) {
		s->backup_action = BACKUP_WRITE;
		return 0;
	}
	bool recorded = s->have_old && s->old.backup != NULL && strcmp(s->old.backup, s->backup) == 0;
	if (recorded || (S_ISREG(st.st_mode) && same_file_bytes(s->backup, s->plan.base, s->plan.base_len))) {
		s->backup_action = BACKUP_REFRESH;
		return 0;
	}
	/* Left by an install whose record is gone, or by hand: keep it, out of the way. */
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&s->backup_aside, "%s.%s", s->backup, stamp) < 0)
		return err_sys(err, ENOMEM, "paths");
	s->backup_action = BACKUP_ASIDE;
	return 0;
}

/* Look at everything before changing anything. */
static int install_check(const struct install_opts *o, const struct install_paths *p, struct install_state *s,
			 struct error **err)
{
	int have = record_load(o, p, &s->old, err);
	if (have < 0)
		return -1;
	s->have_old = have == 1;
	if (s->have_old) {
		const char *what = strcmp(s->old.handler, o->handler) != 0      ? "--handler"
				   : strcmp(s->old.config_root, o->config) != 0 ? "--config"
				   : strcmp(s->old.prefix, o->prefix) != 0      ? "--prefix"
										: NULL;
		if (what != NULL)
			return err_new(
				err, ERR_EXISTS,
				"already installed with --handler %s --config %s --prefix %s (record %s): "
				"a different %s is not an upgrade. Uninstall first (reaper install "
				"--uninstall%s%s), then install with the new values",
				s->old.handler, s->old.config_root, s->old.prefix, on_host(o, p->record),
				what, strcmp(o->host_root, "/") == 0 ? "" : " --host-root ",
				strcmp(o->host_root, "/") == 0 ? "" : o->host_root);
	}
	if (settings_check(o, p, s, err) < 0 || read_self(&s->self, &s->self_len, err) < 0)
		return -1;
	int cur = binary_is_current(p->binary, s->self, s->self_len, err);
	if (cur < 0)
		return -1;
	s->binary_current = cur == 1;
	for (size_t i = 0; i < INSTALL_N_LINKS; i++) {
		int st = link_state(p->links[i], err);
		if (st < 0)
			return -1;
		s->link_ok[i] = st == 1;
	}
	if (config_target(o, s, err) < 0 ||
	    ctrd_plan_make(o->host_root, o->config, o->handler, &s->plan, err) < 0)
		return -1;
	if (s->plan.placement == CTRD_PLACE_APPEND && backup_check(o, s, err) < 0)
		return -1;
	/* The last install's backup, when this one keeps none there. */
	if (s->have_old && s->old.backup != NULL && s->plan.placement != CTRD_PLACE_NONE &&
	    (s->backup == NULL || strcmp(s->backup, s->old.backup) != 0) &&
	    access(s->old.backup, F_OK) == 0 && (s->stale_backup = strdup(s->old.backup)) == NULL)
		return err_sys(err, ENOMEM, "paths");
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

static bool dup_into(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
	return src == NULL || *dst != NULL;
}

/* The record's config part: this run's plan, or the last install's when this one adds nothing. */
static bool record_config(struct record *r, const struct install_state *s)
{
	if (s->plan.placement == CTRD_PLACE_NONE && s->have_old) {
		r->placement = s->old.placement;
		r->config_version = s->old.config_version;
		return dup_into(&r->config_path, s->old.config_path) && dup_into(&r->text, s->old.text) &&
		       dup_into(&r->backup, s->old.backup);
	}
	r->placement = s->plan.placement;
	r->config_version = s->plan.version;
	return dup_into(&r->config_path, s->plan.path) &&
	       dup_into(&r->text, s->plan.placement != CTRD_PLACE_NONE ? s->plan.text : NULL) &&
	       dup_into(&r->backup, s->plan.placement == CTRD_PLACE_APPEND ? s->backup : NULL);
}

static int install_record(const struct install_opts *o, const struct install_paths *p,
			  struct install_state *s, struct record *r, struct error **err)
{
	memset(r, 0, sizeof(*r));
	r->reaper_version = record_this_version();
	bool ok = r->reaper_version != NULL && dup_into(&r->handler, o->handler) &&
		  dup_into(&r->prefix, o->prefix) && dup_into(&r->binary, p->binary) &&
		  dup_into(&r->config_root, o->config) && record_config(r, s);
	for (size_t i = 0; ok && i < INSTALL_N_LINKS; i++)
		ok = dup_into(&r->links[i], p->links[i]);
	if (!ok)
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

/* Right before an edit: planning again from the files as they are now must give the same plan. */
static int verify_plan(const struct install_opts *o, const struct install_state *s, struct error **err)
{
	struct ctrd_plan again;
	if (ctrd_plan_make(o->host_root, o->config, o->handler, &again, err) < 0)
		return err_wrap(err, "containerd's config changed while reaper install was working");
	bool same = ctrd_plan_same(&s->plan, &again);
	ctrd_plan_clear(&again);
	if (!same)
		return err_new(err, ERR_STATE,
			       "containerd's config changed while reaper install was working (another tool "
			       "edited %s or a file it imports): its config was left as it is now; run "
			       "reaper install again to plan from the new content",
			       on_host(o, s->plan.path));
	return 0;
}

/* The config edit, checked against the plan at the last moment: the new bytes are made first,
 * then the files are checked, then the backup and the config are renamed into place. */
static int apply_config(const struct install_opts *o, struct install_state *s, struct error **err)
{
	const struct ctrd_plan *plan = &s->plan;
	size_t add = strlen(plan->text);
	cleanup_free char *next = malloc(plan->base_len + add + 1);
	if (next == NULL)
		return err_sys(err, ENOMEM, "config");
	memcpy(next, plan->base ? plan->base : "", plan->base_len);
	memcpy(next + plan->base_len, plan->text, add);
	mode_t mode = 0644;
	if (plan->placement == CTRD_PLACE_APPEND && file_mode(plan->path, &mode, err) < 0)
		return -1;
	if (plan->placement != CTRD_PLACE_APPEND && fs_mkdir_parent(plan->path, 0755, err) < 0)
		return -1;
	if (verify_plan(o, s, err) < 0)
		return -1;
	if (plan->placement == CTRD_PLACE_APPEND) {
		if (s->backup_action == BACKUP_ASIDE && rename(s->backup, s->backup_aside) < 0)
			return err_sys(err, errno, "rename %s to %s", s->backup, s->backup_aside);
		if (fs_write_durable(s->backup, plan->base, plan->base_len, mode, err) < 0)
			return -1;
	}
	return fs_write_durable(plan->path, next, plan->base_len + add, mode, err);
}

static void print_plan(const struct install_opts *o, const struct install_paths *p,
		       const struct install_state *s)
{
	printf(INSTALL_NAME ": handler %s, host root %s, prefix %s\n", o->handler, o->host_root, o->prefix);
	cleanup_free char *mine = record_this_version();
	if (!s->binary_current && s->have_old)
		printf("  upgrade  reaper %s -> %s\n",
		       s->old.reaper_version ? s->old.reaper_version : "(an earlier version)",
		       mine ? mine : "?");
	say(o, "binary", p->binary, s->binary_current ? "unchanged" : "install a copy of this reaper");
	for (size_t i = 0; i < INSTALL_N_LINKS; i++)
		say(o, "link", p->links[i], s->link_ok[i] ? "unchanged (-> reaper)" : "create -> reaper");
	const char *settings_action =
		s->settings_action == SETTINGS_WRITE ? (o->node_config ? "write the settings of --node-config"
								       : "write the defaults, commented out")
		: s->settings_action == SETTINGS_UPDATE
			? "replace (written by reaper install, unchanged since)"
		: s->settings_action == SETTINGS_KEEP
			? "unchanged"
			: "left as is (not written by reaper install, or changed since)";
	say(o, "settings", p->settings, settings_action);
	for (size_t i = 0; s->settings_warnings != NULL && s->settings_warnings[i] != NULL; i++)
		printf("           warning: %s\n", s->settings_warnings[i]);
	if (s->foreign_error != NULL)
		printf("           warning: %s (Reaper refuses workloads until it is fixed)\n",
		       s->foreign_error);
	const struct ctrd_plan *plan = &s->plan;
	const char *config_action =
		plan->placement == CTRD_PLACE_APPEND   ? "append the handler"
		: plan->placement == CTRD_PLACE_CREATE ? "create with the handler"
		: plan->placement == CTRD_PLACE_DROPIN ? "write a drop-in with the handler"
		: s->have_old && s->old.placement != CTRD_PLACE_NONE
			? "unchanged (the handler reaper install declared is there)"
			: "unchanged (the handler is declared already, not by reaper install)";
	say(o, "config", plan->path, config_action);
	printf("           why: %s\n", plan->reason);
	if (plan->placement == CTRD_PLACE_APPEND) {
		const char *backup_action =
			s->backup_action == BACKUP_WRITE ? "write a byte-exact copy of the config as it is"
			: s->backup_action == BACKUP_REFRESH
				? "replace with the config as it is (the copy of an earlier install)"
				: "write a copy of the config as it is";
		say(o, "backup", s->backup, backup_action);
		if (s->backup_action == BACKUP_ASIDE)
			printf("           the %s there is not reaper install's (no record names it) nor the "
			       "config's bytes: it is kept, renamed %s\n",
			       on_host(o, s->backup), on_host(o, s->backup_aside));
	}
	if (s->stale_backup != NULL)
		say(o, "backup", s->stale_backup,
		    "remove (an earlier install's; the handler goes elsewhere now)");
	if (plan->placement != CTRD_PLACE_NONE)
		printf("--- %s %s (between the markers: what --uninstall removes)\n%s---\n",
		       plan->placement == CTRD_PLACE_APPEND ? "appended to" : "content of",
		       on_host(o, plan->path), plan->text);
}

int do_install(const struct install_opts *o, const struct install_paths *p, struct error **err)
{
	cleanup_close int lock = -1;
	if (install_lock(o, !o->dry_run, &lock, err) < 0)
		return -1;
	struct install_state s = {0};
	struct record rec = {0};
	cleanup_free char *mine = record_this_version();
	int r = -1;
	if (install_check(o, p, &s, err) < 0)
		goto out;
	bool config_changes = s.plan.placement != CTRD_PLACE_NONE;
	bool settings_changes = s.settings_action == SETTINGS_WRITE || s.settings_action == SETTINGS_UPDATE;
	/* The record says whether reaper.conf is ours, and which reaper is there: rewrite it when that
	 * changed, or when it is in the old place. */
	bool claim_changes = (s.settings_sha == NULL) != (s.old.settings_sha == NULL);
	bool record_changes = !s.have_old || s.old.legacy || claim_changes || s.old.reaper_version == NULL ||
			      mine == NULL || strcmp(s.old.reaper_version, mine) != 0;
	bool changes = !s.binary_current || config_changes || settings_changes || record_changes;
	for (size_t i = 0; i < INSTALL_N_LINKS; i++)
		changes |= !s.link_ok[i];

	print_plan(o, p, &s);
	if (!changes) {
		printf("nothing to do: already installed (reaper %s)\n", mine ? mine : "?");
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
	if (!s.binary_current && (fs_mkdir_p(p->bindir, 0755, err) < 0 ||
				  fs_write_durable(p->binary, s.self, s.self_len, 0755, err) < 0))
		goto out;
	for (size_t i = 0; i < INSTALL_N_LINKS; i++)
		if (!s.link_ok[i] && make_link(p->links[i], err) < 0)
			goto out;
	/* The settings before the handler: the first shim finds them there. */
	if (settings_changes &&
	    (fs_mkdir_parent(p->settings, 0755, err) < 0 ||
	     fs_write_durable(p->settings, s.settings, strlen(s.settings), 0644, err) < 0))
		goto out;
	if (config_changes && apply_config(o, &s, err) < 0) {
		/* The record must not claim an edit that did not happen. */
		s.plan.placement = CTRD_PLACE_NONE;
		if (record_config(&rec, &s))
			record_save(o, p, &rec, NULL);
		goto out;
	}
	if (s.stale_backup != NULL && unlink(s.stale_backup) < 0 && errno != ENOENT) {
		err_sys(err, errno, "unlink %s", s.stale_backup);
		goto out;
	}
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

/* ---- command line -------------------------------------------------------------------------- */

static const char install_usage[] =
	"usage: reaper install [--host-root DIR] [--prefix /usr/local]\n"
	"                      [--config /etc/containerd/config.toml] [--handler reaper-v2]\n"
	"                      [--restart systemd|none] [--node-config FILE] [--dry-run]\n"
	"       reaper install --uninstall [--host-root DIR] [--restart systemd|none] [--force] [--dry-run]\n"
	"\n"
	"Copies this executable to HOSTROOT/PREFIX/bin/reaper (atomically), links\n"
	"containerd-shim-reaper-v2, reaper-runtime and reaper-monitor to it, and declares the CRI\n"
	"runtime handler (runtime_type io.containerd.reaper.v2) at the config's version: 2 for\n"
	"containerd 1.6/1.7, 3 for 2.x. The entry goes into a drop-in when the config's imports cover\n"
	"a directory and containerd would merge it without losing other settings; else it is appended\n"
	"to the config between two marker lines, after a byte-exact copy CONFIG.reaper-backup. runc\n"
	"stays declared when declaring a runtime would drop containerd's built-in one.\n"
	"The node's settings go to HOSTROOT/etc/reaper/reaper.conf: every setting commented out with\n"
	"its default, or the file --node-config names (checked first). A reaper.conf that install did\n"
	"not write, or that changed since, is never overwritten (with --node-config that is an error).\n"
	"What was done is recorded in HOSTROOT/var/lib/reaper/install.json. A second install changes\n"
	"nothing; one after drift (a config put back, a drop-in deleted) heals it; a new binary is an\n"
	"upgrade (old -> new version printed). A different --prefix, --config or --handler is refused:\n"
	"uninstall first. A symlinked config is refused (pass the file it points to). Runs on a node\n"
	"take turns (a lock on the host root); the config is checked again right before it is edited.\n"
	"--uninstall undoes what the record says: the lines between the markers (never lines added\n"
	"since), the config restored byte for byte when nothing else changed, reaper.conf if unchanged,\n"
	"the links, the binary. It refuses while Reaper containers or processes are alive on the node.\n"
	"\n"
	"  --host-root DIR     the node's root filesystem (a DaemonSet mounts it, e.g. /host); default /\n"
	"  --prefix DIR        where under the host root to install (default /usr/local)\n"
	"  --config FILE       containerd's root config (default /etc/containerd/config.toml)\n"
	"  --handler NAME      the CRI runtime handler to declare (default reaper-v2)\n"
	"  --node-config FILE  the node settings (KEY=VALUE lines, docs/operations.md) to install\n"
	"  --restart MODE      systemd: when the config changed, run `systemctl restart containerd` in\n"
	"                      pid 1's mount namespace (a pod needs hostPID); none (default): leave\n"
	"                      containerd running, restart it yourself\n"
	"  --dry-run           print what would change, change nothing\n"
	"  --uninstall         undo what the recorded install did\n"
	"  --force             with --uninstall: even while Reaper containers are alive\n"
	"  -h, --help          this text\n";

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
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
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
			else
				return applet_usage_error(
					INSTALL_NAME, "--restart takes systemd or none, not '%s'", optarg);
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
		case 'f':
			o->force = true;
			break;
		case 'h':
			fputs(install_usage, stdout);
			return EXIT_OK;
		default:
			return applet_bad_option(INSTALL_NAME, c, argv);
		}
	}
	if (optind != argc)
		return applet_usage_error(INSTALL_NAME, "unexpected argument '%s'", argv[optind]);
	if (o->prefix[0] != '/' || o->config[0] != '/' || o->host_root[0] != '/')
		return applet_usage_error(INSTALL_NAME, "%s",
					  "--host-root, --prefix and --config must be absolute paths");
	if (!ctrd_config_handler_valid(o->handler))
		return applet_usage_error(
			INSTALL_NAME, "invalid --handler '%s' (letters, digits, '_', '-', '.')", o->handler);
	if (o->force && !o->uninstall)
		return applet_usage_error(INSTALL_NAME, "%s", "--force goes with --uninstall");
	return -1;
}

static int install_main(int argc, char **argv)
{
	struct install_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* The host root as the kernel names it: paths read back from /proc start with it. */
	char root[PATH_MAX];
	struct stat st;
	if (realpath(o.host_root, root) == NULL || stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return applet_usage_error(INSTALL_NAME, "host root %s is not a directory", o.host_root);
	o.host_root = root;
	cleanup_error struct error *err = NULL;
	struct install_paths p;
	int r = paths_init(&p, &o, &err);
	/* Refuse before changing anything when the restart asked for cannot happen. */
	if (r == 0 && o.restart == RESTART_SYSTEMD && !o.dry_run)
		r = check_systemd(&err);
	if (r == 0)
		r = o.uninstall ? do_uninstall(&o, &p, &err) : do_install(&o, &p, &err);
	paths_clear(&p);
	if (r < 0) {
		fflush(stdout);
		err_print(stderr, INSTALL_NAME, err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

REAPER_APPLET(install, "install", install_main, "put reaper on a node and declare its containerd handler",
	      install_usage);
