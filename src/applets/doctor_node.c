/* SPDX-License-Identifier: Apache-2.0 */
/* The doctor's checklist lines and the node's paths under the host root, for every check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "fsutil.h"

void report(struct doctor *d, enum verdict v, const char *fmt, ...)
{
	static const char *const tags[] = {"ok", "warn", "FAIL"};
	printf("  %-5s ", tags[v]);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	d->failures += v == FAIL;
	d->warnings += v == WARN;
}

char *doctor_on_node(const struct doctor *d, const char *path)
{
	char *out = NULL;
	if (fs_resolve_in_root(d->host_root, path, &out, NULL) < 0)
		return fs_path_under(d->host_root, path);
	return out;
}

const char *doctor_node_path(const struct doctor *d, const char *path)
{
	size_t n = strlen(d->host_root);
	if (strcmp(d->host_root, "/") == 0)
		return path;
	if (strncmp(path, d->host_root, n) != 0)
		return path;
	return path[n] == '/' ? path + n : path[n] == '\0' ? "/" : path;
}
