/* SPDX-License-Identifier: Apache-2.0 */
#include "ctrd_block.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "ctrd_config.h"
#include "strv.h"

struct line {
	const char *p;
	size_t n;   /* without its newline */
	size_t end; /* offset just past its newline (or the text's end) */
};

static struct line *split(const char *text, size_t *count)
{
	size_t cap = 16, n = 0, off = 0, len = strlen(text);
	struct line *v = malloc(cap * sizeof(*v));
	while (v != NULL && off < len) {
		if (n == cap) {
			struct line *grown = realloc(v, (cap *= 2) * sizeof(*v));
			if (grown == NULL) {
				free(v);
				return NULL;
			}
			v = grown;
		}
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n_here = nl ? (size_t)(nl - text) - off : len - off;
		v[n++] = (struct line){text + off, n_here, off + n_here + (nl ? 1 : 0)};
		off = v[n - 1].end;
	}
	*count = n;
	return v;
}

static bool line_eq(struct line a, struct line b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static bool line_has(struct line l, const char *needle)
{
	return memmem(l.p, l.n, needle, strlen(needle)) != NULL;
}

static bool line_starts(struct line l, const char *prefix)
{
	size_t k = strlen(prefix);
	return l.n >= k && memcmp(l.p, prefix, k) == 0;
}

/* The first non-blank character of a line, or 0. */
static char first_char(struct line l)
{
	for (size_t i = 0; i < l.n; i++)
		if (l.p[i] != ' ' && l.p[i] != '\t')
			return l.p[i];
	return 0;
}

enum keep_why { KEEP_NOT, KEEP_EXTENDED, KEEP_RUNC, KEEP_VERSION };

struct region {
	const char *text;
	struct line *t; /* the file's lines */
	size_t nt;
	size_t begin, end; /* the marker lines, inclusive */
	bool *mine;        /* per line of the region: one install wrote */
	size_t *unit;      /* per line: the table it belongs to (0: before any table) */
	size_t n_units;
	bool *extended; /* per unit: holds a line that is not Reaper's */
	bool *runc;     /* per unit: Reaper's runc table */
	size_t sep_len; /* the separator before the block, when it is there */
};

static void region_free(struct region *r)
{
	free(r->t);
	free(r->mine);
	free(r->unit);
	free(r->extended);
	free(r->runc);
}

/* Whether line K of the region stays: an operator's line always, a marker never, Reaper's line
 * when its table is extended or it is the runc table or version line asked for. */
static bool keeps(const struct region *r, size_t k, bool keep_runc, bool keep_version)
{
	size_t i = r->begin + k;
	if (!r->mine[k])
		return true;
	if (i == r->begin || i == r->end)
		return false;
	if (r->unit[k] > 0)
		return r->extended[r->unit[k]] || (r->runc[r->unit[k]] && keep_runc);
	return keep_version && line_starts(r->t[i], "version = ");
}

/* The file without Reaper's lines, keeping the runc table and the version line as told. */
static char *assemble(const struct region *r, bool keep_runc, bool keep_version)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	bool remain = false;
	for (size_t k = 0; k <= r->end - r->begin; k++)
		remain |= keeps(r, k, keep_runc, keep_version);
	/* Before the block: as it was, less the separator when nothing of the region remains. */
	size_t before = (size_t)(r->t[r->begin].p - r->text);
	if (!remain)
		before -= r->sep_len;
	fwrite(r->text, 1, before, f);
	for (size_t k = 0; k <= r->end - r->begin; k++) {
		const struct line *l = &r->t[r->begin + k];
		if (keeps(r, k, keep_runc, keep_version))
			fwrite(l->p, 1, l->end - (size_t)(l->p - r->text), f);
	}
	fputs(r->text + r->t[r->end].end, f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int note(struct ctrd_unblock *out, const char *text)
{
	char *copy = strdup(text);
	return copy == NULL ? -1 : strv_push(&out->notes, copy);
}

int ctrd_block_remove(const char *text, const char *recorded, int version, bool runtimes_elsewhere,
		      bool runc_typed_elsewhere, struct ctrd_unblock *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	out->notes = strv_new();
	struct region r = {.text = text};
	cleanup_free char *bare = NULL;
	/* What came before the begin marker (a blank line; a version line in older records). */
	const char *begin = strstr(recorded, CTRD_BLOCK_BEGIN);
	while (begin != NULL && begin != recorded && begin[-1] != '\n')
		begin = strstr(begin + 1, CTRD_BLOCK_BEGIN);
	size_t sep_len = begin ? (size_t)(begin - recorded) : 0;
	size_t nb = 0;
	cleanup_free struct line *b = split(recorded + sep_len, &nb);
	r.t = split(text, &r.nt);
	int rc = -1;
	if (out->notes == NULL || b == NULL || r.t == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	if (nb < 2 || !line_starts(b[0], CTRD_BLOCK_BEGIN) || !line_starts(b[nb - 1], CTRD_BLOCK_END)) {
		err_new(err, ERR_INVALID, "the recorded block has no markers");
		goto out;
	}
	/* The last begin marker of this block, and the end marker after it. */
	bool have_begin = false;
	for (size_t i = 0; i < r.nt; i++)
		if (line_eq(r.t[i], b[0])) {
			r.begin = i;
			have_begin = true;
		}
	r.end = r.begin;
	while (have_begin && r.end < r.nt && !line_eq(r.t[r.end], b[nb - 1]))
		r.end++;
	if (!have_begin || r.end == r.nt) {
		rc = 0;
		goto out;
	}
	out->found = true;
	size_t n = r.end - r.begin + 1;
	r.mine = calloc(n, sizeof(bool));
	r.unit = calloc(n, sizeof(size_t));
	r.extended = calloc(n + 1, sizeof(bool));
	r.runc = calloc(n + 1, sizeof(bool));
	if (r.mine == NULL || r.unit == NULL || r.extended == NULL || r.runc == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	/* Reaper's lines: the block's, matched in order; the rest an operator's. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k < nb && line_eq(r.t[r.begin + i], b[k])) {
			r.mine[i] = true;
			k++;
		}
	out->intact = k == nb && n == nb;
	/* Tables: a header line starts one, with Reaper's comment lines right above it. */
	for (size_t i = 0; i < n; i++) {
		if (first_char(r.t[r.begin + i]) == '[')
			r.n_units++;
		r.unit[i] = r.n_units;
	}
	for (size_t i = 1; i < n; i++) {
		if (first_char(r.t[r.begin + i]) != '[')
			continue;
		for (size_t j = i; j > 1 && r.mine[j - 1] && first_char(r.t[r.begin + j - 1]) == '#'; j--)
			r.unit[j - 1] = r.unit[i];
		if (r.mine[i] && line_has(r.t[r.begin + i], ".containerd.runtimes.runc]"))
			r.runc[r.unit[i]] = true;
	}
	for (size_t i = 0; i < n; i++)
		if (!r.mine[i] && r.unit[i] > 0 && first_char(r.t[r.begin + i]) != 0)
			r.extended[r.unit[i]] = true;
	/* The separator install put before the block, if it is still there. */
	size_t at = (size_t)(r.t[r.begin].p - text);
	if (sep_len > 0 && at >= sep_len && strncmp(text + at - sep_len, recorded, sep_len) == 0)
		r.sep_len = sep_len;

	/* What the rest of the file declares once Reaper's lines are gone decides what stays. */
	bare = assemble(&r, false, false);
	if (bare == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	struct ctrd_config rest;
	bool keep_runc = false, keep_version = false;
	if (ctrd_config_parse(bare, strlen(bare), NULL, version, &rest, NULL) == 0) {
		bool runc_here = false;
		for (size_t u = 1; u <= r.n_units; u++)
			runc_here |= r.runc[u];
		keep_runc = runc_here && (rest.has_runtimes || runtimes_elsewhere) &&
			    !(ctrd_config_types(&rest, "runc") || runc_typed_elsewhere);
		ctrd_config_clear(&rest);
	}
	/* With that decided: does what is left need the version line? */
	free(bare);
	bare = assemble(&r, keep_runc, false);
	if (bare == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	if (ctrd_config_parse(bare, strlen(bare), NULL, version, &rest, NULL) == 0) {
		keep_version = !rest.empty && !rest.has_version;
		ctrd_config_clear(&rest);
	}
	out->text = assemble(&r, keep_runc, keep_version);
	if (out->text == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	bool version_line = false, kept_extended = false;
	for (size_t i = 0; i < n; i++) {
		version_line |= r.mine[i] && line_starts(r.t[r.begin + i], "version = ");
		kept_extended |= r.unit[i] > 0 && r.extended[r.unit[i]];
	}
	if ((kept_extended &&
	     note(out, "kept Reaper's tables that lines added since fall in (without their header those "
		       "lines would belong to another table)") < 0) ||
	    (keep_runc &&
	     note(out, "kept Reaper's runc entry: other runtimes are declared, so containerd's built-in "
		       "runc would not come back without it") < 0) ||
	    (keep_version && version_line &&
	     note(out, "kept Reaper's `version` line: the rest of the file needs it") < 0)) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	rc = 0;
out:
	region_free(&r);
	if (rc < 0)
		ctrd_unblock_clear(out);
	return rc;
}

void ctrd_unblock_clear(struct ctrd_unblock *u)
{
	free(u->text);
	strv_free(u->notes);
	memset(u, 0, sizeof(*u));
}
