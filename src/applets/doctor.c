/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper doctor`: can this node run Reaper? A checklist (ok / warn / FAIL with the reason) of
 * what the shim and the monitor need: overlayfs and mount namespaces in the kernel, a node
 * configuration without errors, usable state and overlay directories, a containerd handler of
 * runtime_type io.containerd.reaper.v2, and a containerd-shim-reaper-v2 on PATH that is a reaper;
 * then the effective node settings and where each came from. Exits 1 on any FAIL. Changes
 * nothing. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applet.h"
#include "cleanup.h"
#include "config.h"
#include "ctrd_plan.h"
#include "fsutil.h"
#include "overlay.h"
#include "state.h"

#define OVERLAYFS_MAGIC 0x794c7630
#define READ_MAX        (1 << 20)

enum verdict { OK, WARN, FAIL };

struct doctor {
	const char *config;
	const char *host_root;
	const char *handler; /* NULL: any handler of Reaper's runtime type */
	const char *state_dir;
	const char *overlay_base;
	int failures, warnings;
};

static void report(struct doctor *d, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct doctor *d, enum verdict v, const char *fmt, ...)
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

/* ---- kernel -------------------------------------------------------------------------------- */

static void check_overlayfs(struct doctor *d)
{
	cleanup_error struct error *err = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional("/proc/filesystems", READ_MAX, &text, &len, &exists, &err) < 0 || !exists) {
		report(d, FAIL, "kernel overlayfs: cannot read /proc/filesystems (%s)",
		       err ? err_message(err) : "missing; is /proc mounted?");
		return;
	}
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *name = strrchr(line, '\t');
		if (strcmp(name ? name + 1 : line, "overlay") == 0) {
			report(d, OK, "kernel overlayfs: listed in /proc/filesystems");
			return;
		}
	}
	report(d, FAIL,
	       "kernel overlayfs: not in /proc/filesystems (modprobe overlay; Reaper refuses workloads "
	       "without its overlay)");
}

static void check_mount_namespaces(struct doctor *d)
{
	if (access("/proc/self/ns/mnt", F_OK) == 0)
		report(d, OK, "kernel mount namespaces: /proc/self/ns/mnt present");
	else
		report(d, FAIL, "kernel mount namespaces: /proc/self/ns/mnt: %s (CONFIG_MNT_NS needed)",
		       strerror(errno));
}

/* ---- directories --------------------------------------------------------------------------- */

/* The directory itself, or its nearest existing ancestor (where it would be created). */
static char *nearest_existing(const char *path, bool *is_self)
{
	char *copy = strdup(path);
	*is_self = true;
	while (copy != NULL && access(copy, F_OK) < 0) {
		*is_self = false;
		char *slash = strrchr(copy, '/');
		if (slash == NULL || slash == copy) {
			strcpy(copy, "/");
			break;
		}
		*slash = '\0';
	}
	return copy;
}

static void check_dir(struct doctor *d, const char *what, const char *path, bool overlay_upper)
{
	if (path[0] != '/') {
		report(d, FAIL, "%s %s: not an absolute path", what, path);
		return;
	}
	bool is_self = false;
	cleanup_free char *at = nearest_existing(path, &is_self);
	if (at == NULL) {
		report(d, FAIL, "%s %s: out of memory", what, path);
		return;
	}
	struct stat st;
	if (stat(at, &st) < 0 || !S_ISDIR(st.st_mode)) {
		report(d, FAIL, "%s %s: %s is not a directory", what, path, at);
		return;
	}
	if (access(at, W_OK | X_OK) < 0) {
		report(d, FAIL, "%s %s: %s is not writable (%s)", what, path, at, strerror(errno));
		return;
	}
	struct statfs fs;
	/* overlayfs cannot take an upper or work directory that is itself on overlayfs. */
	if (overlay_upper && statfs(at, &fs) == 0 && (unsigned long)fs.f_type == OVERLAYFS_MAGIC) {
		report(d, FAIL, "%s %s: %s is on overlayfs, which cannot hold an overlay's upper dir", what,
		       path, at);
		return;
	}
	if (is_self)
		report(d, OK, "%s %s: a writable directory", what, path);
	else
		report(d, OK, "%s %s: absent, will be created under %s (writable)", what, path, at);
}

/* ---- containerd config --------------------------------------------------------------------- */

static void check_config(struct doctor *d)
{
	cleanup_error struct error *err = NULL;
	cleanup_strv char **handlers = NULL;
	cleanup_strv char **files = NULL;
	bool exists = false;
	if (ctrd_plan_reaper_handlers(d->host_root, d->config, &handlers, &files, &exists, &err) < 0) {
		report(d, FAIL, "containerd config: %s", err_message(err));
		return;
	}
	if (!exists) {
		report(d, FAIL,
		       "containerd config %s: missing; containerd's defaults declare no %s handler (reaper "
		       "install "
		       "writes one)",
		       d->config, REAPER_RUNTIME_TYPE);
		return;
	}
	size_t found = 0;
	for (size_t i = 0; handlers[i] != NULL; i++) {
		if (d->handler != NULL && strcmp(d->handler, handlers[i]) != 0)
			continue;
		report(d, OK, "containerd config: handler %s has runtime_type %s (%s)", handlers[i],
		       REAPER_RUNTIME_TYPE, files[i]);
		found++;
	}
	if (found == 0)
		report(d, FAIL,
		       "containerd config %s: no runtime handler %s%swith runtime_type %s (reaper install "
		       "adds it)",
		       d->config, d->handler ? d->handler : "", d->handler ? " " : "", REAPER_RUNTIME_TYPE);
}

/* ---- the shim binary ----------------------------------------------------------------------- */

static char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	cleanup_free char *copy = strdup(path);
	char *save = NULL;
	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir; dir = strtok_r(NULL, ":", &save)) {
		char *candidate = NULL;
		if (asprintf(&candidate, "%s/%s", *dir ? dir : ".", name) < 0)
			return NULL;
		if (access(candidate, X_OK) == 0)
			return candidate;
		free(candidate);
	}
	return NULL;
}

/* Run `PATH --version` and return its first line (bounded wait: a diagnostic must not hang). */
static char *version_line(const char *path)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execl(path, path, "--version", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[256];
	size_t n = 0;
	struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
	while (n < sizeof(buf) - 1 && poll(&pfd, 1, 3000) > 0) {
		ssize_t r = read(fds[0], buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

static void check_shim(struct doctor *d)
{
	cleanup_free char *found = find_on_path(APPLET_SHIM_NAME);
	if (found == NULL) {
		report(d, FAIL,
		       "shim: %s not found on PATH (containerd looks on its own PATH, then beside its "
		       "binary; "
		       "reaper install links it in PREFIX/bin)",
		       APPLET_SHIM_NAME);
		return;
	}
	char real[PATH_MAX], self[PATH_MAX];
	if (realpath(found, real) == NULL) {
		report(d, FAIL, "shim: %s: %s", found, strerror(errno));
		return;
	}
	if (realpath("/proc/self/exe", self) != NULL && strcmp(real, self) == 0) {
		report(d, OK, "shim: %s -> %s (this reaper)", found, real);
		return;
	}
	cleanup_free char *line = version_line(found);
	const char *want = APPLET_SHIM_NAME " version ";
	if (line != NULL && strncmp(line, want, strlen(want)) == 0)
		report(d, OK, "shim: %s -> %s (%s)", found, real, line);
	else
		report(d, FAIL, "shim: %s -> %s is not a reaper (its --version says '%s')", found, real,
		       line ? line : "nothing");
}

/* ---- node configuration -------------------------------------------------------------------- */

/* The settings as the node's Reaper processes read them: $REAPER_CONFIG, else the node's own
 * file (under --host-root); then this process's environment over it. */
static int load_settings(struct doctor *d, struct error **err)
{
	const char *named = getenv(CONFIG_PATH_VAR);
	if ((named != NULL && *named != '\0') || strcmp(d->host_root, "/") == 0)
		return config_load(err);
	cleanup_free char *path = fs_path_under(d->host_root, CONFIG_DEFAULT_PATH);
	if (path == NULL)
		return err_sys(err, ENOMEM, "paths");
	return config_load_file(path, err);
}

static void check_settings(struct doctor *d, struct error *err)
{
	if (err != NULL)
		report(d, FAIL, "node configuration: %s (Reaper refuses every workload until it is fixed)",
		       err_message(err));
	else if (config_file() != NULL)
		report(d, OK, "node configuration %s: read without errors", config_file());
	else
		report(d, OK, "node configuration: no %s, the defaults apply (and the environment)",
		       strcmp(d->host_root, "/") == 0 ? CONFIG_DEFAULT_PATH : "file");
	for (char *const *w = config_warnings(); *w != NULL; w++)
		report(d, WARN, "node configuration: %s", *w);
}

/* Every setting: its value and where it came from. */
static void print_settings(void)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);
	printf("node settings (value, and where it comes from):\n");
	for (size_t i = 0; i < n; i++)
		printf("  %s=%s  (%s)\n", keys[i].name, config_get(keys[i].name),
		       config_source(keys[i].name));
	cleanup_strv char **hidden = config_filter_paths();
	printf("  hidden from every container:");
	for (size_t i = 0; hidden != NULL && hidden[i] != NULL; i++)
		printf(" %s%s", hidden[i], config_filter_allowed(hidden[i]) ? " (allowed)" : "");
	printf("%s\n", hidden != NULL && hidden[0] != NULL ? "" : " nothing");
}

/* A setting (a path on the node) as this process sees it: under the host root. */
static char *on_node(const struct doctor *d, const char *path)
{
	return fs_path_under(d->host_root, path);
}

/* ---- command line -------------------------------------------------------------------------- */

static int doctor_main(int argc, char **argv)
{
	struct doctor d = {.config = "/etc/containerd/config.toml", .host_root = "/"};
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"handler", required_argument, NULL, 'H'},
		{"root", required_argument, NULL, 'r'},
		{"host-root", required_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config = optarg;
			break;
		case 'H':
			d.handler = optarg;
			break;
		case 'r':
			d.state_dir = optarg;
			break;
		case 'R':
			d.host_root = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc || d.config[0] != '/' || d.host_root[0] != '/') {
		fprintf(stderr, "usage: reaper doctor [--config ABSOLUTE_PATH] [--handler NAME] [--root DIR] "
				"[--host-root DIR]\n");
		return EXIT_USAGE;
	}
	cleanup_error struct error *settings_err = NULL;
	load_settings(&d, &settings_err);
	cleanup_free char *state_dir = d.state_dir ? NULL : on_node(&d, state_root());
	cleanup_free char *base = on_node(&d, overlay_base());
	if (d.state_dir == NULL)
		d.state_dir = state_dir;
	d.overlay_base = base;
	if (d.state_dir == NULL || d.overlay_base == NULL) {
		fprintf(stderr, "reaper doctor: out of memory\n");
		return EXIT_FAIL;
	}
	printf("reaper doctor\n");
	check_overlayfs(&d);
	check_mount_namespaces(&d);
	check_settings(&d, settings_err);
	check_dir(&d, "state dir", d.state_dir, false);
	check_dir(&d, "overlay base", d.overlay_base, true);
	check_config(&d);
	check_shim(&d);
	print_settings();
	if (d.failures > 0)
		printf("%d check%s failed\n", d.failures, d.failures == 1 ? "" : "s");
	else
		printf("all checks passed%s\n", d.warnings ? " (with warnings)" : "");
	return d.failures > 0 ? EXIT_FAIL : EXIT_OK;
}

static const char doctor_usage[] =
	"usage: reaper doctor [--config /etc/containerd/config.toml] [--handler NAME]\n"
	"                     [--root DIR] [--host-root /]\n"
	"\n"
	"Checks that this node can run Reaper and prints one line per check (ok, warn, FAIL and why):\n"
	"overlayfs and mount namespaces in the kernel; the node configuration (/etc/reaper/reaper.conf\n"
	"or $REAPER_CONFIG, then the environment) without errors; the state dir (the setting\n"
	"REAPER_ROOT, or --root) and the overlay base (REAPER_OVERLAY_BASE) usable; the containerd\n"
	"config and the files it imports declaring a handler of runtime_type io.containerd.reaper.v2\n"
	"(--handler: that one); a containerd-shim-reaper-v2 on PATH that is a reaper. Then every node\n"
	"setting with its value and where it came from (default, FILE:LINE or environment).\n"
	"--host-root DIR: check the node whose root is mounted there (its reaper.conf, containerd\n"
	"config, and the settings' paths under DIR; --root is taken as given). Exits 1 when a check\n"
	"fails. Changes nothing.\n";

REAPER_APPLET(doctor, "doctor", doctor_main, "check that this node can run reaper", doctor_usage);
