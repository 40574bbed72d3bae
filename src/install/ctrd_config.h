/* SPDX-License-Identifier: Apache-2.0 */
/* One containerd config file ("ctrd" is containerd) as `reaper install` and `reaper doctor` need
 * it: its version, its imports, whether the CRI plugin and a runtime handler are declared (read with
 * the TOML scanner, toml.h), and the marked block that declares Reaper's handler. Where that block
 * goes is ctrd_plan.h's business. */
#ifndef REAPER_CTRD_CONFIG_H
#define REAPER_CTRD_CONFIG_H

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
	bool empty;                 /* no key and no table at all (comments and blank lines only) */
	int version;                /* top-level `version`; 1 when absent, as containerd reads it */
	bool has_version;           /* `version` is set in the file */
	char **imports;             /* top-level `imports` entries as written; NULL-terminated, never NULL */
	bool has_cri;               /* any key or table of the CRI plugin (for this version's plugin name) */
	bool has_runtimes;          /* any CRI containerd.runtimes.<name> entry */
	bool runtimes_inline;       /* runtimes given as an inline table (cannot be extended by a table) */
	bool has_handler;           /* an entry for the handler asked about */
	char *handler_type;         /* its runtime_type, NULL when not set */
	char **handler_annotations; /* its pod_annotations patterns; NULL-terminated, never NULL */
	char **reaper_handlers;     /* every runtime whose runtime_type is Reaper's; NULL-terminated */
	char **runtimes;            /* every runtime the CRI plugin's containerd.runtimes names */
	char **typed_runtimes;      /* those of them with a runtime_type */
	char *default_runtime;      /* containerd.default_runtime_name, NULL when not set */
};

/* Scan TEXT (NUL-terminated; LEN bytes, a NUL inside is an error) for HANDLER's entry. A file
 * without `version` is read as DEFAULT_VERSION: 1 for a root config, as containerd reads it; an
 * imported file follows its root's. */
int ctrd_config_parse(const char *text, size_t len, const char *handler, int default_version,
		      struct ctrd_config *out, struct error **err);
void ctrd_config_clear(struct ctrd_config *c);

/* The CRI plugin that owns `containerd.runtimes` for a config version: version 2 (containerd 1.6,
 * 1.7) "io.containerd.grpc.v1.cri", version 3 (2.x) "io.containerd.cri.v1.runtime"; NULL else. */
const char *ctrd_config_cri_plugin(int version);

/* A handler name containerd and TOML both accept: [A-Za-z0-9_.-], 1..64 bytes. */
bool ctrd_config_handler_valid(const char *handler);

/* True when the config names RUNTIME among its runtimes / gives it a runtime_type. */
bool ctrd_config_declares(const struct ctrd_config *c, const char *runtime);
bool ctrd_config_types(const struct ctrd_config *c, const char *runtime);

/* The annotation patterns Reaper's entry passes on: the pod annotations Reaper honours. */
#define REAPER_POD_ANNOTATIONS "reaper.runtime/*"
/* Whether the handler's pod_annotations let containerd pass the pod annotation KEY to Reaper
 * (containerd matches each pattern as a path glob: '*' stops at '/'). */
bool ctrd_config_passes_annotation(const struct ctrd_config *c, const char *key);

/* The TOML that declares HANDLER (runtime_type io.containerd.reaper.v2, and the other keys of
 * Reaper's runtime entry), preceded by `version = VERSION` when WITH_VERSION (a file of its own, or
 * one that sets nothing yet) and by a runc entry when WITH_RUNC: declaring any runtime replaces
 * containerd's built-in list, whose default runc would otherwise vanish and take the CRI plugin
 * down with it. What an operator adds by hand. NULL on allocation failure or a bad argument. */
char *ctrd_config_runtime_entry(int version, const char *handler, bool with_runc, bool with_version);
/* The same between the marker lines CTRD_BLOCK_BEGIN and CTRD_BLOCK_END: what `reaper install`
 * writes, and its --uninstall removes (ctrd_block.h). */
char *ctrd_config_runtime_block(int version, const char *handler, bool with_runc, bool with_version);

#endif
