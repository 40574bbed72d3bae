/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: `reaper install` reads containerd's config.toml, and the files it imports, as
 * root and edits them. Every input must scan into a config that clears cleanly or fail with an
 * error that names a line, never crash or leak. --uninstall takes Reaper's block out of whatever
 * the file holds then: with the block appended to the input, it is found and taken out, and the
 * input alone comes back when nothing of Reaper's had to stay. */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "ctrd_block.h"
#include "ctrd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (text == NULL)
		return 0;
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
	/* As install appends it: a separator, then the block. */
	size_t len = strlen(text);
	const char *sep = len == 0 ? "" : text[len - 1] == '\n' ? "\n" : "\n\n";
	char *block = ctrd_config_runtime_block(2, "reaper-v2", true, false);
	char *recorded = NULL, *file = NULL;
	if (block != NULL && asprintf(&recorded, "%s%s", sep, block) >= 0 &&
	    asprintf(&file, "%s%s", text, recorded) >= 0) {
		struct ctrd_unblock u;
		if (ctrd_block_remove(file, recorded, 2, false, false, &u, NULL) == 0) {
			if (!u.found || u.text == NULL || u.notes == NULL)
				abort();
			if (u.intact && u.notes[0] == NULL && strcmp(u.text, text) != 0)
				abort();
			ctrd_unblock_clear(&u);
		}
		if (ctrd_block_remove(text, recorded, 2, true, false, &u, NULL) == 0)
			ctrd_unblock_clear(&u);
	}
	free(recorded);
	free(file);
	free(block);
	free(text);
	return 0;
}
