#include "containerd_config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "strv.h"

static char **strv_new(void)
{
	return calloc(1, sizeof(char *));
}

/* ---- the scanner --------------------------------------------------------------------------- */

struct scan {
	const char *p, *end;
	int line;
	struct error **err;
	const char *handler;
	struct ctrd_config *cfg;
};

static int scan_fail(struct scan *s, const char *what)
{
	return err_new(s->err, ERR_INVALID, "line %d: %s", s->line, what);
}

static bool at_end(struct scan *s)
{
	return s->p >= s->end;
}

static bool looking_at(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0;
}

static void skip_blanks(struct scan *s)
{
	while (!at_end(s) && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

static void skip_comment(struct scan *s)
{
	if (!at_end(s) && *s->p == '#')
		while (!at_end(s) && *s->p != '\n')
			s->p++;
}

/* Consume one newline (\n or \r\n); false when not at one. */
static bool take_newline(struct scan *s)
{
	if (looking_at(s, "\r\n"))
		s->p++;
	if (!at_end(s) && *s->p == '\n') {
		s->p++;
		s->line++;
		return true;
	}
	return false;
}

/* Blanks, comments and newlines: what may separate array elements. */
static void skip_space_lines(struct scan *s)
{
	for (;;) {
		skip_blanks(s);
		skip_comment(s);
		if (!take_newline(s))
			return;
	}
}

/* After a header or a key/value: only blanks and a comment may follow on the line. */
static int expect_line_end(struct scan *s)
{
	skip_blanks(s);
	skip_comment(s);
	if (at_end(s) || take_newline(s))
		return 0;
	return scan_fail(s, "unexpected text after a value or table header");
}

/* A single-line basic ("...") or literal ('...') string; *out gets its content (escapes kept
 * simple: \" \\ \t \n \r and others passed through; keys and paths here do not use them). */
static int scan_short_string(struct scan *s, char **out)
{
	char quote = *s->p++;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return err_sys(s->err, errno, "open_memstream");
	for (;;) {
		if (at_end(s) || *s->p == '\n') {
			fclose(mem);
			free(buf);
			return scan_fail(s, "unterminated string");
		}
		char c = *s->p++;
		if (c == quote)
			break;
		if (c == '\\' && quote == '"' && !at_end(s)) {
			char e = *s->p++;
			c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
		}
		fputc(c, mem);
	}
	if (fclose(mem) != 0) {
		free(buf);
		return err_sys(s->err, ENOMEM, "string");
	}
	*out = buf;
	return 0;
}

/* """...""" or '''...''', possibly over several lines. */
static int skip_long_string(struct scan *s)
{
	const char *delim = *s->p == '"' ? "\"\"\"" : "'''";
	bool basic = *s->p == '"';
	s->p += 3;
	while (!at_end(s)) {
		if (basic && *s->p == '\\' && s->p + 1 < s->end) {
			if (s->p[1] == '\n')
				s->line++;
			s->p += 2;
			continue;
		}
		if (looking_at(s, delim)) {
			s->p += 3;
			/* Up to two more quotes belong to the content ("""a"""""). */
			while (!at_end(s) && *s->p == delim[0])
				s->p++;
			return 0;
		}
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
	return scan_fail(s, "unterminated multi-line string");
}

static bool is_bare_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

static int scan_key_part(struct scan *s, char **out)
{
	if (!at_end(s) && (*s->p == '"' || *s->p == '\'')) {
		if (looking_at(s, "\"\"\"") || looking_at(s, "'''"))
			return scan_fail(s, "a multi-line string cannot be a key");
		return scan_short_string(s, out);
	}
	const char *start = s->p;
	while (!at_end(s) && is_bare_key_char(*s->p))
		s->p++;
	if (s->p == start)
		return scan_fail(s, "expected a key");
	*out = strndup(start, (size_t)(s->p - start));
	return *out ? 0 : err_sys(s->err, ENOMEM, "key");
}

/* key, "quoted key", a.b."c.d": the parts, unquoted. */
static int scan_key_path(struct scan *s, char ***out)
{
	char **parts = strv_new();
	if (parts == NULL)
		return err_sys(s->err, ENOMEM, "key");
	for (;;) {
		char *part = NULL;
		skip_blanks(s);
		if (scan_key_part(s, &part) < 0 || strv_push(&parts, part) < 0) {
			strv_free(parts);
			return s->err && *s->err ? -1 : err_sys(s->err, ENOMEM, "key");
		}
		skip_blanks(s);
		if (at_end(s) || *s->p != '.')
			break;
		s->p++;
	}
	*out = parts;
	return 0;
}

static int skip_value(struct scan *s);

static int skip_array(struct scan *s)
{
	s->p++; /* [ */
	for (;;) {
		skip_space_lines(s);
		if (at_end(s))
			return scan_fail(s, "unterminated array");
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		if (skip_value(s) < 0)
			return -1;
		skip_space_lines(s);
		if (!at_end(s) && *s->p == ',') {
			s->p++;
			continue;
		}
		if (!at_end(s) && *s->p == ']') {
			s->p++;
			return 0;
		}
		return scan_fail(s, "expected ',' or ']' in an array");
	}
}

static int skip_inline_table(struct scan *s)
{
	s->p++; /* { */
	skip_blanks(s);
	if (!at_end(s) && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		char **key = NULL;
		if (scan_key_path(s, &key) < 0)
			return -1;
		strv_free(key);
		skip_blanks(s);
		if (at_end(s) || *s->p != '=')
			return scan_fail(s, "expected '=' in an inline table");
		s->p++;
		skip_blanks(s);
		if (skip_value(s) < 0)
			return -1;
		skip_blanks(s);
		if (!at_end(s) && *s->p == ',') {
			s->p++;
			continue;
		}
		if (!at_end(s) && *s->p == '}') {
			s->p++;
			return 0;
		}
		return scan_fail(s, "expected ',' or '}' in an inline table");
	}
}

static bool ends_scalar(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == ',' || c == ']' ||
	       c == '}';
}

/* Numbers, booleans, dates: checked only for shape (characters TOML scalars use). */
static int skip_scalar(struct scan *s)
{
	const char *start = s->p;
	while (!at_end(s) && !ends_scalar(*s->p)) {
		char c = *s->p;
		if (!is_bare_key_char(c) && c != '.' && c != '+' && c != ':')
			return scan_fail(s, "malformed value");
		s->p++;
	}
	if (s->p == start)
		return scan_fail(s, "expected a value");
	/* A date-time may use a space between date and time: 1979-05-27 07:32:00Z. */
	if (s->p - start == 10 && start[4] == '-' && start[7] == '-' && s->end - s->p > 1 && *s->p == ' ' &&
	    s->p[1] >= '0' && s->p[1] <= '9') {
		s->p++;
		return skip_scalar(s);
	}
	return 0;
}

static int skip_value(struct scan *s)
{
	if (at_end(s))
		return scan_fail(s, "expected a value");
	switch (*s->p) {
	case '"':
	case '\'':
		if (looking_at(s, "\"\"\"") || looking_at(s, "'''"))
			return skip_long_string(s);
		char *str = NULL;
		if (scan_short_string(s, &str) < 0)
			return -1;
		free(str);
		return 0;
	case '[':
		return skip_array(s);
	case '{':
		return skip_inline_table(s);
	default:
		return skip_scalar(s);
	}
}

static int scan_version(struct scan *s)
{
	const char *start = s->p;
	long v = 0;
	while (!at_end(s) && *s->p >= '0' && *s->p <= '9' && v < 1000)
		v = v * 10 + (*s->p++ - '0');
	if (s->p == start || (!at_end(s) && !ends_scalar(*s->p)))
		return scan_fail(s, "version must be an integer");
	s->cfg->version = (int)v;
	return 0;
}

static int scan_imports(struct scan *s)
{
	if (at_end(s) || *s->p != '[')
		return scan_fail(s, "imports must be an array of strings");
	s->p++;
	for (;;) {
		skip_space_lines(s);
		if (at_end(s))
			return scan_fail(s, "unterminated imports array");
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		if ((*s->p != '"' && *s->p != '\'') || looking_at(s, "\"\"\"") || looking_at(s, "'''"))
			return scan_fail(s, "imports must be an array of strings");
		char *entry = NULL;
		if (scan_short_string(s, &entry) < 0)
			return -1;
		if (strv_push(&s->cfg->imports, entry) < 0)
			return err_sys(s->err, ENOMEM, "imports");
		skip_space_lines(s);
		if (!at_end(s) && *s->p == ',')
			s->p++;
		else if (at_end(s) || *s->p != ']')
			return scan_fail(s, "expected ',' or ']' in imports");
	}
}

static bool path_is(char **path, size_t n, const char *const *want)
{
	for (size_t i = 0; i < n; i++)
		if (path[i] == NULL || strcmp(path[i], want[i]) != 0)
			return false;
	return true;
}

/* Record what a table header or a key's full path tells about the CRI plugin. */
static void note_path(struct scan *s, char **path)
{
	const char *cri = ctrd_cri_plugin(s->cfg->version);
	if (cri == NULL)
		return;
	const char *const prefix[] = {"plugins", cri, "containerd", "runtimes", s->handler};
	size_t n = strv_len(path);
	if (n >= 2 && path_is(path, 2, prefix))
		s->cfg->has_cri = true;
	if (n >= 5 && path_is(path, 4, prefix))
		s->cfg->has_runtimes = true;
	if (n >= 5 && s->handler != NULL && path_is(path, 5, prefix))
		s->cfg->has_handler = true;
}

/* TABLE + KEY as one path (KEY is consumed). */
static char **join_path(char **table, char **key)
{
	char **full = strv_new();
	for (size_t i = 0; full != NULL && table != NULL && table[i] != NULL; i++) {
		char *dup = strdup(table[i]);
		if (dup == NULL || strv_push(&full, dup) < 0) {
			strv_free(full);
			full = NULL;
		}
	}
	for (size_t i = 0; full != NULL && key[i] != NULL; i++) {
		if (strv_push(&full, key[i]) < 0) {
			key[i] = NULL;
			strv_free(full);
			full = NULL;
			break;
		}
		key[i] = NULL;
	}
	strv_free(key);
	return full;
}

static int scan_table_header(struct scan *s, char ***table)
{
	bool array = looking_at(s, "[[");
	s->p += array ? 2 : 1;
	char **path = NULL;
	if (scan_key_path(s, &path) < 0)
		return -1;
	if (!looking_at(s, array ? "]]" : "]")) {
		strv_free(path);
		return scan_fail(s, "malformed table header");
	}
	s->p += array ? 2 : 1;
	strv_free(*table);
	*table = path;
	note_path(s, path);
	return expect_line_end(s);
}

/* [plugins.<cri>.containerd.runtimes.<name>] runtime_type: the <name>, else NULL. */
static const char *runtime_type_key(struct scan *s, char **full)
{
	const char *cri = ctrd_cri_plugin(s->cfg->version);
	const char *const want[] = {"plugins", cri, "containerd", "runtimes"};
	if (cri == NULL || strv_len(full) != 6 || !path_is(full, 4, want) ||
	    strcmp(full[5], "runtime_type") != 0)
		return NULL;
	return full[4];
}

static bool is_runtimes_key(struct scan *s, char **full)
{
	const char *cri = ctrd_cri_plugin(s->cfg->version);
	const char *const want[] = {"plugins", cri, "containerd", "runtimes"};
	return cri != NULL && strv_len(full) == 4 && path_is(full, 4, want);
}

static int scan_key_value(struct scan *s, char **table)
{
	char **key = NULL;
	if (scan_key_path(s, &key) < 0)
		return -1;
	skip_blanks(s);
	if (at_end(s) || *s->p != '=') {
		strv_free(key);
		return scan_fail(s, "expected '=' after a key");
	}
	s->p++;
	skip_blanks(s);
	bool top = table == NULL && strv_len(key) == 1;
	int r;
	if (top && strcmp(key[0], "version") == 0) {
		strv_free(key);
		r = scan_version(s);
	} else if (top && strcmp(key[0], "imports") == 0) {
		strv_free(key);
		r = scan_imports(s);
	} else {
		cleanup_strv char **full = join_path(table, key);
		if (full == NULL)
			return err_sys(s->err, ENOMEM, "key");
		note_path(s, full);
		const char *runtime = runtime_type_key(s, full);
		if (runtime != NULL && !at_end(s) && (*s->p == '"' || *s->p == '\'') &&
		    !looking_at(s, "\"\"\"") && !looking_at(s, "'''")) {
			char *type = NULL;
			r = scan_short_string(s, &type);
			if (r == 0 && strcmp(type, REAPER_RUNTIME_TYPE) == 0) {
				char *name = strdup(runtime);
				if (name == NULL || strv_push(&s->cfg->reaper_handlers, name) < 0)
					r = err_sys(s->err, ENOMEM, "config");
			}
			if (r == 0 && s->handler != NULL && strcmp(runtime, s->handler) == 0) {
				free(s->cfg->handler_type);
				s->cfg->handler_type = steal_pointer(&type);
			}
			free(type);
		} else {
			if (is_runtimes_key(s, full) && !at_end(s) && *s->p == '{')
				s->cfg->runtimes_inline = s->cfg->has_runtimes = true;
			r = skip_value(s);
		}
	}
	return r < 0 ? -1 : expect_line_end(s);
}

/* DEFAULT_VERSION: what a file without `version` is read as (an imported file follows its root). */
static int parse_config(const char *text, size_t len, const char *handler, int default_version,
			struct ctrd_config *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	out->version = default_version;
	out->empty = true;
	out->imports = strv_new();
	out->reaper_handlers = strv_new();
	if (out->imports == NULL || out->reaper_handlers == NULL) {
		ctrd_config_clear(out);
		return err_sys(err, ENOMEM, "config");
	}
	if (memchr(text, '\0', len) != NULL) {
		ctrd_config_clear(out);
		return err_new(err, ERR_INVALID, "binary data (a NUL byte) in a TOML file");
	}
	struct scan s = {.p = text, .end = text + len, .line = 1, .err = err, .handler = handler, .cfg = out};
	char **table = NULL;
	int r = 0;
	while (r == 0) {
		skip_blanks(&s);
		skip_comment(&s);
		if (at_end(&s))
			break;
		if (take_newline(&s))
			continue;
		out->empty = false;
		if (*s.p == '[')
			r = scan_table_header(&s, &table);
		else
			r = scan_key_value(&s, table);
	}
	strv_free(table);
	if (r < 0)
		ctrd_config_clear(out);
	return r;
}

int ctrd_config_parse(const char *text, size_t len, const char *handler, struct ctrd_config *out,
		      struct error **err)
{
	return parse_config(text, len, handler, 1, out, err);
}

void ctrd_config_clear(struct ctrd_config *c)
{
	strv_free(c->imports);
	strv_free(c->reaper_handlers);
	free(c->handler_type);
	memset(c, 0, sizeof(*c));
}

const char *ctrd_cri_plugin(int version)
{
	switch (version) {
	case 1:
		return "cri";
	case 2:
		return "io.containerd.grpc.v1.cri";
	case 3:
		return "io.containerd.cri.v1.runtime";
	default:
		return NULL;
	}
}

bool ctrd_handler_valid(const char *handler)
{
	size_t n = handler ? strlen(handler) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_bare_key_char(handler[i]) && handler[i] != '.')
			return false;
	return true;
}

char *ctrd_runtime_block(int version, const char *handler, bool with_runc)
{
	const char *cri = ctrd_cri_plugin(version);
	if (cri == NULL || !ctrd_handler_valid(handler))
		return NULL;
	char *runc = NULL;
	if (with_runc &&
	    asprintf(&runc,
		     "# Declaring a runtime replaces containerd's built-in list: keep its default, runc.\n"
		     "[plugins.\"%s\".containerd.runtimes.runc]\n"
		     "  runtime_type = \"%s\"\n\n",
		     cri, RUNC_RUNTIME_TYPE) < 0)
		return NULL;
	char *block = NULL;
	int r = asprintf(&block,
			 "%s (runtime handler %s; `reaper install --uninstall` removes this block)\n"
			 "%s"
			 "[plugins.\"%s\".containerd.runtimes.\"%s\"]\n"
			 "  runtime_type = \"%s\"\n"
			 "%s\n",
			 CTRD_BLOCK_BEGIN, handler, runc ? runc : "", cri, handler, REAPER_RUNTIME_TYPE,
			 CTRD_BLOCK_END);
	free(runc);
	return r < 0 ? NULL : block;
}

char *ctrd_remove_block(const char *text, const char *block)
{
	const char *hit = NULL;
	for (const char *p = strstr(text, block); p != NULL; p = strstr(p + 1, block))
		hit = p;
	if (hit == NULL)
		return NULL;
	size_t before = (size_t)(hit - text), blen = strlen(block);
	char *out = malloc(strlen(text) - blen + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, text, before);
	strcpy(out + before, hit + blen);
	return out;
}

/* ---- files --------------------------------------------------------------------------------- */

int ctrd_read_file(const char *path, char **out, size_t *len, bool *exists, struct error **err)
{
	*out = NULL;
	*len = 0;
	*exists = false;
	struct error *e = NULL;
	if (fs_read_file(path, 16 << 20, out, len, &e) < 0) {
		if (e->errnum == ENOENT) {
			err_free(&e);
			return 0;
		}
		*err = e;
		return -1;
	}
	*exists = true;
	return 0;
}

char *ctrd_host_path(const char *host_root, const char *path)
{
	char *out = NULL;
	size_t n = strlen(host_root);
	while (n > 0 && host_root[n - 1] == '/')
		n--;
	if (asprintf(&out, "%.*s%s%s", (int)n, host_root, path[0] == '/' ? "" : "/", path) < 0)
		return NULL;
	return out;
}

/* ---- planning ------------------------------------------------------------------------------ */

#define DROPIN_NAME "reaper.toml"

/* One config file read and scanned. */
struct loaded {
	char *path;
	struct ctrd_config cfg;
};

struct config_set {
	struct loaded root;
	bool root_exists;
	struct loaded *imports;
	size_t n_imports;
	char *dropin_dir; /* host path of a directory the imports cover, or NULL */
};

static void config_set_clear(struct config_set *set)
{
	free(set->root.path);
	ctrd_config_clear(&set->root.cfg);
	for (size_t i = 0; i < set->n_imports; i++) {
		free(set->imports[i].path);
		ctrd_config_clear(&set->imports[i].cfg);
	}
	free(set->imports);
	free(set->dropin_dir);
}

static int load_one(const char *path, const char *handler, int default_version, struct ctrd_config *cfg,
		    bool *exists, struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (ctrd_read_file(path, &text, &len, exists, err) < 0)
		return -1;
	if (parse_config(text ? text : "", len, handler, default_version, cfg, err) < 0)
		return err_wrap(err, "%s", path);
	return 0;
}

static int add_import(struct config_set *set, const char *path, const char *handler, struct error **err)
{
	struct ctrd_config cfg;
	bool exists = false;
	if (load_one(path, handler, set->root.cfg.version, &cfg, &exists, err) < 0)
		return -1;
	if (!exists) {
		ctrd_config_clear(&cfg);
		return 0;
	}
	struct loaded *grown = realloc(set->imports, (set->n_imports + 1) * sizeof(*grown));
	char *copy = strdup(path);
	if (grown == NULL || copy == NULL) {
		free(copy);
		if (grown != NULL)
			set->imports = grown;
		ctrd_config_clear(&cfg);
		return err_sys(err, ENOMEM, "imports");
	}
	set->imports = grown;
	set->imports[set->n_imports].path = copy;
	set->imports[set->n_imports].cfg = cfg;
	set->n_imports++;
	return 0;
}

/* A glob "DIR/PATTERN" whose DIR is plain and whose PATTERN matches our drop-in's name. */
static char *dropin_dir_of(const char *host_pattern)
{
	const char *slash = strrchr(host_pattern, '/');
	if (slash == NULL || fnmatch(slash + 1, DROPIN_NAME, FNM_PERIOD) != 0)
		return NULL;
	cleanup_free char *dir = strndup(host_pattern, (size_t)(slash - host_pattern));
	if (dir == NULL || strpbrk(dir, "*?[") != NULL)
		return NULL;
	return steal_pointer(&dir);
}

static int load_imports(struct config_set *set, const char *host_root, const char *handler,
			struct error **err)
{
	cleanup_free char *root_dir = fs_dirname(set->root.path);
	if (root_dir == NULL)
		return err_sys(err, ENOMEM, "imports");
	for (char **entry = set->root.cfg.imports; *entry != NULL; entry++) {
		/* containerd resolves a relative import against the root config's directory. */
		cleanup_free char *host = NULL;
		if ((*entry)[0] == '/')
			host = ctrd_host_path(host_root, *entry);
		else if (asprintf(&host, "%s/%s", root_dir, *entry) < 0)
			host = NULL;
		if (host == NULL)
			return err_sys(err, ENOMEM, "imports");
		if (strpbrk(*entry, "*?[") == NULL) {
			if (add_import(set, host, handler, err) < 0)
				return -1;
			continue;
		}
		if (set->dropin_dir == NULL)
			set->dropin_dir = dropin_dir_of(host);
		glob_t g;
		int r = glob(host, 0, NULL, &g);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0)
			return err_new(err, ERR_INVALID, "cannot expand the import %s", *entry);
		for (size_t i = 0; i < g.gl_pathc; i++) {
			if (add_import(set, g.gl_pathv[i], handler, err) < 0) {
				globfree(&g);
				return -1;
			}
		}
		globfree(&g);
	}
	return 0;
}

/* The first file (root, then imports) declaring the handler, or NULL. */
static struct loaded *find_handler(struct config_set *set)
{
	if (set->root.cfg.has_handler)
		return &set->root;
	for (size_t i = 0; i < set->n_imports; i++)
		if (set->imports[i].cfg.has_handler)
			return &set->imports[i];
	return NULL;
}

static struct loaded *last_import_with_cri(struct config_set *set)
{
	for (size_t i = set->n_imports; i > 0; i--)
		if (set->imports[i - 1].cfg.has_cri)
			return &set->imports[i - 1];
	return NULL;
}

static bool any_runtimes(struct config_set *set)
{
	if (set->root.cfg.has_runtimes)
		return true;
	for (size_t i = 0; i < set->n_imports; i++)
		if (set->imports[i].cfg.has_runtimes)
			return true;
	return false;
}

static int plan_set(struct ctrd_plan *plan, enum ctrd_placement placement, const char *path, char *text,
		    const char *reason, struct error **err)
{
	plan->placement = placement;
	plan->path = strdup(path);
	plan->text = text;
	plan->reason = strdup(reason);
	if (plan->path == NULL || plan->reason == NULL || (placement != CTRD_PLACE_NONE && text == NULL)) {
		ctrd_plan_clear(plan);
		return err_sys(err, ENOMEM, "plan");
	}
	return 0;
}

/* "version = N" + blank line + block: a file of its own. */
static char *standalone_text(int version, const char *handler, bool with_runc)
{
	cleanup_free char *block = ctrd_runtime_block(version, handler, with_runc);
	char *text = NULL;
	if (block == NULL || asprintf(&text, "version = %d\n\n%s", version, block) < 0)
		return NULL;
	return text;
}

/* What gets appended to an existing file: a separating blank line, the block. */
static char *append_text(const char *path, int version, const char *handler, bool with_runc, bool empty,
			 struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	bool exists = false;
	if (ctrd_read_file(path, &text, &len, &exists, err) < 0)
		return NULL;
	const char *sep = len == 0 ? "" : text[len - 1] == '\n' ? "\n" : "\n\n";
	cleanup_free char *body = empty ? standalone_text(version, handler, with_runc)
					: ctrd_runtime_block(version, handler, with_runc);
	char *out = NULL;
	if (body == NULL || asprintf(&out, "%s%s", sep, body) < 0) {
		err_sys(err, ENOMEM, "config text");
		return NULL;
	}
	return out;
}

static int plan_append(struct ctrd_plan *plan, struct config_set *set, const char *handler,
		       const char *reason, struct error **err)
{
	if (set->root.cfg.runtimes_inline)
		return err_new(
			err, ERR_INVALID,
			"%s declares containerd.runtimes as an inline table, which TOML forbids extending: "
			"write it as [..runtimes.<name>] tables first",
			set->root.path);
	int version = set->root.cfg.empty ? 2 : set->root.cfg.version;
	char *text =
		append_text(set->root.path, version, handler, !any_runtimes(set), set->root.cfg.empty, err);
	if (text == NULL)
		return -1;
	plan->version = version;
	return plan_set(plan, CTRD_PLACE_APPEND, set->root.path, text, reason, err);
}

static int plan_dropin(struct ctrd_plan *plan, struct config_set *set, const char *handler,
		       const char *reason, struct error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", set->dropin_dir, DROPIN_NAME) < 0)
		return err_sys(err, ENOMEM, "plan");
	int version = set->root.cfg.version;
	plan->version = version;
	return plan_set(plan, CTRD_PLACE_DROPIN, path, standalone_text(version, handler, !any_runtimes(set)),
			reason, err);
}

static int plan_for_existing(struct ctrd_plan *plan, struct config_set *set, const char *handler,
			     struct error **err)
{
	struct ctrd_config *root = &set->root.cfg;
	if (root->empty)
		return plan_append(plan, set, handler,
				   "the config sets nothing yet: adding a version 2 header and the handler",
				   err);
	if (ctrd_cri_plugin(root->version) == NULL)
		return err_new(err, ERR_UNSUPPORTED,
			       "%s: config version %d is not one reaper install knows (1, 2, 3)",
			       set->root.path, root->version);
	struct loaded *cri_import = last_import_with_cri(set);
	if (root->version == 3)
		return set->dropin_dir != NULL
			       ? plan_dropin(
					 plan, set, handler,
					 "the imports cover this directory and containerd 2.x merges drop-in "
					 "plugin sections key by key",
					 err)
			       : plan_append(plan, set, handler, "no import covers a drop-in directory", err);
	/* containerd 1.x: a later file's plugin section replaces an earlier one's entirely. */
	if (cri_import != NULL) {
		cleanup_free char *block = ctrd_runtime_block(root->version, handler, !any_runtimes(set));
		return err_new(
			err, ERR_UNSUPPORTED,
			"%s configures the CRI plugin, and containerd 1.x lets an imported file's plugin "
			"section replace every earlier one: add the handler to that file by hand:\n%s",
			cri_import->path, block ? block : "");
	}
	if (set->dropin_dir != NULL && !root->has_cri)
		return plan_dropin(
			plan, set, handler,
			"the imports cover this directory and no file configures the CRI plugin yet, so "
			"containerd 1.x's whole-section merge hides nothing",
			err);
	if (set->dropin_dir != NULL)
		return plan_append(
			plan, set, handler,
			"containerd 1.x would let a drop-in's CRI section replace this config's whole CRI "
			"section: editing the root config instead",
			err);
	return plan_append(plan, set, handler, "no import covers a drop-in directory", err);
}

int ctrd_config_plan(const char *host_root, const char *config_path, const char *handler,
		     struct ctrd_plan *plan, struct error **err)
{
	memset(plan, 0, sizeof(*plan));
	if (!ctrd_handler_valid(handler))
		return err_new(err, ERR_INVALID, "invalid handler name '%s' (letters, digits, '_', '-', '.')",
			       handler);
	if (config_path[0] != '/')
		return err_new(err, ERR_INVALID, "the containerd config path must be absolute: %s",
			       config_path);
	struct config_set set = {0};
	int r = -1;
	set.root.path = ctrd_host_path(host_root, config_path);
	if (set.root.path == NULL) {
		err_sys(err, ENOMEM, "plan");
		goto out;
	}
	if (load_one(set.root.path, handler, 1, &set.root.cfg, &set.root_exists, err) < 0)
		goto out;
	if (!set.root_exists) {
		plan->version = 2;
		r = plan_set(
			plan, CTRD_PLACE_CREATE, set.root.path, standalone_text(2, handler, true),
			"no config: containerd runs on its defaults; a version 2 config (read by containerd "
			"1.6 and later, 2.x included) declares runc and the handler",
			err);
		goto out;
	}
	if (load_imports(&set, host_root, handler, err) < 0)
		goto out;
	struct loaded *declared = find_handler(&set);
	if (declared != NULL) {
		const char *type = declared->cfg.handler_type;
		if (type == NULL || strcmp(type, REAPER_RUNTIME_TYPE) != 0) {
			err_new(err, ERR_EXISTS,
				"%s already declares the runtime handler '%s' with runtime_type '%s', not "
				"%s: choose "
				"another --handler or remove that entry",
				declared->path, handler, type ? type : "(none)", REAPER_RUNTIME_TYPE);
			goto out;
		}
		plan->version = declared->cfg.version;
		r = plan_set(plan, CTRD_PLACE_NONE, declared->path, NULL, "the handler is already declared",
			     err);
		goto out;
	}
	r = plan_for_existing(plan, &set, handler, err);
out:
	config_set_clear(&set);
	return r;
}

void ctrd_plan_clear(struct ctrd_plan *plan)
{
	free(plan->path);
	free(plan->text);
	free(plan->reason);
	memset(plan, 0, sizeof(*plan));
}

int ctrd_config_reaper_handlers(const char *host_root, const char *config_path, char ***handlers,
				char ***files, bool *exists, struct error **err)
{
	*handlers = strv_new();
	*files = strv_new();
	*exists = false;
	struct config_set set = {0};
	int r = -1;
	set.root.path = ctrd_host_path(host_root, config_path);
	if (*handlers == NULL || *files == NULL || set.root.path == NULL) {
		err_sys(err, ENOMEM, "config");
		goto out;
	}
	if (load_one(set.root.path, NULL, 1, &set.root.cfg, &set.root_exists, err) < 0)
		goto out;
	*exists = set.root_exists;
	if (set.root_exists && load_imports(&set, host_root, NULL, err) < 0)
		goto out;
	for (size_t i = 0; i <= set.n_imports; i++) {
		struct loaded *f = i == 0 ? &set.root : &set.imports[i - 1];
		for (char **h = f->cfg.reaper_handlers; h != NULL && *h != NULL; h++) {
			char *name = strdup(*h), *file = strdup(f->path);
			if (file == NULL || strv_push(handlers, name) < 0 || strv_push(files, file) < 0) {
				err_sys(err, ENOMEM, "config");
				goto out;
			}
		}
	}
	r = 0;
out:
	config_set_clear(&set);
	if (r < 0) {
		strv_free(*handlers);
		strv_free(*files);
		*handlers = *files = NULL;
	}
	return r;
}
