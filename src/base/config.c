/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "strv.h"

#define CONFIG_MAX_BYTES (64 << 10)
/* The most of a value or line an error message quotes. */
#define QUOTE_MAX 80

static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};
static const char *const log_formats[] = {"text", "json", NULL};
static const char *const filter_modes[] = {"append", "replace", NULL};
static const char *const sysctl_policies[] = {"refuse", "ignore", NULL};
static const char *const isolations[] = {"namespace", "node", NULL};
static const char *const dns_modes[] = {"kubernetes", "host", NULL};

/* Password hashes, private keys and the credentials of the node and its cluster; why each one is
 * here: docs/operations.md, "Node configuration". */
static const char filter_builtin[] = "/etc/shadow:/etc/shadow-:/etc/gshadow:/etc/gshadow-"
				     ":/etc/security/opasswd:/etc/sudoers:/etc/sudoers.d"
				     ":/etc/ssh/ssh_host_*_key:/etc/ssl/private"
				     ":/root/.ssh:/root/.docker:/root/.kube"
				     ":/etc/krb5.keytab:/etc/munge/munge.key"
				     ":/etc/kubernetes/*.conf:/etc/kubernetes/pki/*.key"
				     ":/etc/kubernetes/pki/etcd/*.key"
				     ":/var/lib/kubelet/pki:/var/lib/kubelet/pods:/var/lib/containerd";

/* Sockets (and directories of them) that control the node: container engines, the init system,
 * the system bus, udev, snapd, kubelet's plugin and device registries. */
#define HIDDEN_SOCKETS                                                                             \
	"/run/containerd:/run/docker.sock:/run/docker:/run/cri-dockerd.sock:/run/crio:/run/podman" \
	":/run/k3s:/run/buildkit:/run/nri:/run/dbus/system_bus_socket:/run/systemd/private"        \
	":/run/udev/control:/run/snapd.socket:/var/lib/kubelet/device-plugins"                     \
	":/var/lib/kubelet/pod-resources:/var/lib/kubelet/plugins_registry:/var/lib/kubelet/plugins"

static const struct config_key keys[] = {
	{"REAPER_ROOT", "/run/reaper", CONFIG_PATH, NULL,
	 "state directory: one directory per namespace and container"},
	{"REAPER_OVERLAY_BASE", "/run/reaper/overlay", CONFIG_PATH, NULL,
	 "the overlay groups: their namespaces and what workloads wrote (a tmpfs of Reaper's, unless a "
	 "filesystem is mounted there)"},
	{"REAPER_OVERLAY_ISOLATION", "namespace", CONFIG_WORD, isolations,
	 "namespace: an overlay group per Kubernetes namespace; node: one group for every pod"},
	{"REAPER_OVERLAY_SIZE", "10%", CONFIG_SIZE, NULL,
	 "the most each group's workloads may write, when the groups live on Reaper's tmpfs"},
	{"REAPER_ANNOTATIONS_ENABLED", "true", CONFIG_BOOL, NULL,
	 "honour the pod annotations reaper.runtime/overlay-name and reaper.runtime/dns-mode"},
	{"REAPER_DNS_MODE", "kubernetes", CONFIG_WORD, dns_modes,
	 "kubernetes: the resolv.conf and hosts kubelet made for the pod; host: the node's own"},
	{"REAPER_LOG_LEVEL", "info", CONFIG_WORD, log_levels,
	 "error, warning, info or debug (unset: the shim logs debug when containerd does)"},
	{"REAPER_LOG_FORMAT", "text", CONFIG_WORD, log_formats,
	 "log lines as text (logfmt, as runc) or json"},
	{"REAPER_SHIM_LOG", "", CONFIG_LOG_FILE, NULL,
	 "the shims' log file (empty: the bundle's log, which containerd copies into its own)"},
	{"REAPER_MONITOR_LOG", "", CONFIG_LOG_FILE, NULL, "the monitors' log file (empty: they do not log)"},
	{"REAPER_RUNTIME_LOG", "", CONFIG_LOG_FILE, NULL,
	 "reaper-runtime's log file when --log is not given"},
	{"REAPER_FILTER_ENABLED", "true", CONFIG_BOOL, NULL,
	 "hide sensitive host files from every container (they read as empty)"},
	{"REAPER_FILTER_MODE", "append", CONFIG_WORD, filter_modes,
	 "append: REAPER_FILTER_PATHS adds to the built-in list; replace: it is the whole list"},
	{"REAPER_FILTER_PATHS", "", CONFIG_PATH_LIST, NULL,
	 "more files or directories to hide (paths or globs)"},
	{"REAPER_FILTER_ALLOWLIST", "", CONFIG_PATH_LIST, NULL,
	 "paths never hidden, nor anything under them (paths or globs)"},
	{"REAPER_HIDDEN_SOCKETS", HIDDEN_SOCKETS, CONFIG_PATH_LIST, NULL,
	 "node control sockets and their directories that non-privileged containers cannot reach"},
	{"REAPER_SYSCTLS", "refuse", CONFIG_WORD, sysctl_policies,
	 "a pod's sysctls would change the whole node: refuse the pod, or ignore them with a warning"},
};
#define N_KEYS ARRAY_LEN(keys)

