/* NULL-terminated string vectors (argv, env, lists of paths) that own their strings. */
#ifndef REAPER_STRV_H
#define REAPER_STRV_H

#include <stddef.h>

size_t strv_len(char *const *v);
/* Append s (owned from now on; freed on failure, and a NULL s fails). Returns -1 on failure. */
int strv_push(char ***v, char *s);
void strv_free(char **v);

#endif
