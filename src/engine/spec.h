/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI runtime spec (config.json) as Reaper uses it: a typed, validated view. Namespaces and
 * cgroups (linux.resources) are read by no one: Reaper runs on the host on purpose. root.path is
 * only reported; root.readonly and linux's maskedPaths, readonlyPaths, rootfsPropagation and
 * devices shape the container's view of the filesystem (struct spec_view, spec_mounts.c).
 * linux.seccomp, linux.sysctl, linux.mountLabel and the process's apparmorProfile and selinuxLabel
 * are kept for create to honour or refuse (security.h, seccomp_filter.h).
 *
 * Rules (spec_parse and spec_parse_process alike):
 * - Unknown keys are ignored (hooks, windows, linux.namespaces, ...); a JSON null counts as an
 *   absent member (Go's encoding/json, which writes these documents, does the same). linux.seccomp
 *   is the exception (spec_parse_seccomp, spec_seccomp.c): a security request, so an unknown key
 *   in it is an error. Duplicate keys are rejected. Strings never contain NUL (jansson refuses
 *   \u0000).
 * - linux.seccomp is read as a null by the parse of the rest and kept as written, in place in the
 *   text (spec->seccomp): a profile is several KB of JSON that only its compiler needs (at create,
 *   and only when the node has not compiled it before), while config.json is read by create, the
 *   monitor and the shim. Its syntax is checked when it is compiled.
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
	int oom_score_adj;      /* -1000..1000 */
	char *apparmor_profile; /* may be NULL */
	char *selinux_label;    /* may be NULL */
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

/* linux.seccomp (OCI LinuxSeccomp), from spec_parse_seccomp. The closed lists (actions, operators,
 * flags) are checked here; architecture and syscall names, and what the kernel supports, when it
 * is compiled (seccomp_filter.h).
 * Refused here: listenerPath and listenerMetadata, SCMP_ACT_NOTIFY (seccomp notify),
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (meaningful only with a listener), errnoRet with an
 * action other than ERRNO and TRACE, valueTwo with an operator other than SCMP_CMP_MASKED_EQ. */
enum spec_seccomp_action {
	SPEC_SECCOMP_KILL_THREAD, /* SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD */
	SPEC_SECCOMP_KILL_PROCESS,
	SPEC_SECCOMP_TRAP,
	SPEC_SECCOMP_ERRNO, /* errno_ret: 0..4095, default EPERM */
	SPEC_SECCOMP_TRACE, /* errno_ret: 0..65535 (the tracer's message), default EPERM */
	SPEC_SECCOMP_LOG,
	SPEC_SECCOMP_ALLOW,
};

enum spec_seccomp_op {
	SPEC_SECCOMP_NE,
	SPEC_SECCOMP_LT,
	SPEC_SECCOMP_LE,
	SPEC_SECCOMP_EQ,
	SPEC_SECCOMP_GE,
	SPEC_SECCOMP_GT,
	SPEC_SECCOMP_MASKED_EQ, /* (arg & value) == value_two */
};

struct spec_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	enum spec_seccomp_op op;
};

struct spec_seccomp_rule {
	char **names; /* NULL-terminated, not empty */
	enum spec_seccomp_action action;
	unsigned errno_ret;
	struct spec_seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	enum spec_seccomp_action default_action;
	unsigned default_errno_ret;
	char **architectures; /* NULL-terminated "SCMP_ARCH_*" names, may be empty */
	unsigned flags;       /* SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW */
	struct spec_seccomp_rule *rules;
	size_t n_rules;
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
	char *seccomp;       /* linux.seccomp as written: the text of a JSON object (NUL-terminated),
			      * NULL when absent; spec_parse_seccomp reads it */
	size_t seccomp_len;
	char *seccomp_buffer; /* owned; holds seccomp (config.json's text, or the object re-written) */
	json_t *sysctl;       /* linux.sysctl: object of strings, owned; NULL when absent */
	char *mount_label;    /* linux.mountLabel, may be NULL */
	bool user_namespace;  /* linux.namespaces holds "user", or uid/gid mappings are given */
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
/* Parse and validate linux.seccomp (the text of spec->seccomp). Errors name the field like
 * spec_parse's: "config.json: linux.seccomp.syscalls[2].action: unknown action \"X\"". On failure
 * *out is left zeroed. */
int spec_parse_seccomp(const char *json, size_t len, struct spec_seccomp *out, struct error **err);
void spec_seccomp_free(struct spec_seccomp *seccomp);
/* The i-th name of the closed lists of linux.seccomp (for `features`); NULL past the end. */
const char *spec_seccomp_action_name(size_t i);
const char *spec_seccomp_op_name(size_t i);
const char *spec_seccomp_flag_name(size_t i);
/* The i-th mount option spec_parse understands as a flag or propagation (for `features`); NULL past
 * the end. */
const char *spec_mount_option_name(size_t i);

#endif
