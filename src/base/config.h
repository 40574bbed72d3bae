/* SPDX-License-Identifier: Apache-2.0 */
/* Node settings: one table (config.c) declares every key with its default, its kind and a line
 * saying what it does. Values come from the node's file, /etc/reaper/reaper.conf ($REAPER_CONFIG
 * names another, which must then exist), and the environment overrides the file key by key.
 *
 * The file: KEY=VALUE lines; blank lines and lines starting with # are skipped; whitespace around
 * the key and the value is trimmed; a value may be quoted ("..." or '...', no escapes); in an
 * unquoted value a # after whitespace starts a comment. It must be a regular file of at most
 * 64 KiB, owned by root (or the user reading it) and writable by no one else.
 * An unknown key in the file is a warning; a bad value, a malformed line or an unreadable file
 * is an error that names the place: "/etc/reaper/reaper.conf:7: REAPER_FILTER_MODE: must be
 * append or replace, not "merge"", or "environment: KEY: ...". An empty value counts as unset
 * for a key that needs one (booleans, words, paths); for lists and log files it means none.
 *
 * Loaded once per process, on first use (config_load to see the error): a bad value keeps that
 * key at its default, so every getter always answers; whoever acts on a workload calls
 * config_load and refuses to go on when it fails. Strings handed out belong to the module and
 * live until config_reset. Reading the file is the only blocking. Single-threaded, as Reaper is. */
#ifndef REAPER_CONFIG_H
#define REAPER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define CONFIG_DEFAULT_PATH "/etc/reaper/reaper.conf"
#define CONFIG_PATH_VAR     "REAPER_CONFIG"

enum config_kind {
	CONFIG_BOOL,      /* true or false; also yes/no and 1/0 */
	CONFIG_PATH,      /* an absolute path */
	CONFIG_LOG_FILE,  /* an absolute path, or empty for none */
	CONFIG_WORD,      /* one of the key's words */
	CONFIG_PATH_LIST, /* colon-separated absolute paths or globs; empty for none */
	CONFIG_SIZE,      /* a tmpfs size: a number of bytes with k, m or g, or a percentage of RAM */
};

struct config_key {
	const char *name;
	const char *def;
	enum config_kind kind;
	const char *const *words; /* CONFIG_WORD: the values allowed, NULL-terminated */
	const char *help;         /* one line: what it does */
};

/* Every key, in the order doctor and the default file show them; *n gets how many. */
const struct config_key *config_keys(size_t *n);

/* Load the settings unless this process already has: returns the first error the load met
 * (the same one on every call). */
int config_load(struct error **err);
/* Load again, from PATH instead of $REAPER_CONFIG or the default file; a missing PATH means no
 * file. For `reaper doctor --host-root`, which reads the node's own file. */
int config_load_file(const char *path, struct error **err);
/* Forget what was loaded (tests, the fuzz target). */
void config_reset(void);

/* The effective value; NULL for a key that is not in the table. */
const char *config_get(const char *key);
/* Where it came from: "default", "environment" or "FILE:LINE". */
const char *config_source(const char *key);
/* Whether the file or the environment set it. */
bool config_is_set(const char *key);
bool config_bool(const char *key);
/* The elements of a list (empty ones skipped), a new vector; NULL when out of memory. */
char **config_list(const char *key);
/* The file the settings were read from; NULL when there was none. */
const char *config_file(void);
/* Warnings of the load (unknown keys, a key set twice), NULL-terminated; never NULL. */
char *const *config_warnings(void);

/* The sensitive files hidden by default (REAPER_FILTER_MODE=append keeps them), colon-separated. */
const char *config_filter_builtin(void);
/* What to hide: the built-in list and REAPER_FILTER_PATHS (append) or REAPER_FILTER_PATHS alone
 * (replace); empty when REAPER_FILTER_ENABLED is false. Patterns, to be matched at setup time. A
 * new vector; NULL when out of memory. */
char **config_filter_paths(void);
/* Whether REAPER_FILTER_ALLOWLIST keeps PATH visible: an entry matches it (fnmatch, a * does not
 * cross a /) or is a directory above it. */
bool config_filter_allowed(const char *path);

/* Check TEXT as if it were the file NAME, changing nothing: 0, or the first error. *warnings
 * (if not NULL) gets the warnings, a new vector. For `reaper install --node-config` and fuzzing. */
int config_check_text(const char *name, const char *text, size_t len, char ***warnings, struct error **err);
/* The file `reaper install` writes: a header, then every key commented out with its default and
 * its line of help. Caller frees; NULL when out of memory. */
char *config_default_text(void);

#endif
