/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI runtime spec (config.json) as Reaper uses it: a typed, validated view. Namespaces and
 * cgroups (linux.resources) are read by no one: Reaper runs on the host on purpose. root.path is
 * only reported; root.readonly and linux's maskedPaths, readonlyPaths, rootfsPropagation and
 * devices shape the container's view of the filesystem (struct spec_view, spec_mounts.c).
 *
 * Rules (spec_parse and spec_parse_process alike):
 * - Unknown keys are ignored (hooks, windows, process.apparmorProfile, ...); a JSON null
 *   counts as an absent member (Go's encoding/json, which writes these documents, does the same).
 *   Duplicate keys are rejected. Strings never contain NUL (jansson refuses \u0000).
 * - Every error is ERR_INVALID "<doc>: <field>: <problem>", doc being "config.json" (spec_parse,
 *   spec_load) or "process" (spec_parse_process), e.g.
 *   "config.json: mounts[2].destination: must be an absolute path".
 * - Integers must be JSON integers (1.0 is refused) within their type's range. jansson holds
 *   integers as int64, so a literal above INT64_MAX (e.g. 18446744073709551615 for an unlimited
 *   rlimit) fails the whole document with jansson's "too big integer" message.
 * - Defaults where the OCI spec requires a field but runc tolerates its absence: a missing
 *   process.cwd is "/", a missing process.user (or user.uid/user.gid) is 0. */
#ifndef REAPER_SPEC_H
#define REAPER_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

struct spec_user {
	uid_t uid; /* 0..4294967294 ((uid_t)-1 is refused) */
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask; /* 0..0777 */
};

struct spec_rlimit {
	int resource; /* RLIMIT_*, each at most once */
	rlim_t soft;  /* required, <= hard */
	rlim_t hard;  /* required */
};

/* Capability sets as bit masks (bit n = capability number n). Names are the exact upper-case
 * "CAP_XXX" of linux/capability.h up to CAP_CHECKPOINT_RESTORE; an unknown name is an error. */
struct spec_capabilities {
	bool present; /* process.capabilities was given */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct spec_process {
	bool terminal;
	unsigned console_height, console_width; /* 0 when not given */
	char **args;                            /* NULL-terminated, at least one element */
	char **env;                             /* NULL-terminated, may be empty */
	char *cwd;                              /* absolute; "/" when absent */
	struct spec_user user;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	struct spec_capabilities capabilities;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj; /* -1000..1000 */
};

/* Mount options: ro/rw, nosuid/suid, nodev/dev, noexec/exec, sync/async, dirsync, remount,
 * mand/nomand, atime/noatime, diratime/nodiratime, relatime/norelatime, strictatime/nostrictatime,
 * nosymfollow/symfollow, bind, rbind (MS_BIND|MS_REC) set or clear flags in order (the last one
 * wins): on a bind mount they apply to its top mount only. Their recursive forms (runc's rro, rrw,
 * rnosuid, rsuid, rnodev, rdev, rnoexec, rexec, rnoatime, ratime, rnodiratime, rdiratime,
 * rrelatime, rnorelatime, rstrictatime, rnostrictatime, rnosymfollow, rsymfollow) set or clear
 * MOUNT_ATTR_* bits for the whole tree. [r]private, [r]slave, [r]shared, [r]unbindable set
 * `propagation` (the last one wins); "defaults" does nothing (as in runc); idmap and ridmap are
 * refused (no user namespaces); anything else ("size=64m", "mode=755") is passed on in `data`. */
struct spec_mount {
	char *destination;         /* absolute */
	char *type;                /* may be NULL */
	char *source;              /* may be NULL */
	char **options;            /* NULL-terminated, may be empty */
	unsigned long flags;       /* MS_* from options (MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ...) */
	uint64_t rec_attr_set;     /* MOUNT_ATTR_* set on the whole tree (rro, rnosuid, ...) */
	uint64_t rec_attr_clr;     /* MOUNT_ATTR_* cleared on the whole tree (rrw, rsuid, ...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC), or 0 */
	char *data;                /* options that are not flags, comma-joined (e.g. "size=64m"), or NULL */
	bool bind;                 /* type "bind" or option bind/rbind; MS_BIND is then set in flags */
};

/* A device node of linux.devices, made in the container's /dev. */
struct spec_device {
	char *path; /* absolute, under /dev */
	char type;  /* 'c' (or 'u'), 'b', 'p' */
	uint32_t major, minor;
	mode_t mode; /* permission bits of fileMode; 0666 when absent, as runc */
	uid_t uid;
	gid_t gid;
};

/* What linux.* and root.* say about the container's view of the filesystem. */
struct spec_view {
	bool readonly_root;             /* root.readonly */
	char **masked_paths;            /* linux.maskedPaths: NULL-terminated, never NULL */
	char **readonly_paths;          /* linux.readonlyPaths: NULL-terminated, never NULL */
	unsigned long root_propagation; /* linux.rootfsPropagation as MS_* (| MS_REC), or 0 */
	struct spec_device *devices;    /* linux.devices */
	size_t n_devices;
};

struct spec {
	char *oci_version;
	char *hostname;  /* may be NULL */
	char *root_path; /* root.path as given, may be NULL: reported by `state`, never used */
	struct spec_process process;
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_view view;
	json_t *annotations; /* object (possibly empty), owned */
};

/* The largest config.json (or process JSON) accepted: a bigger document is an error. */
#define SPEC_MAX_SIZE (4 << 20)
/* The highest capability number known (CAP_CHECKPOINT_RESTORE). */
#define SPEC_CAP_LAST 40

/* Parse and validate bundle/config.json. Errors name the bad field, e.g.
 * "config.json: process.args: must be a non-empty array of strings"; a missing file gives
 * "<bundle>/config.json: No such file or directory"; bad JSON gives jansson's line and column.
 * ociVersion must be 1.x; process is required. On failure *out is left zeroed (spec_free-safe). */
int spec_load(const char *bundle, struct spec *out, struct error **err);
/* bundle/config.json as a JSON document, read with the same bounds and checks (caller decrefs);
 * for callers that need a part of it as it is, such as the process an exec starts from. */
json_t *spec_load_json(const char *bundle, struct error **err);
/* Parse a whole config.json document from memory. */
int spec_parse(const char *json, size_t len, struct spec *out, struct error **err);
/* Parse a bare process object (the exec Process JSON of the shim and of `runtime exec --process`). */
int spec_parse_process(const char *json, size_t len, struct spec_process *out, struct error **err);
void spec_free(struct spec *spec);
void spec_process_free(struct spec_process *process);

/* The value of an annotation, or NULL. */
const char *spec_annotation(const struct spec *spec, const char *key);

/* "CAP_SYS_ADMIN" -> 21; -1 for an unknown name (exact, upper case, as the OCI spec writes them). */
int spec_capability_number(const char *name);
/* 21 -> "CAP_SYS_ADMIN"; NULL outside 0..SPEC_CAP_LAST. */
const char *spec_capability_name(int cap);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 for an unknown name. */
int spec_rlimit_resource(const char *name);
/* The i-th mount option spec_parse understands as a flag or propagation (for `features`); NULL past
 * the end. */
const char *spec_mount_option_name(size_t i);

#endif
