/* SPDX-License-Identifier: Apache-2.0 */
/* What the fuzz targets share: the input as text, and the server's frames read back. */
#ifndef REAPER_FUZZ_INPUT_H
#define REAPER_FUZZ_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The input as a NUL-terminated copy (it may hold NULs of its own); NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

#endif
