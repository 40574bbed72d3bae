/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: every Reaper process reads the node's settings file, and `reaper install
 * --node-config` checks one that came from a ConfigMap. Every input must either be accepted,
 * with a vector of warnings that each name the file, or be refused with an error that names the
 * file; never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strv.h"

#define NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **warnings = NULL;
	struct error *err = NULL;
	int rc = config_check_text(NAME, (const char *)data, size, &warnings, &err);
	if (warnings == NULL)
		abort();
	for (char **w = warnings; *w != NULL; w++)
		if (strncmp(*w, NAME ":", strlen(NAME) + 1) != 0)
			abort();
	if (rc == 0 ? err != NULL : err == NULL || strncmp(err_message(err), NAME ":", strlen(NAME) + 1) != 0)
		abort();
	strv_free(warnings);
	err_free(&err);
	return 0;
}
