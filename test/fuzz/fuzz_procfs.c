/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: /proc/<pid>/stat as Reaper parses it to tell processes apart (start time),
 * build the process tree (ppid, session) and report usage. The comm field is the workload's own
 * choice (prctl PR_SET_NAME): up to 15 bytes of anything, spaces and parentheses included. Every
 * input must parse or be refused, never read past the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (text == NULL)
		return 0;
	struct proc_stat st;
	if (procfs_parse_stat(text, &st) == 0 && strrchr(text, ')') == NULL)
		abort(); /* the comm field ends at the last ')' */
	free(text);
	return 0;
}
