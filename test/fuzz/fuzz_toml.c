/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: `reaper install` reads containerd's config.toml, and the files it imports, as
 * root and edits them. Every input must scan into a config that clears cleanly or fail with an
 * error that names a line, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct error *err = NULL;
	struct ctrd_config c;
	if (ctrd_config_parse(text, size, "reaper-v2", 2, &c, &err) == 0) {
		if (err != NULL || c.imports == NULL || c.reaper_handlers == NULL)
			abort();
		if (c.has_handler && !c.has_runtimes)
			abort();
		ctrd_config_clear(&c);
	} else {
		if (err == NULL || err_message(err)[0] == '\0')
			abort();
		err_free(&err);
	}
	free(text);
	return 0;
}