/* What this process loaded: the module's one piece of mutable state. */
static struct {
	bool loaded;
	char *file;            /* the file read; NULL when there was none */
	char *values[N_KEYS];  /* NULL: the default */
	char *sources[N_KEYS]; /* "FILE:LINE" or "environment"; NULL: the default */
	char **warnings;
	struct error *error; /* the first */
} cfg;

/* One file (or text) being read. */
struct parse {
	const char *name;
	char *values[N_KEYS];
	unsigned lines[N_KEYS]; /* 0: not set */
	char **warnings;
	struct error *error; /* the first */
};

static void parse_clear(struct parse *p)
{
	for (size_t i = 0; i < N_KEYS; i++)
		free(p->values[i]);
	strv_free(p->warnings);
	err_free(&p->error);
}

const struct config_key *config_keys(size_t *n)
{
	*n = N_KEYS;
	return keys;
}

const char *config_filter_builtin(void)
{
	return filter_builtin;
}

static int find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* S (N bytes) in double quotes for a message: control bytes escaped, long ones cut. */
static char *quoted(const char *s, size_t n)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	if (f == NULL)
		return NULL;
	fputc('"', f);
	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
	}
	fputs(n > QUOTE_MAX ? "\"..." : "\"", f);
	return fclose(f) == 0 ? out : (free(out), NULL);
}

static char *printf_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *printf_alloc(const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&out, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : out;
}

/* ---- the kinds ------------------------------------------------------------------------------ */

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*out = strcmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

/* An absolute path that does not go up with "..", or NULL; else why not. */
static char *path_problem(const char *v)
{
	cleanup_free char *q = quoted(v, strlen(v));
	if (v[0] != '/')
		return printf_alloc("%s is not an absolute path", q ? q : "the value");
	for (const char *p = strstr(v, "/.."); p != NULL; p = strstr(p + 1, "/.."))
		if (p[3] == '/' || p[3] == '\0')
			return printf_alloc("%s goes up with \"..\"", q ? q : "the value");
	return NULL;
}

static char *words_text(const char *const *w)
{
	char *out = NULL;
	size_t size = 0, n = 0;
	FILE *f = open_memstream(&out, &size);
	if (f == NULL)
		return NULL;
	while (w[n] != NULL)
		n++;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", w[i]);
	return fclose(f) == 0 ? out : (free(out), NULL);
}

/* overlayfs option strings cannot carry these characters. */
static char *overlay_base_problem(const char *v)
{
	return strpbrk(v, ",:\\ ") ? strdup("must not contain , : \\ or a space (overlayfs options cannot "
					    "carry them)")
				   : NULL;
}

