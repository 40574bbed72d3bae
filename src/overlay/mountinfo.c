/* SPDX-License-Identifier: Apache-2.0 */
#include "mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"

/* The kernel escapes space, tab, newline and backslash as \ooo octal. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3') {
			out[n++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	return out;
}

/* A whole field of decimal digits. */
static int parse_id(const char *field, size_t len, int *out)
{
	long v = 0;
	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (field[i] < '0' || field[i] > '9')
			return -1;
		v = v * 10 + (field[i] - '0');
	}
	*out = (int)v;
	return 0;
}

/* One line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
static int parse_line(const char *line, struct mount_entry *e)
{
	const char *fields[5];
	size_t lens[5];
	const char *p = line;
	for (int i = 0; i < 5; i++) {
		while (*p == ' ')
			p++;
		fields[i] = p;
		lens[i] = strcspn(p, " ");
		p += lens[i];
	}
	const char *dash = strstr(p, " - ");
	if (dash == NULL || parse_id(fields[0], lens[0], &e->id) < 0 ||
	    parse_id(fields[1], lens[1], &e->parent_id) < 0 || fields[4][0] != '/')
		return -1;
	const char *fstype = dash + 3;
	size_t fstype_len = strcspn(fstype, " ");
	if (fstype_len == 0)
		return -1;
	const char *source = fstype + fstype_len + (fstype[fstype_len] == ' ');
	e->root = unescape(fields[3], lens[3]);
	e->mount_point = unescape(fields[4], lens[4]);
	e->fstype = strndup(fstype, fstype_len);
	size_t source_len = strcspn(source, " ");
	const char *super = source + source_len + (source[source_len] == ' ');
	e->source = unescape(source, source_len);
	e->super_options = unescape(super, strcspn(super, " \n"));
	return e->root && e->mount_point && e->fstype && e->source && e->super_options ? 0 : -1;
}

static void entry_free(struct mount_entry *e)
{
	free(e->root);
	free(e->mount_point);
	free(e->fstype);
	free(e->source);
	free(e->super_options);
}

int mountinfo_parse(const char *text, struct mount_table *out, struct error **err)
{
	*out = (struct mount_table){0};
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		cleanup_free char *copy = strndup(line, len);
		struct mount_entry e = {0};
		if (copy == NULL || parse_line(copy, &e) < 0) {
			entry_free(&e);
			mountinfo_free(out);
			return err_new(err, ERR_INVALID, "mountinfo: cannot parse line '%.80s'",
				       copy ? copy : "");
		}
		struct mount_entry *grown = realloc(out->entries, (out->n + 1) * sizeof(*grown));
		if (grown == NULL) {
			entry_free(&e);
			mountinfo_free(out);
			return err_sys(err, ENOMEM, "mountinfo");
		}
		out->entries = grown;
		e.line = out->n;
		out->entries[out->n++] = e;
		line += len;
		if (*line == '\n')
			line++;
	}
	return 0;
}

int mountinfo_read(struct mount_table *out, struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len;
	if (fs_read_file("/proc/self/mountinfo", 16 << 20, &text, &len, err) < 0)
		return -1;
	return mountinfo_parse(text, out, err);
}

const struct mount_entry *mountinfo_find(const struct mount_table *table, int id)
{
	for (size_t i = 0; i < table->n; i++) {
		if (table->entries[i].id == id)
			return &table->entries[i];
	}
	return NULL;
}

static size_t depth(const char *path)
{
	size_t d = 0;
	for (const char *p = path; *p; p++)
		d += *p == '/';
	return strcmp(path, "/") == 0 ? 0 : d;
}

static int compare_depth(const void *a, const void *b)
{
	const struct mount_entry *x = a, *y = b;
	size_t dx = depth(x->mount_point), dy = depth(y->mount_point);
	if (dx != dy)
		return dx < dy ? -1 : 1;
	/* Not by id: the kernel reuses the lowest free mount id, so a mount on top can have the lower. */
	return x->line < y->line ? -1 : x->line > y->line;
}

void mountinfo_sort_by_depth(struct mount_table *table)
{
	if (table->n < 2) /* an empty table has no entries array, and qsort must not get NULL */
		return;
	qsort(table->entries, table->n, sizeof(table->entries[0]), compare_depth);
}

void mountinfo_free(struct mount_table *table)
{
	for (size_t i = 0; i < table->n; i++) {
		entry_free(&table->entries[i]);
	}
	free(table->entries);
	*table = (struct mount_table){0};
}
