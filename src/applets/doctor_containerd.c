/* SPDX-License-Identifier: Apache-2.0 */
/* containerd as the doctor sees it on the node: its configuration files (which declare Reaper's
 * handler, and whether a CRI section of one file hides another's under containerd 1.x), its own
 * merged view of them (`containerd config dump` of the node's binary, run in the host root), whether
 * the running daemon started after the config last changed, and the shim it will find on its PATH.
 * The node's containerd, its PATH and its binary are taken from its systemd unit when there is one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cleanup.h"
#include "ctrd_plan.h"
#include "doctor.h"
#include "fsutil.h"
#include "names.h"
#include "procfs.h"
#include "strv.h"

#define SYSTEMD_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define OUTPUT_MAX           (4 << 20)
#define RUN_TIMEOUT_MS       15000

/* ---- containerd's systemd unit ------------------------------------------------------------- */

struct unit {
	char *file;     /* node path of containerd.service, NULL when there is none */
	char *exec;     /* the program of ExecStart= */
	char *path_env; /* PATH= of Environment= */
};

static void unit_clear(struct unit *u)
{
	free(u->file);
	free(u->exec);
	free(u->path_env);
}

static const char *const unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
					"/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
					"/lib/systemd/system"};

static void set_str(char **dst, const char *src, size_t n)
{
	free(*dst);
	*dst = n > 0 ? strndup(src, n) : NULL;
}

/* Environment="A=b" C=d ...: the value of PATH, if set. */
static void unit_environment(struct unit *u, const char *v)
{
	while (*v) {
		while (*v == ' ' || *v == '\t')
			v++;
		bool quoted = *v == '"';
		const char *start = v + quoted;
		const char *end = quoted ? strchr(start, '"') : start + strcspn(start, " \t");
		if (end == NULL)
			end = start + strlen(start);
		if (end - start > 5 && strncmp(start, "PATH=", 5) == 0)
			set_str(&u->path_env, start + 5, (size_t)(end - start - 5));
		v = *end ? end + 1 : end;
	}
}

static void unit_parse(struct unit *u, const char *text)
{
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t n = strcspn(line, "\n");
		cleanup_free char *l = strndup(line, n);
		if (l == NULL)
			return;
		if (strncmp(l, "ExecStart=", 10) == 0) {
			const char *v = l + 10;
			v += strspn(v, "@-:+!");
			set_str(&u->exec, v, strcspn(v, " \t"));
		} else if (strncmp(l, "Environment=", 12) == 0) {
			unit_environment(u, l + 12);
		}
	}
}

static int compare_base(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
	return strcmp(x ? x : "", y ? y : "");
}

/* containerd.service as systemd would assemble it: the first unit file found, then its drop-ins
 * (containerd.service.d/ *.conf of every unit directory) in the order of their names. */
static void read_unit(const struct doctor *d, struct unit *u)
{
	memset(u, 0, sizeof(*u));
	cleanup_strv char **dropins = strv_new();
	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		cleanup_free char *node = NULL, *path = NULL, *text = NULL, *dnode = NULL, *dpath = NULL;
		size_t len = 0;
		bool exists = false;
		if (asprintf(&node, "%s/containerd.service", unit_dirs[i]) < 0 ||
		    (path = doctor_on_node(d, node)) == NULL)
			return;
		if (u->file == NULL && fs_read_optional(path, OUTPUT_MAX, &text, &len, &exists, NULL) == 0 &&
		    exists) {
			u->file = steal_pointer(&node);
			unit_parse(u, text);
		}
		if (asprintf(&dnode, "%s/containerd.service.d", unit_dirs[i]) < 0 ||
		    (dpath = doctor_on_node(d, dnode)) == NULL)
			return;
		DIR *dir = opendir(dpath);
		for (struct dirent *e; dir != NULL && (e = readdir(dir)) != NULL;) {
			size_t n = strlen(e->d_name);
			char *f = NULL;
			if (n > 5 && strcmp(e->d_name + n - 5, ".conf") == 0 &&
			    asprintf(&f, "%s/%s", dpath, e->d_name) >= 0)
				strv_push(&dropins, f);
		}
		if (dir != NULL)
			closedir(dir);
	}
	if (u->file == NULL || dropins == NULL)
		return;
	qsort(dropins, strv_len(dropins), sizeof(char *), compare_base);
	for (size_t i = 0; dropins[i] != NULL; i++) {
		cleanup_free char *text = NULL;
		size_t len = 0;
		bool exists = false;
		if (fs_read_optional(dropins[i], OUTPUT_MAX, &text, &len, &exists, NULL) == 0 && exists)
			unit_parse(u, text);
	}
}

