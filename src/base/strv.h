/* SPDX-License-Identifier: Apache-2.0 */
/* NULL-terminated string vectors (argv, env, lists of paths) that own their strings. */
#ifndef REAPER_STRV_H
#define REAPER_STRV_H

#include <stddef.h>

/* An empty vector; NULL when out of memory. */
char **strv_new(void);
size_t strv_len(char *const *v);
/* Append s (owned from now on; freed on failure, and a NULL s fails). Returns -1 on failure. */
int strv_push(char ***v, char *s);
void strv_free(char **v);

#endif
