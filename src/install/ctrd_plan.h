/* SPDX-License-Identifier: Apache-2.0 */
/* Where Reaper's runtime entry must go in a node's containerd configuration (the root config and
 * the files its imports name) so containerd actually sees it without losing any other setting.
 * Editing is appending one marked block or writing a drop-in file; nothing else is rewritten. */
#ifndef REAPER_CTRD_PLAN_H
#define REAPER_CTRD_PLAN_H

#include <stdbool.h>

#include "ctrd_config.h"
#include "error.h"

enum ctrd_placement {
	CTRD_PLACE_NONE,   /* the handler is already declared with Reaper's runtime type */
	CTRD_PLACE_APPEND, /* append text to the root config (keeping a byte-exact backup) */
	CTRD_PLACE_CREATE, /* the root config does not exist: create it with text */
	CTRD_PLACE_DROPIN, /* write text as a new file that the root config's imports cover */
};

struct ctrd_plan {
	enum ctrd_placement placement;
	int version;  /* of the config that will hold the entry */
	char *path;   /* file to edit or create, host root included; for NONE the declaring file */
	char *text;   /* bytes to append or write; NULL for NONE */
	char *reason; /* one sentence: why there */
};

/* Decide where HANDLER's entry goes for the config CONFIG_PATH of the node whose root filesystem is
 * HOST_ROOT ("/" on the node itself). Reads the root config and the files its imports name.
 *
 * containerd 1.x (version 2) merges an imported file by replacing each plugin's whole section, so
 * a drop-in is used only when no file configures the CRI plugin yet; otherwise the root config is
 * edited (or, when an imported file configures CRI, the function fails: that file wins and must be
 * edited by hand). containerd 2.x (version 3) merges plugin sections key by key: a drop-in is safe
 * whenever the imports cover a directory (a glob whose last part matches "reaper.toml"). */
int ctrd_plan_make(const char *host_root, const char *config_path, const char *handler,
		   struct ctrd_plan *plan, struct error **err);
void ctrd_plan_clear(struct ctrd_plan *plan);

/* The handlers declared with runtime_type io.containerd.reaper.v2 in CONFIG_PATH (under HOST_ROOT)
 * and the files it imports, with the declaring file of each (parallel NULL-terminated vectors,
 * caller frees). *exists is false when the root config is missing (then both are empty). */
int ctrd_plan_reaper_handlers(const char *host_root, const char *config_path, char ***handlers, char ***files,
			      bool *exists, struct error **err);

#endif
