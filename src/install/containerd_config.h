/* containerd's config.toml as `reaper install` and `reaper doctor` need it: the config version,
 * its imports, whether the CRI plugin and a runtime handler are declared, and where Reaper's
 * runtime entry must go so containerd actually sees it without losing any other setting.
 *
 * Not a TOML parser: a scanner that follows TOML's lexical rules (strings, arrays, inline tables,
 * comments, dotted and quoted keys) well enough to find table headers and a few keys. Editing is
 * appending one marked block or writing a drop-in file; nothing else of the file is rewritten. */
#ifndef REAPER_CONTAINERD_CONFIG_H
#define REAPER_CONTAINERD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define REAPER_RUNTIME_TYPE    "io.containerd.reaper.v2"
#define REAPER_DEFAULT_HANDLER "reaper-v2"
#define RUNC_RUNTIME_TYPE      "io.containerd.runc.v2"
/* The block `reaper install` adds starts and ends with these comment lines. */
#define CTRD_BLOCK_BEGIN "# BEGIN reaper install"
#define CTRD_BLOCK_END   "# END reaper install"

/* What one config file says. */
struct ctrd_config {
	bool empty;             /* no key and no table at all (comments and blank lines only) */
	int version;            /* top-level `version`; 1 when absent, as containerd reads it */
	char **imports;         /* top-level `imports` entries as written; NULL-terminated, never NULL */
	bool has_cri;           /* any key or table of the CRI plugin (for this version's plugin name) */
	bool has_runtimes;      /* any CRI containerd.runtimes.<name> entry */
	bool runtimes_inline;   /* runtimes given as an inline table (cannot be extended by a table) */
	bool has_handler;       /* an entry for the handler asked about */
	char *handler_type;     /* its runtime_type, NULL when not set */
	char **reaper_handlers; /* every runtime whose runtime_type is Reaper's; NULL-terminated */
};

/* Scan TEXT (NUL-terminated; LEN bytes, a NUL inside is an error) for HANDLER's entry. */
int ctrd_config_parse(const char *text, size_t len, const char *handler, struct ctrd_config *out,
		      struct error **err);
void ctrd_config_clear(struct ctrd_config *c);

/* The CRI plugin that owns `containerd.runtimes` for a config version: version 2 (containerd 1.6,
 * 1.7) "io.containerd.grpc.v1.cri", version 3 (2.x) "io.containerd.cri.v1.runtime"; NULL else. */
const char *ctrd_cri_plugin(int version);

/* A handler name containerd and TOML both accept: [A-Za-z0-9_.-], 1..64 bytes. */
bool ctrd_handler_valid(const char *handler);

/* The marked block declaring HANDLER (runtime_type io.containerd.reaper.v2), preceded by a runc
 * entry when WITH_RUNC: declaring any runtime replaces containerd's built-in list, whose default
 * runc would otherwise vanish and take the CRI plugin down with it. NULL on allocation failure. */
char *ctrd_runtime_block(int version, const char *handler, bool with_runc);

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
int ctrd_config_plan(const char *host_root, const char *config_path, const char *handler,
		     struct ctrd_plan *plan, struct error **err);
void ctrd_plan_clear(struct ctrd_plan *plan);

/* The handlers declared with runtime_type io.containerd.reaper.v2 in CONFIG_PATH (under HOST_ROOT)
 * and the files it imports, with the declaring file of each (parallel NULL-terminated vectors,
 * caller frees). *exists is false when the root config is missing (then both are empty). */
int ctrd_config_reaper_handlers(const char *host_root, const char *config_path, char ***handlers,
				char ***files, bool *exists, struct error **err);

/* Remove the last occurrence of BLOCK from TEXT: a new string, or NULL when BLOCK is absent. */
char *ctrd_remove_block(const char *text, const char *block);

/* Read a whole file (at most 16 MiB): a missing file is *exists = false and *out = NULL, not an
 * error. Writing goes through fsutil.h (fs_write_durable, fs_mkdir_p). */
int ctrd_read_file(const char *path, char **out, size_t *len, bool *exists, struct error **err);
/* HOST_ROOT + PATH without a doubled slash ("/" + "/etc" = "/etc"). Caller frees. */
char *ctrd_host_path(const char *host_root, const char *path);

#endif
