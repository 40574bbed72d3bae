/* SPDX-License-Identifier: Apache-2.0 */
/* Taking Reaper's marked block (ctrd_config_runtime_block) out of a containerd config file again:
 * exactly the lines `reaper install` wrote, never a line an operator added since, and never a line
 * of Reaper's that the operator's configuration has come to depend on. */
#ifndef REAPER_CTRD_BLOCK_H
#define REAPER_CTRD_BLOCK_H

#include <stdbool.h>

#include "error.h"

struct ctrd_unblock {
	bool found;   /* the block's first marker line is in the file */
	bool intact;  /* the marked lines are exactly those written */
	char *text;   /* the file without Reaper's lines (NULL when !found) */
	char **notes; /* what of Reaper's was kept, and why: one sentence each; NULL-terminated */
};

/* Take RECORDED (what install wrote: a separator, then the block for config VERSION) out of TEXT;
 * the separator goes too when it is still right before the block and nothing of the block stays.
 * The last occurrence of the block's first line starts it, the next end marker ends it; a block
 * whose end marker is missing counts as not found (nothing is guessed).
 *   - lines an operator added between the markers stay where they are, and so does each table of
 *     Reaper's they fall in (taking its header away would move them into another table);
 *   - Reaper's runc table stays when some runtime is declared (in this file's rest, or
 *     RUNTIMES_ELSEWHERE) but runc is not given a runtime_type anywhere else (this file's rest, or
 *     RUNC_TYPED_ELSEWHERE): that list would lose containerd's default runtime;
 *   - Reaper's `version` line stays when the rest of the file sets something but no version.
 * With nothing kept, the result is TEXT as it was before the block was appended, byte for byte. */
int ctrd_block_remove(const char *text, const char *recorded, int version, bool runtimes_elsewhere,
		      bool runc_typed_elsewhere, struct ctrd_unblock *out, struct error **err);
void ctrd_unblock_clear(struct ctrd_unblock *u);

#endif
