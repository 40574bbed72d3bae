/* SPDX-License-Identifier: Apache-2.0 */
/* Who the workload runs as: groups, user, capabilities, rlimits, no_new_privs, oom score, HOME. */
#ifndef REAPER_CREDENTIALS_H
#define REAPER_CREDENTIALS_H

#include "error.h"
#include "spec.h"

/* Apply everything of process but the user switch that needs root first: rlimits, oom_score_adj,
 * umask, the capability bounding set. */
int credentials_prepare(const struct spec_process *process, struct error **err);
/* Switch to the user and groups, then set the capability sets and no_new_privs. */
int credentials_apply(const struct spec_process *process, struct error **err);
/* The home directory of uid from /etc/passwd, or "/" (static binaries cannot use NSS). */
char *credentials_home(uid_t uid);

#endif