/* Empty stands for "unset" where a key needs a value. */
static bool needs_value(enum config_kind kind)
{
	return kind == CONFIG_BOOL || kind == CONFIG_PATH || kind == CONFIG_WORD || kind == CONFIG_SIZE;
}

/* tmpfs's size= syntax: digits and k, m or g, or a percentage (1-100) of RAM. */
static bool is_size(const char *v)
{
	char *end = NULL;
	unsigned long long n = strtoull(v, &end, 10);
	if (end == v || v[0] == '-' || v[0] == '+' || n == 0)
		return false;
	if (*end == '%')
		return end[1] == '\0' && n <= 100;
	return *end == '\0' || (strchr("kKmMgG", *end) != NULL && end[1] == '\0');
}

/* NULL when V is a good value of K; else the reason, malloc'd (a placeholder when out of memory). */
static char *value_problem(const struct config_key *k, const char *v)
{
	size_t len = strlen(v);
	cleanup_free char *q = quoted(v, len);
	const char *shown = q ? q : "the value";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return printf_alloc("must not hold control characters: %s", shown);
	char *why = NULL;
	bool b;
	switch (k->kind) {
	case CONFIG_BOOL:
		if (parse_bool(v, &b) < 0)
			why = printf_alloc("must be true or false (or yes/no, 1/0), not %s", shown);
		break;
	case CONFIG_LOG_FILE:
		if (len == 0)
			break;
		/* fallthrough */
	case CONFIG_PATH: {
		cleanup_free char *p = path_problem(v);
		if (p != NULL)
			why = printf_alloc("must be an absolute path%s: %s",
					   k->kind == CONFIG_LOG_FILE ? " or empty" : "", p);
		else if (strcmp(k->name, "REAPER_OVERLAY_BASE") == 0)
			why = overlay_base_problem(v);
		break;
	}
	case CONFIG_WORD: {
		bool ok = false;
		for (const char *const *w = k->words; *w != NULL && !ok; w++)
			ok = strcmp(*w, v) == 0;
		cleanup_free char *list = ok ? NULL : words_text(k->words);
		if (!ok)
			why = printf_alloc("must be %s, not %s", list ? list : "one of its words", shown);
		break;
	}
	case CONFIG_SIZE:
		if (!is_size(v))
			why = printf_alloc("must be a size such as 512m, 2g or 10%% (of RAM), not %s", shown);
		break;
	case CONFIG_PATH_LIST: {
		cleanup_free char *copy = strdup(v);
		char *save = NULL;
		for (char *e = copy ? strtok_r(copy, ":", &save) : NULL; e != NULL && why == NULL;
		     e = strtok_r(NULL, ":", &save)) {
			cleanup_free char *p = path_problem(e);
			if (p != NULL)
				why = printf_alloc("must be absolute paths or globs separated by colons: %s",
						   p);
		}
		break;
	}
	}
	return why;
}

/* ---- the file ------------------------------------------------------------------------------- */

/* Record the first error at NAME:LINE (KEY: when one is known); MSG is consumed. */
static void parse_fail(struct parse *p, unsigned line, const char *key, char *msg)
{
	if (p->error == NULL)
		err_new(&p->error, ERR_INVALID, "%s:%u: %s%s%s", p->name, line, key ? key : "",
			key ? ": " : "", msg ? msg : "out of memory");
	free(msg);
}

