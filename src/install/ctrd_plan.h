/* SPDX-License-Identifier: Apache-2.0 */
/* A node's containerd configuration as containerd loads it (the root config, then the files its
 * imports name, in order), and where Reaper's runtime entry must go in it so that containerd
 * sees it without losing any other setting. Editing is appending one marked block or writing a
 * drop-in file; nothing else is rewritten.
 *
 * Paths on the node are read under HOST_ROOT ("/" on the node itself, a canonical path) as the
 * node resolves them: a symlink inside the host root is followed inside it (fs_resolve_in_root).
 * Every file read is fingerprinted (its SHA-256, or "absent"), so that a caller about to apply a
 * plan can plan again and see whether anything changed in between (ctrd_plan_same). */
#ifndef REAPER_CTRD_PLAN_H
#define REAPER_CTRD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrd_config.h"
#include "error.h"

/* One file of the configuration, read and scanned. */
struct ctrd_file {
	char *path; /* in this process's view (host root included), symlinks resolved */
	struct ctrd_config cfg;
};

/* The configuration, in containerd's load order: files[0] is the root config. */
struct ctrd_files {
	struct ctrd_file *files;
	size_t n;
	bool root_exists; /* false: files[0] is the (absent) root config, read as empty */
	char *dropin_dir; /* a directory the imports cover with a glob matching "reaper.toml", or NULL */
	char *sources;    /* "PATH SHA256|absent\n" of every file and glob read: the fingerprint */
};

/* Load the root config CONFIG_PATH (a node path) and the files its imports name (nested imports
 * are not followed), scanning each for HANDLER (NULL: none in particular). */
int ctrd_files_load(const char *host_root, const char *config_path, const char *handler,
		    struct ctrd_files *out, struct error **err);
void ctrd_files_clear(struct ctrd_files *f);

enum ctrd_placement {
	CTRD_PLACE_NONE,   /* the handler is already declared with Reaper's runtime type */
	CTRD_PLACE_APPEND, /* append text to the root config (keeping a byte-exact backup) */
	CTRD_PLACE_CREATE, /* the root config does not exist: create it with text */
	CTRD_PLACE_DROPIN, /* write text as a new file that the root config's imports cover */
};

struct ctrd_plan {
	enum ctrd_placement placement;
	int version; /* of the config that will hold the entry */
	char *path;  /* file to edit or create, host root included; for NONE the declaring file */
	char *text;  /* bytes to append or write; NULL for NONE */
	char *base;  /* APPEND: the file's bytes the plan was made from (text goes after them) */
	size_t base_len;
	char *reason;  /* one sentence: why there */
	char *sources; /* the fingerprint of everything read (struct ctrd_files) */
};

/* Decide where HANDLER's entry goes for the config CONFIG_PATH of the node whose root filesystem is
 * HOST_ROOT.
 *
 * containerd 1.x (version 2) merges an imported file by replacing each plugin's whole section, so
 * a drop-in is used only when no file configures the CRI plugin yet; otherwise the root config is
 * edited (or, when an imported file configures CRI, the function fails: that file wins and must be
 * edited by hand; the message holds the text to add). containerd 2.x (version 3) merges plugin
 * sections key by key: a drop-in is safe whenever the imports cover a directory (a glob whose
 * last part matches "reaper.toml"). A file already at the drop-in's path that does not declare
 * the handler is not Reaper's: the plan is refused rather than overwrite it. */
int ctrd_plan_make(const char *host_root, const char *config_path, const char *handler,
		   struct ctrd_plan *plan, struct error **err);
void ctrd_plan_clear(struct ctrd_plan *plan);
/* The same plan from the same bytes of every file read. */
bool ctrd_plan_same(const struct ctrd_plan *a, const struct ctrd_plan *b);

/* What the configuration declares outside the file EXCEPT (a path as in struct ctrd_file): any
 * runtime, and runc with a runtime_type. For --uninstall: whether Reaper's runc entry is still
 * needed. */
int ctrd_plan_runtimes_elsewhere(const char *host_root, const char *config_path, const char *except,
				 bool *runtimes, bool *runc_typed, struct error **err);

#endif