/* ---- running a program of the node --------------------------------------------------------- */

struct run {
	int status; /* the exit status; -1: it could not be run (why says so) */
	char *out, *err;
	char why[256];
};

static void run_clear(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define RUN_FAILED_MARK "reaper-doctor-run: "

/* Run PROGRAM (a node path) with ARGV in the host root (chroot there unless it is /), with
 * systemd's default PATH and nothing else in the environment; collect its output, bounded. */
static void run_on_node(const struct doctor *d, const char *program, char *const argv[], struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->status = -1;
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		snprintf(r->why, sizeof(r->why), "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(r->why, sizeof(r->why), "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		if (strcmp(d->host_root, "/") != 0 && chroot(d->host_root) < 0) {
			fprintf(stderr, RUN_FAILED_MARK "chroot %s: %s\n", d->host_root, strerror(errno));
			_exit(127);
		}
		if (chdir("/") < 0)
			_exit(127);
		char *const envp[] = {"PATH=" SYSTEMD_DEFAULT_PATH, NULL};
		execve(program, argv, envp);
		fprintf(stderr, RUN_FAILED_MARK "exec %s: %s\n", program, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	FILE *fo = open_memstream(&r->out, &(size_t){0}), *fe = open_memstream(&r->err, &(size_t){0});
	struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
	uint64_t deadline = clock_monotonic_ms() + RUN_TIMEOUT_MS;
	size_t total = 0;
	bool timed_out = false;
	while ((p[0].fd >= 0 || p[1].fd >= 0) && total < OUTPUT_MAX) {
		uint64_t now = clock_monotonic_ms();
		if (now >= deadline) {
			timed_out = true;
			break;
		}
		if (poll(p, 2, (int)(deadline - now)) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			char buf[4096];
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			fwrite(buf, 1, (size_t)n, i == 0 ? fo : fe);
			total += (size_t)n;
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	fclose(fo);
	fclose(fe);
	kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		snprintf(r->why, sizeof(r->why), "%s did not finish within %d s", program,
			 RUN_TIMEOUT_MS / 1000);
		return;
	}
	const char *mark = r->err ? strstr(r->err, RUN_FAILED_MARK) : NULL;
	if (mark != NULL) {
		snprintf(r->why, sizeof(r->why), "%.*s", (int)strcspn(mark + strlen(RUN_FAILED_MARK), "\n"),
			 mark + strlen(RUN_FAILED_MARK));
		return;
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first line of S (static buffer of the caller's size). */
static const char *first_line(const char *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.*s", (int)strcspn(s ? s : "", "\n"), s ? s : "");
	return buf;
}

/* ---- the configuration files ---------------------------------------------------------------- */

static bool declares(const struct ctrd_config *c, const char *handler)
{
	for (size_t i = 0; c->reaper_handlers[i] != NULL; i++)
		if (handler == NULL || strcmp(c->reaper_handlers[i], handler) == 0)
			return true;
	return false;
}

/* Which handler the checks are about: --handler, else the first of Reaper's type found. */
static const char *handler_of_interest(const struct doctor *d, const struct ctrd_files *f)
{
	if (d->handler != NULL)
		return d->handler;
	for (size_t i = 0; i < f->n; i++)
		if (f->files[i].cfg.reaper_handlers[0] != NULL)
			return f->files[i].cfg.reaper_handlers[0];
	return NULL;
}

/* The files, statically: is the handler declared, and does a CRI section hide another? */
static void check_files(struct doctor *d, const struct ctrd_files *f, const char *handler)
{
	const struct ctrd_file *root = &f->files[0];
	for (size_t i = 0; d->handler != NULL && i < f->n; i++) {
		const struct ctrd_config *c = &f->files[i].cfg;
		if (c->has_handler &&
		    (c->handler_type == NULL || strcmp(c->handler_type, REAPER_RUNTIME_TYPE) != 0))
			report(d, FAIL,
			       "containerd config %s: the handler %s has runtime_type '%s', not %s: remove "
			       "that "
			       "entry, or choose another handler (reaper install --handler)",
			       doctor_node_path(d, f->files[i].path), d->handler,
			       c->handler_type ? c->handler_type : "(none)", REAPER_RUNTIME_TYPE);
	}
	const struct ctrd_file *declaring = NULL;
	size_t n_declaring = 0;
	for (size_t i = 0; i < f->n; i++)
		if (handler != NULL && declares(&f->files[i].cfg, handler)) {
			declaring = &f->files[i]; /* the last one: the one that counts */
			n_declaring++;
			report(d, OK, "containerd config: handler %s has runtime_type %s (%s)", handler,
			       REAPER_RUNTIME_TYPE, doctor_node_path(d, f->files[i].path));
		}
	if (declaring == NULL) {
		report(d, FAIL,
		       "containerd config %s: no runtime handler %s%swith runtime_type %s: run reaper "
		       "install "
		       "(it adds the handler)",
		       d->config, d->handler ? d->handler : "", d->handler ? " " : "", REAPER_RUNTIME_TYPE);
		return;
	}
	if (!ctrd_config_passes_annotation(&declaring->cfg, "reaper.runtime/overlay-name"))
		report(d, WARN,
		       "containerd config %s: the handler %s has no pod_annotations = [\"%s\"]: containerd "
		       "keeps the pods' reaper.runtime/ annotations (overlay-name, dns-mode) from Reaper, "
		       "which then places every pod in its namespace's group; add that line to the entry "
		       "(an install made before Reaper honoured annotations lacks it) and restart containerd",
		       doctor_node_path(d, declaring->path), handler, REAPER_POD_ANNOTATIONS);
	if (n_declaring > 1)
		report(d, WARN,
		       "containerd config: %zu files declare the handler %s; the last one loaded counts",
		       n_declaring, handler);
	/* containerd 1.x: an imported file's plugin section replaces the earlier ones whole. */
	const struct ctrd_file *last_cri = NULL;
	size_t n_cri = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->files[i].cfg.has_cri) {
			last_cri = &f->files[i];
			n_cri++;
		}
	if (root->cfg.version != 2 || n_cri < 2)
		return;
	if (d->containerd_major >= 2) {
		report(d, OK,
		       "containerd config: %zu files configure the CRI plugin; containerd %d.x merges them "
		       "key by key",
		       n_cri, d->containerd_major);
		return;
	}
	const char *which = d->containerd_major == 1 ? "the node's containerd 1.x" : "containerd 1.x";
	if (declaring != last_cri)
		report(d, FAIL,
		       "containerd config: %s declares the handler %s, but %s, loaded after it, configures "
		       "the "
		       "CRI plugin too, and %s keeps only the last file's CRI section: the handler is "
		       "hidden. "
		       "Move the handler's table into %s (or that file's CRI settings out of it)",
		       doctor_node_path(d, declaring->path), handler, doctor_node_path(d, last_cri->path),
		       which, doctor_node_path(d, last_cri->path));
	else
		report(d, FAIL,
		       "containerd config: %zu files configure the CRI plugin and %s keeps only the last "
		       "one's "
		       "(%s): the CRI settings of the others (sandbox image, runc options, registries) are "
		       "lost. Merge the CRI sections into one file",
		       n_cri, which, doctor_node_path(d, last_cri->path));
}

/* ---- containerd itself ---------------------------------------------------------------------- */

static bool executable_on_node(const struct doctor *d, const char *node_path)
{
	cleanup_free char *p = doctor_on_node(d, node_path);
	struct stat st;
	return p != NULL && stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* The node's containerd: --containerd, its unit's ExecStart=, or the usual places. */
static char *find_containerd(const struct doctor *d, const struct unit *u)
{
	if (d->containerd != NULL)
		return strdup(d->containerd);
	if (u->exec != NULL && u->exec[0] == '/')
		return strdup(u->exec);
	static const char *const places[] = {"/usr/local/bin/containerd", "/usr/bin/containerd",
					     "/usr/local/sbin/containerd", "/usr/sbin/containerd",
					     "/bin/containerd"};
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		if (executable_on_node(d, places[i]))
			return strdup(places[i]);
	return NULL;
}

static int major_of(const char *version_out)
{
	/* "containerd github.com/containerd/containerd[/v2] 1.6.20 ...": the third word. */
	const char *p = version_out;
	for (int word = 0; p != NULL && word < 2; word++) {
		p = strchr(p, ' ');
		p = p ? p + 1 : NULL;
	}
	if (p == NULL)
		return 0;
	p += *p == 'v';
	return atoi(p);
}

static void confirm_by_dump(struct doctor *d, const char *binary, const char *version, const char *handler)
{
	char *const argv[] = {"containerd", "--config", (char *)d->config, "config", "dump", NULL};
	cleanup_error struct error *err = NULL;
	struct run r;
	run_on_node(d, binary, argv, &r);
	char line[256];
	if (r.status < 0) {
		report(d, WARN,
		       "containerd's own view: could not run `%s --config %s config dump` (%s): the handler "
		       "is "
		       "unconfirmed; run that command on the node",
		       binary, d->config, r.why);
		goto out;
	}
	if (r.status != 0) {
		report(d, FAIL,
		       "containerd %s cannot load its config: %s: it would not start; fix what it names (`%s "
		       "--config %s config dump` on the node shows it)",
		       version, first_line(r.err, line, sizeof(line)), binary, d->config);
		goto out;
	}
	struct ctrd_config dump;
	if (ctrd_config_parse(r.out, strlen(r.out), handler, 1, &dump, &err) < 0) {
		report(d, WARN, "containerd's own view: cannot read the output of config dump: %s",
		       err_message(err));
		goto out;
	}
	bool found = handler != NULL ? dump.has_handler && dump.handler_type != NULL &&
					       strcmp(dump.handler_type, REAPER_RUNTIME_TYPE) == 0
				     : dump.reaper_handlers[0] != NULL;
	if (found)
		report(d, OK,
		       "containerd %s (%s) confirms: its merged config declares the handler %s (config dump)",
		       version, binary, handler ? handler : dump.reaper_handlers[0]);
	else
		report(d, FAIL,
		       "containerd %s (%s) does not see the handler %s: its merged config (config dump) "
		       "lacks "
		       "it although a file declares it; a file loaded later hides it (see above): merge the "
		       "CRI sections, then restart containerd",
		       version, binary, handler ? handler : "of runtime_type " REAPER_RUNTIME_TYPE);
	const char *def = dump.default_runtime ? dump.default_runtime : "runc";
	if (ctrd_config_cri_plugin(dump.version) != NULL && !ctrd_config_types(&dump, def))
		report(d, FAIL,
		       "containerd %s: its CRI plugin would fail to load: the default runtime '%s' "
		       "(default_runtime_name) is not among its runtimes (declaring any runtime replaces the "
		       "built-in list): declare [...containerd.runtimes.%s] with its runtime_type",
		       version, def, def);
	ctrd_config_clear(&dump);
out:
	run_clear(&r);
}

/* Seconds since the epoch at which PID started. */
static bool started_at(pid_t pid, time_t *out)
{
	struct proc_stat st;
	cleanup_free char *stat = NULL;
	size_t len = 0;
	bool exists = false;
	if (procfs_stat(pid, &st, NULL) < 0 ||
	    fs_read_optional("/proc/stat", OUTPUT_MAX, &stat, &len, &exists, NULL) < 0 || !exists)
		return false;
	const char *b = strstr(stat, "\nbtime ");
	long ticks = sysconf(_SC_CLK_TCK);
	if (b == NULL || ticks <= 0)
		return false;
	*out = (time_t)(strtoll(b + 7, NULL, 10) + (long long)(st.starttime / (unsigned long long)ticks));
	return true;
}

/* The config a containerd process reads: --config/-c, else the default. */
static bool reads_config(pid_t pid, const struct doctor *d, const char *on_here)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	cleanup_free char *cmd = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional(path, 65536, &cmd, &len, &exists, NULL) < 0 || !exists || len == 0)
		return false;
	const char *config = "/etc/containerd/config.toml";
	const char *base = strrchr(cmd, '/');
	if (strcmp(base ? base + 1 : cmd, "containerd") != 0)
		return false;
	for (size_t off = strlen(cmd) + 1; off < len; off += strlen(cmd + off) + 1) {
		const char *a = cmd + off;
		if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && off + strlen(a) + 1 < len)
			config = a + strlen(a) + 1;
		else if (strncmp(a, "--config=", 9) == 0)
			config = a + 9;
		if (strcmp(a, "config") == 0) /* a subcommand: not the daemon */
			return false;
	}
	return strcmp(config, d->config) == 0 || strcmp(config, on_here) == 0;
}

/* Has the running containerd read the config as it is now? */
static void check_loaded(struct doctor *d, const struct ctrd_files *f)
{
	time_t newest = 0;
	const char *newest_file = NULL;
	for (size_t i = 0; i < f->n; i++) {
		struct stat st;
		if (stat(f->files[i].path, &st) == 0 && st.st_mtime > newest) {
			newest = st.st_mtime;
			newest_file = f->files[i].path;
		}
	}
	cleanup_free char *here = doctor_on_node(d, d->config);
	DIR *proc = opendir("/proc");
	pid_t found = 0;
	for (struct dirent *e; proc != NULL && found == 0 && (e = readdir(proc)) != NULL;) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end == '\0' && pid > 0 && reads_config((pid_t)pid, d, here ? here : ""))
			found = (pid_t)pid;
	}
	if (proc != NULL)
		closedir(proc);
	time_t start = 0;
	if (found == 0 || !started_at(found, &start)) {
		report(d, WARN,
		       "containerd: no daemon reading %s is visible here (not running, or in another pid "
		       "namespace: a pod needs hostPID): cannot tell whether it has loaded the config",
		       d->config);
		return;
	}
	if (newest_file != NULL && newest > start)
		report(d, WARN,
		       "containerd (pid %d) started before %s last changed: it has not loaded the handler "
		       "yet; "
		       "restart it (systemctl restart containerd)",
		       (int)found, doctor_node_path(d, newest_file));
	else
		report(d, OK, "containerd (pid %d) started after its config last changed: it runs with it",
		       (int)found);
}

/* ---- the shim on containerd's PATH ---------------------------------------------------------- */

static void check_shim(struct doctor *d, const struct unit *u, const char *containerd)
{
	cleanup_free char *dirs = NULL;
	cleanup_free char *bindir = containerd ? fs_dirname(containerd) : NULL;
	const char *path = u->path_env ? u->path_env : SYSTEMD_DEFAULT_PATH;
	const char *source = u->path_env ? u->file : "systemd's default";
	if (asprintf(&dirs, "%s%s%s", path, bindir ? ":" : "", bindir ? bindir : "") < 0)
		return;
	char *save = NULL;
	cleanup_free char *copy = strdup(dirs);
	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		cleanup_free char *node = NULL;
		if (dir[0] != '/' || asprintf(&node, "%s/%s", dir, APPLET_SHIM_NAME) < 0 ||
		    !executable_on_node(d, node))
			continue;
		cleanup_free char *here = doctor_on_node(d, node);
		char real[PATH_MAX], self[PATH_MAX];
		if (here != NULL && realpath(here, real) != NULL &&
		    realpath("/proc/self/exe", self) != NULL && strcmp(real, self) == 0) {
			report(d, OK, "shim: %s on containerd's PATH -> %s (this reaper)", node,
			       doctor_node_path(d, real));
			return;
		}
		char *const argv[] = {APPLET_SHIM_NAME, "--version", NULL};
		struct run r;
		run_on_node(d, node, argv, &r);
		char line[256];
		first_line(r.out, line, sizeof(line));
		const char *want = APPLET_SHIM_NAME " version ";
		if (r.status == 0 && strncmp(line, want, strlen(want)) == 0)
			report(d, OK, "shim: %s on containerd's PATH (%s)", node, line);
		else
			report(d, FAIL,
			       "shim: %s, the first on containerd's PATH, is not a reaper (its --version "
			       "says "
			       "'%s'%s%s): remove it, or reinstall (reaper install)",
			       node, *line ? line : "nothing", r.status < 0 ? "; " : "",
			       r.status < 0 ? r.why : "");
		run_clear(&r);
		return;
	}
	report(d, FAIL,
	       "shim: %s is not on containerd's PATH (%s, from %s%s): install with a --prefix whose bin/ is "
	       "there (reaper install --prefix /usr/local), or add PREFIX/bin to containerd's PATH "
	       "(Environment=PATH=... in a drop-in of containerd.service)",
	       APPLET_SHIM_NAME, dirs, source ? source : "?",
	       bindir ? ", and containerd's own directory" : "");
}

/* The config files and containerd's own view of them. */
static void check_config(struct doctor *d, const char *binary, const char *version)
{
	struct ctrd_files f;
	cleanup_error struct error *err = NULL;
	if (ctrd_files_load(d->host_root, d->config, d->handler, &f, &err) < 0) {
		report(d, FAIL, "containerd config: %s: fix the file (containerd would not start with it)",
		       err_message(err));
		return;
	}
	if (!f.root_exists) {
		report(d, FAIL,
		       "containerd config %s: missing; containerd's defaults declare no %s handler: run "
		       "reaper install (it writes one)",
		       d->config, REAPER_RUNTIME_TYPE);
		ctrd_files_clear(&f);
		return;
	}
	const char *of_interest = handler_of_interest(d, &f);
	cleanup_free char *handler = of_interest ? strdup(of_interest) : NULL;
	if (d->handler == NULL && handler != NULL) { /* read again for that handler's own keys */
		ctrd_files_clear(&f);
		if (ctrd_files_load(d->host_root, d->config, handler, &f, &err) < 0) {
			report(d, FAIL, "containerd config: %s", err_message(err));
			return;
		}
	}
	check_files(d, &f, handler);
	if (binary == NULL)
		report(d, WARN,
		       "containerd: no binary found (its unit's ExecStart=, /usr/local/bin, /usr/bin...): "
		       "the handler is unconfirmed; name it with --containerd PATH");
	else
		confirm_by_dump(d, binary, version, handler);
	check_loaded(d, &f);
	ctrd_files_clear(&f);
}

void check_containerd(struct doctor *d)
{
	struct unit u;
	read_unit(d, &u);
	cleanup_free char *binary = find_containerd(d, &u);
	char version[128] = "(version unknown)";
	if (binary != NULL) {
		char *const argv[] = {"containerd", "--version", NULL};
		struct run r;
		run_on_node(d, binary, argv, &r);
		if (r.status == 0 && (d->containerd_major = major_of(r.out)) > 0) {
			const char *p = r.out;
			for (int w = 0; w < 2 && p; w++)
				p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
			snprintf(version, sizeof(version), "%.*s", p ? (int)strcspn(p, " \n") : 0,
				 p ? p : "");
		}
		run_clear(&r);
	}
	check_config(d, binary, version);
	check_shim(d, &u, binary);
	unit_clear(&u);
}