static void parse_warn(struct parse *p, char *msg)
{
	if (msg != NULL)
		strv_push(&p->warnings, msg);
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* The value after '=' (N bytes, trimmed on the left): unquoted, its comment dropped. NULL with
 * *why set when it is malformed. */
static char *line_value(const char *v, size_t n, char **why)
{
	*why = NULL;
	if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
		const char *close = memchr(v + 1, v[0], n - 1);
		if (close == NULL) {
			*why = printf_alloc("the %s quote is not closed", v[0] == '"' ? "double" : "single");
			return NULL;
		}
		const char *rest = close + 1, *end = v + n;
		while (rest < end && is_blank(*rest))
			rest++;
		if (rest < end && *rest != '#') {
			cleanup_free char *q = quoted(rest, (size_t)(end - rest));
			*why = printf_alloc("text after the closing quote: %s", q ? q : "");
			return NULL;
		}
		return strndup(v + 1, (size_t)(close - v - 1));
	}
	for (size_t i = 1; i < n; i++) {
		if (v[i] == '#' && is_blank(v[i - 1])) {
			n = i;
			break;
		}
	}
	while (n > 0 && is_blank(v[n - 1]))
		n--;
	return strndup(v, n);
}

static void parse_line(struct parse *p, unsigned line, const char *s, size_t n)
{
	while (n > 0 && is_blank(*s))
		s++, n--;
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#')
		return;
	if (memchr(s, '\0', n) != NULL) {
		parse_fail(p, line, NULL, strdup("a NUL byte (is this a text file?)"));
		return;
	}
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n;
	while (klen > 0 && is_blank(s[klen - 1]))
		klen--;
	if (eq == NULL || !valid_name(s, klen)) {
		cleanup_free char *q = quoted(s, n);
		parse_fail(p, line, NULL,
			   printf_alloc("expected KEY=VALUE (KEY of letters, digits and _), not %s",
					q ? q : ""));
		return;
	}
	const char *v = eq + 1;
	size_t vlen = n - (size_t)(v - s);
	while (vlen > 0 && is_blank(*v))
		v++, vlen--;
	char *why = NULL;
	cleanup_free char *key = strndup(s, klen);
	cleanup_free char *value = line_value(v, vlen, &why);
	if (key == NULL || value == NULL) {
		parse_fail(p, line, key, why);
		return;
	}
	int i = find_key(s, klen);
	if (i < 0) {
		parse_warn(p, printf_alloc("%s:%u: unknown setting %.64s (ignored)", p->name, line, key));
		return;
	}
	if (p->lines[i] != 0)
		parse_warn(p, printf_alloc("%s:%u: %s is set again (line %u is overridden)", p->name, line,
					   key, p->lines[i]));
	bool unset = *value == '\0' && needs_value(keys[i].kind);
	why = unset ? NULL : value_problem(&keys[i], value);
	if (why != NULL) {
		parse_fail(p, line, keys[i].name, why);
		return;
	}
	free(p->values[i]);
	p->values[i] = NULL;
	p->lines[i] = 0;
	if (unset)
		return;
	p->values[i] = steal_pointer(&value);
	p->lines[i] = line;
}

/* Every line is read: one bad line leaves the others in effect, and p->error holds the first. */
static void parse_text(struct parse *p, const char *text, size_t len)
{
	if (len > CONFIG_MAX_BYTES) {
		err_new(&p->error, ERR_INVALID, "%s: larger than %d KiB", p->name, CONFIG_MAX_BYTES >> 10);
		return;
	}
	unsigned line = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;
		parse_line(p, ++line, text + at, end - at);
		at = end + 1;
	}
}

/* The node's file: a regular file that only its owner (root, or whoever reads it) can change,
 * since it decides what workloads may reach. must_exist: $REAPER_CONFIG named it. */
