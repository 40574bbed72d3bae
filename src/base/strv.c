/* SPDX-License-Identifier: Apache-2.0 */
#include "strv.h"

#include <stdlib.h>

char **strv_new(void)
{
	return calloc(1, sizeof(char *));
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

int strv_push(char ***v, char *s)
{
	size_t n = strv_len(*v);
	char **grown = s ? realloc(*v, (n + 2) * sizeof(char *)) : NULL;
	if (grown == NULL) {
		free(s);
		return -1;
	}
	grown[n] = s;
	grown[n + 1] = NULL;
	*v = grown;
	return 0;
}

void strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
