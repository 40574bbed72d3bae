/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper install --uninstall`: undo exactly what the install record says was done, and nothing
 * else. In containerd's config only the lines between Reaper's markers go, never a line an
 * operator added since (ctrd_block.h); the config is restored byte for byte from the backup when
 * what is left is the backup. Refused while Reaper containers or processes are alive on the node
 * (--force to insist): their shims and monitors run from the binary it removes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alive.h"
#include "cleanup.h"
#include "config.h"
#include "ctrd_block.h"
#include "fsutil.h"
#include "install_node.h"
#include "state.h"
#include "strv.h"

/* The node's state root as this process reaches it: the setting in the node's reaper.conf. */
static char *node_state_root(const struct install_opts *o, const struct install_paths *p)
{
	cleanup_error struct error *ignored = NULL;
	if (access(p->settings, F_OK) == 0)
		config_load_file(p->settings, &ignored);
	return fs_path_under(o->host_root, state_root());
}

static int check_alive(const struct install_opts *o, const struct install_paths *p, const struct record *rec,
		       struct error **err)
{
	cleanup_free char *root = node_state_root(o, p);
	if (root == NULL)
		return err_sys(err, ENOMEM, "paths");
	struct reaper_alive alive;
	if (reaper_alive_scan(root, rec->binary, on_host(o, rec->binary), &alive, err) < 0)
		return err_wrap(err, "look for Reaper containers on the node");
	size_t nc = strv_len(alive.containers), np = strv_len(alive.processes);
	for (size_t i = 0; i < nc; i++)
		printf("  alive    container %s\n", alive.containers[i]);
	for (size_t i = 0; i < np; i++)
		printf("  alive    process %s\n", alive.processes[i]);
	reaper_alive_clear(&alive);
	if (nc + np == 0)
		return 0;
	if (o->force) {
		printf("  --force: uninstalling all the same; those containers can no longer be stopped "
		       "cleanly "
		       "by containerd\n");
		return 0;
	}
	return err_new(
		err, ERR_STATE,
		"%zu Reaper container%s and %zu Reaper process%s alive on this node (%s): uninstalling "
		"would take their shim from under them. Drain the node of Reaper pods (kubectl drain, "
		"or delete the pods whose runtimeClassName is %s) and run again, or add --force",
		nc, nc == 1 ? "" : "s", np, np == 1 ? "" : "es", on_host(o, root), rec->handler);
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
	if (fs_read_optional(path, INSTALL_READ_MAX, &cur, &len, &exists, err) < 0)
		return -1;
	if (!exists || r->text == NULL) {
		say(o, "config", path, "already gone: nothing to undo");
		return 0;
	}
	bool runtimes = false, runc_typed = false;
	struct error *ignored = NULL;
	if (ctrd_plan_runtimes_elsewhere(o->host_root, r->config_root, path, &runtimes, &runc_typed,
					 &ignored) < 0)
		err_free(&ignored); /* an unreadable import: judge by this file alone */
	struct ctrd_unblock u;
	if (ctrd_block_remove(cur, r->text, r->config_version, runtimes, runc_typed, &u, err) < 0)
		return err_wrap(err, "%s", path);
	int rc = -1;
	if (!u.found) {
		say(o, "config", path, "left as is: Reaper's marked block is no longer in it");
		rc = 0;
		goto out;
	}
	*changed = true;
	bool created = r->placement == CTRD_PLACE_CREATE || r->placement == CTRD_PLACE_DROPIN;
	bool blank = u.text[strspn(u.text, " \t\r\n")] == '\0';
	bool restore = r->placement == CTRD_PLACE_APPEND && r->backup != NULL &&
		       same_file_bytes(r->backup, u.text, strlen(u.text));
	const char *action = created && blank ? "remove (written by reaper install)"
			     : restore ? "remove Reaper's block: the backup is what is left, restore it"
			     : created ? "remove Reaper's lines; keep the file (it holds lines added since)"
				       : "remove Reaper's lines; keep the rest as it is now";
	say(o, "config", path, action);
	if (!u.intact)
		printf("           lines were added between the markers since install: they stay\n");
	for (size_t i = 0; u.notes[i] != NULL; i++)
		printf("           %s\n", u.notes[i]);
	bool drop_backup = r->placement == CTRD_PLACE_APPEND && r->backup != NULL && !restore &&
			   access(r->backup, F_OK) == 0;
	if (drop_backup)
		say(o, "backup", r->backup,
		    "remove: the config changed since install, the copy no longer describes it (the config "
		    "keeps those changes)");
	if (o->dry_run) {
		rc = 0;
		goto out;
	}
	/* The file must still be the one the removal was worked out from. */
	if (!same_file_bytes(path, cur, len)) {
		err_new(err, ERR_STATE, "%s changed while reaper install was working: run --uninstall again",
			on_host(o, path));
		goto out;
	}
	mode_t mode = 0644;
	struct stat st;
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (created && blank) {
		if (unlink(path) < 0) {
			err_sys(err, errno, "unlink %s", path);
			goto out;
		}
	} else if (restore) {
		if (rename(r->backup, path) < 0) {
			err_sys(err, errno, "restore %s from %s", path, r->backup);
			goto out;
		}
	} else if (fs_write_durable(path, u.text, strlen(u.text), mode, err) < 0) {
		goto out;
	}
	if (drop_backup && unlink(r->backup) < 0) {
		err_sys(err, errno, "unlink %s", r->backup);
		goto out;
	}
	rc = 0;
out:
	ctrd_unblock_clear(&u);
	return rc;
}

/* Remove reaper.conf if the install wrote it and nobody changed it since. */
static int undo_settings(const struct install_opts *o, const struct install_paths *p, const struct record *r,
			 struct error **err)
{
	cleanup_free char *cur = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(p->settings, INSTALL_READ_MAX, &cur, &len, &exists, err) < 0)
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

static int remove_files(const struct install_opts *o, const struct install_paths *p, const struct record *rec,
			struct error **err)
{
	for (size_t i = 0; i < INSTALL_N_LINKS; i++) {
		struct error *ignored = NULL;
		int st = link_state(rec->links[i], &ignored);
		err_free(&ignored);
		say(o, "link", rec->links[i],
		    st == 1   ? "remove"
		    : st == 0 ? "already gone"
			      : "left alone (not Reaper's link)");
		if (st == 1 && !o->dry_run && unlink(rec->links[i]) < 0)
			return err_sys(err, errno, "unlink %s", rec->links[i]);
	}
	bool binary = access(rec->binary, F_OK) == 0;
	say(o, "binary", rec->binary, binary ? "remove" : "already gone");
	if (binary && !o->dry_run && unlink(rec->binary) < 0)
		return err_sys(err, errno, "unlink %s", rec->binary);
	const char *record = rec->legacy ? p->legacy_record : p->record;
	say(o, "record", record, "remove");
	if (o->dry_run)
		return 0;
	if (unlink(record) < 0)
		return err_sys(err, errno, "unlink %s", record);
	/* Directories the install created, deepest first; one that is not empty now is not ours alone. */
	for (size_t i = strv_len(rec->dirs); i > 0; i--)
		if (rmdir(rec->dirs[i - 1]) == 0)
			say(o, "dir", rec->dirs[i - 1], "removed (created by reaper install)");
	return 0;
}

int do_uninstall(const struct install_opts *o, const struct install_paths *p, struct error **err)
{
	cleanup_close int lock = -1;
	if (install_lock(o, !o->dry_run, &lock, err) < 0)
		return -1;
	struct record rec;
	int have = record_load(o, p, &rec, err);
	if (have < 0)
		return -1;
	if (have == 0) {
		printf(INSTALL_NAME " --uninstall: no install record at %s: nothing to do\n",
		       on_host(o, p->record));
		return 0;
	}
	int r = -1;
	printf(INSTALL_NAME " --uninstall: handler %s, host root %s, prefix %s, reaper %s\n", rec.handler,
	       o->host_root, rec.prefix, rec.reaper_version ? rec.reaper_version : "(an earlier version)");
	bool config_changed = false;
	if (check_alive(o, p, &rec, err) < 0 || undo_config(o, &rec, &config_changed, err) < 0 ||
	    undo_settings(o, p, &rec, err) < 0 || remove_files(o, p, &rec, err) < 0)
		goto out;
	if (o->dry_run) {
		printf("dry run: nothing changed\n");
		r = 0;
		goto out;
	}
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
