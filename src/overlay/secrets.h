/* SPDX-License-Identifier: Apache-2.0 */
/* Host files that hold secrets (password hashes, SSH keys, the node's own credentials, other pods'
 * files) read as empty in every container of the node, privileged ones too, unless the node's
 * settings say otherwise (REAPER_FILTER_ENABLED, _PATHS, _MODE, _ALLOWLIST: config.h builds the
 * list). Globs are expanded when the namespace is built; paths that do not exist are skipped. A file is
 * covered by a read-only empty file, a directory by an empty read-only tmpfs. Reaper's own state and overlay
 * base are hidden always. */
#ifndef REAPER_SECRETS_H
#define REAPER_SECRETS_H

#include "error.h"

/* In the builder, before pivot_root: hide the secrets, the state root and the overlay base under
 * merged; the empty file hidden files show lives in dir (the group's). */
int secrets_hide(const char *merged, const char *state_root, const char *base, const char *dir,
		 struct error **err);

#endif