static int read_file(const char *path, bool must_exist, char **text, size_t *len, bool *exists,
		     struct error **err)
{
	*exists = false;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return err_sys(err, errno, "%s%s", must_exist ? CONFIG_PATH_VAR ": " : "", path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return err_new(err, ERR_INVALID, "%s: not a regular file", path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return err_new(err, ERR_INVALID, "%s: refused: owned by uid %u, not by root", path,
			       (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return err_new(err, ERR_INVALID,
			       "%s: refused: writable by group or others (mode %04o; chmod go-w)", path,
			       (unsigned)(st.st_mode & 07777));
	if (st.st_size > CONFIG_MAX_BYTES)
		return err_new(err, ERR_INVALID, "%s: larger than %d KiB", path, CONFIG_MAX_BYTES >> 10);
	if (fs_read_fd(fd, path, CONFIG_MAX_BYTES, text, len, err) < 0)
		return -1;
	*exists = true;
	return 0;
}

/* ---- loading -------------------------------------------------------------------------------- */

void config_reset(void)
{
	free(cfg.file);
	for (size_t i = 0; i < N_KEYS; i++) {
		free(cfg.values[i]);
		free(cfg.sources[i]);
	}
	strv_free(cfg.warnings);
	err_free(&cfg.error);
	memset(&cfg, 0, sizeof(cfg));
}

static int copy_error(struct error **err)
{
	if (cfg.error == NULL)
		return 0;
	return err_new(err, cfg.error->kind, "%s", err_message(cfg.error));
}

/* The file's values, then the environment's over them. */
static void load(const char *path, bool must_exist)
{
	config_reset();
	cfg.loaded = true;
	struct parse p = {.name = path};
	cleanup_free char *text = NULL;
	size_t len = 0;
	bool exists = false;
	if (read_file(path, must_exist, &text, &len, &exists, &cfg.error) == 0 && exists) {
		cfg.file = strdup(path);
		parse_text(&p, text, len);
		cfg.error = steal_pointer(&p.error);
		cfg.warnings = steal_pointer(&p.warnings);
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		if (p.values[i] != NULL) {
			cfg.values[i] = steal_pointer(&p.values[i]);
			cfg.sources[i] = printf_alloc("%s:%u", path, p.lines[i]);
		}
		const char *env = getenv(keys[i].name);
		if (env == NULL || (*env == '\0' && needs_value(keys[i].kind)))
			continue;
		char *why = value_problem(&keys[i], env);
		if (why != NULL) {
			if (cfg.error == NULL)
				err_new(&cfg.error, ERR_INVALID, "environment: %s: %s", keys[i].name, why);
			free(why);
			continue;
		}
		free(cfg.values[i]);
		free(cfg.sources[i]);
		cfg.values[i] = strdup(env);
		cfg.sources[i] = strdup("environment");
	}
	parse_clear(&p);
}

int config_load(struct error **err)
{
	if (!cfg.loaded) {
		const char *path = getenv(CONFIG_PATH_VAR);
		if (path != NULL && *path != '\0')
			load(path, true);
		else
			load(CONFIG_DEFAULT_PATH, false);
	}
	return copy_error(err);
}

int config_load_file(const char *path, struct error **err)
{
	load(path, false);
	return copy_error(err);
}

int config_check_text(const char *name, const char *text, size_t len, char ***warnings, struct error **err)
{
	struct parse p = {.name = name};
	parse_text(&p, text, len);
	if (warnings != NULL) {
		*warnings = p.warnings ? steal_pointer(&p.warnings) : strv_new();
	}
	int rc = 0;
	if (p.error != NULL) {
		err_free(err);
		if (err != NULL)
			*err = steal_pointer(&p.error);
		rc = -1;
	}
	parse_clear(&p);
	return rc;
}

/* ---- getters -------------------------------------------------------------------------------- */

static int lookup(const char *key)
{
	if (!cfg.loaded)
		config_load(NULL);
	return key ? find_key(key, strlen(key)) : -1;
}

const char *config_get(const char *key)
{
	int i = lookup(key);
	if (i < 0)
		return NULL;
	return cfg.values[i] ? cfg.values[i] : keys[i].def;
}

const char *config_source(const char *key)
{
	int i = lookup(key);
	return i >= 0 && cfg.sources[i] ? cfg.sources[i] : "default";
}

bool config_is_set(const char *key)
{
	int i = lookup(key);
	return i >= 0 && cfg.values[i] != NULL;
}

bool config_bool(const char *key)
{
	const char *v = config_get(key);
	bool b = false;
	return v != NULL && parse_bool(v, &b) == 0 && b;
}

/* Append the elements of a colon-separated list to *out, skipping empty ones and those already
 * there. */
static int split_into(const char *list, char ***out)
{
	cleanup_free char *copy = strdup(list ? list : "");
	if (copy == NULL)
		return -1;
	char *save = NULL;
	for (char *e = strtok_r(copy, ":", &save); e != NULL; e = strtok_r(NULL, ":", &save)) {
		bool seen = false;
		for (char **s = *out; *s != NULL && !seen; s++)
			seen = strcmp(*s, e) == 0;
		if (!seen && strv_push(out, strdup(e)) < 0)
			return -1;
	}
	return 0;
}

char **config_list(const char *key)
{
	char **out = strv_new();
	if (out != NULL && split_into(config_get(key), &out) < 0) {
		strv_free(out);
		return NULL;
	}
	return out;
}

const char *config_file(void)
{
	lookup(NULL);
	return cfg.file;
}

char *const *config_warnings(void)
{
	static char *const none[] = {NULL};
	lookup(NULL);
	return cfg.warnings ? cfg.warnings : none;
}

char **config_filter_paths(void)
{
	char **out = strv_new();
	if (out == NULL || !config_bool("REAPER_FILTER_ENABLED"))
		return out;
	bool append = strcmp(config_get("REAPER_FILTER_MODE"), "append") == 0;
	if ((append && split_into(filter_builtin, &out) < 0) ||
	    split_into(config_get("REAPER_FILTER_PATHS"), &out) < 0) {
		strv_free(out);
		return NULL;
	}
	return out;
}

bool config_filter_allowed(const char *path)
{
	cleanup_strv char **allow = config_list("REAPER_FILTER_ALLOWLIST");
	for (size_t i = 0; allow != NULL && allow[i] != NULL; i++) {
		char *e = allow[i];
		size_t n = strlen(e);
		while (n > 1 && e[n - 1] == '/')
			e[--n] = '\0';
		if (fnmatch(e, path, FNM_PATHNAME | FNM_LEADING_DIR) == 0)
			return true;
	}
	return false;
}

/* ---- the default file ----------------------------------------------------------------------- */

/* WORDS separated by colons, as comment lines of at most about 96 columns. */
static void comment_list(FILE *f, const char *lead, const char *list)
{
	size_t col = (size_t)fprintf(f, "%s", lead);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ":");
		if (col + n + 1 > 96) {
			fputs("\n#  ", f);
			col = 3;
		}
		col += (size_t)fprintf(f, " %.*s", (int)n, p);
		p += n + (p[n] == ':');
	}
	fputc('\n', f);
}

char *config_default_text(void)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	if (f == NULL)
		return NULL;
	fputs("# Reaper's node settings, read by every Reaper process on this node (docs/operations.md,\n"
	      "# \"Node configuration\"). KEY=VALUE lines; a line starting with # is a comment. A variable\n"
	      "# of the same name in a process's environment (containerd's, for the shims and monitors)\n"
	      "# overrides its line. Each setting is shown commented out, with its default: uncomment a\n"
	      "# line to change it. `reaper doctor` shows the effective settings and where each came from.\n"
	      "#\n"
	      "# Written by `reaper install`, which never overwrites this file once it has been changed\n"
	      "# and removes it on --uninstall only if it is still unchanged.\n",
	      f);
	for (size_t i = 0; i < N_KEYS; i++) {
		fprintf(f, "\n# %s\n", keys[i].help);
		if (strcmp(keys[i].name, "REAPER_FILTER_MODE") == 0)
			comment_list(f, "# built in:", filter_builtin);
		fprintf(f, "#%s=%s\n", keys[i].name, keys[i].def);
	}
	return fclose(f) == 0 ? out : (free(out), NULL);
}
