/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the stdio targets of Create and Exec (stdin, stdout, stderr), which containerd
 * passes through from whoever created the task: a path, fifo://, file:// or binary:// with a
 * %-encoded query that becomes a logger's argv. Every input must parse into a target whose path is
 * absolute and whose argv is NULL-terminated, or fail with an error naming the target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "stdio_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (text == NULL)
		return 0;
	struct error *err = NULL;
	struct stdio_target t;
	if (stdio_target_parse(text, &t, &err) == 0) {
		if (err != NULL || (t.kind != STDIO_NULL && (t.path == NULL || t.path[0] != '/')))
			abort();
		if (t.kind == STDIO_NULL && t.path != NULL)
			abort();
		if ((t.kind == STDIO_BINARY) != (t.args != NULL))
			abort();
		for (char **a = t.args; a != NULL && *a != NULL; a++)
			(void)strlen(*a);
		(void)stdio_kind_name(t.kind);
		stdio_target_free(&t);
	} else {
		if (err == NULL || strstr(err_message(err), "stdio") == NULL)
			abort();
		err_free(&err);
	}
	free(text);
	return 0;
}
