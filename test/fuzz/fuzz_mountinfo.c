/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: /proc/self/mountinfo as the overlay builder parses it. The kernel writes it,
 * but mount points are paths anyone who can mount (a privileged pod, a volume) chooses, escaped
 * octal included. Every input must parse into a table that sorts, finds and frees cleanly, or fail
 * with an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (text == NULL)
		return 0;
	struct error *err = NULL;
	struct mount_table t;
	if (mountinfo_parse(text, &t, &err) == 0) {
		if (err != NULL)
			abort();
		for (size_t i = 0; i < t.n; i++) {
			const struct mount_entry *e = &t.entries[i];
			if (e->root == NULL || e->mount_point == NULL || e->fstype == NULL ||
			    e->source == NULL || e->super_options == NULL || e->line != i)
				abort();
			if (mountinfo_find(&t, e->id) == NULL)
				abort();
		}
		mountinfo_sort_by_depth(&t);
		mountinfo_free(&t);
	} else {
		if (err == NULL || err_message(err)[0] == '\0')
			abort();
		err_free(&err);
	}
	free(text);
	return 0;
}
