/* The OCI runtime spec (config.json) as Reaper uses it: a typed, validated view. Namespaces,
 * cgroups (linux.resources) and root are read by no one: Reaper runs on the host on purpose. */
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
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
};

struct spec_rlimit {
	int resource; /* RLIMIT_* */
	rlim_t soft;
	rlim_t hard;
};

/* Capability sets as bit masks (bit n = capability number n). */
struct spec_capabilities {
	bool present; /* process.capabilities was given */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct spec_process {
	bool terminal;
	unsigned console_height, console_width; /* 0 when not given */
	char **args;                            /* NULL-terminated, at least one element */
	char **env;                             /* NULL-terminated, may be empty */
	char *cwd;                              /* absolute */
	struct spec_user user;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	struct spec_capabilities capabilities;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
};

struct spec_mount {
	char *destination;         /* absolute */
	char *type;                /* may be NULL */
	char *source;              /* may be NULL */
	char **options;            /* NULL-terminated, may be empty */
	unsigned long flags;       /* MS_* from options (MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC), or 0 */
	char *data;                /* options that are not flags, comma-joined (e.g. "size=64m"), or NULL */
	bool bind;                 /* type "bind" or option bind/rbind */
};

struct spec {
	char *oci_version;
	char *hostname; /* may be NULL */
	struct spec_process process;
	struct spec_mount *mounts;
	size_t n_mounts;
	json_t *annotations; /* object (possibly empty), owned */
};

/* Parse and validate bundle/config.json. Errors name the bad field, e.g.
 * "config.json: process.args: must be a non-empty array of strings". */
int spec_load(const char *bundle, struct spec *out, struct error **err);
/* Parse a whole config.json document from memory. */
int spec_parse(const char *json, size_t len, struct spec *out, struct error **err);
/* Parse a bare process object (the exec Process JSON of the shim and of `runtime exec --process`). */
int spec_parse_process(const char *json, size_t len, struct spec_process *out, struct error **err);
void spec_free(struct spec *spec);
void spec_process_free(struct spec_process *process);

/* The value of an annotation, or NULL. */
const char *spec_annotation(const struct spec *spec, const char *key);

#endif
