/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper doctor`: is Reaper working on this node? A checklist (ok / warn / FAIL, each FAIL saying
 * what to do) of what the shim and the monitor need: the kernel (doctor_kernel.c), a node
 * configuration without errors, usable state and overlay directories, and containerd
 * (doctor_containerd.c): a handler of runtime_type io.containerd.reaper.v2 in its config files,
 * confirmed by containerd's own merged view, loaded by the running daemon, and a shim on its PATH
 * that is a reaper. Then the effective node settings and where each came from. With --host-root
 * every check reads the node mounted there. Exits 1 on any FAIL. Changes nothing. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "applet.h"
#include "cleanup.h"
#include "config.h"
#include "doctor.h"
#include "overlay.h"
#include "state.h"

#define OVERLAYFS_MAGIC 0x794c7630
#define DOCTOR_NAME     "reaper doctor"

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

static void check_dir(struct doctor *d, const char *what, const char *setting, const char *path,
		      bool overlay_upper)
{
	const char *shown = doctor_node_path(d, path);
	bool is_self = false;
	cleanup_free char *at = nearest_existing(path, &is_self);
	if (at == NULL) {
		report(d, FAIL, "%s %s: out of memory", what, shown);
		return;
	}
	struct stat st;
	if (stat(at, &st) < 0 || !S_ISDIR(st.st_mode)) {
		report(d, FAIL, "%s %s: %s is not a directory: remove it, or set %s to another path", what,
		       shown, doctor_node_path(d, at), setting);
		return;
	}
	if (access(at, W_OK | X_OK) < 0) {
		report(d, FAIL,
		       "%s %s: %s is not writable (%s): Reaper runs as root; set %s to a writable path", what,
		       shown, doctor_node_path(d, at), strerror(errno), setting);
		return;
	}
	struct statfs fs;
	/* overlayfs cannot take an upper or work directory that is itself on overlayfs. */
	if (overlay_upper && statfs(at, &fs) == 0 && (unsigned long)fs.f_type == OVERLAYFS_MAGIC) {
		report(d, FAIL,
		       "%s %s: %s is on overlayfs, which cannot hold an overlay's upper dir: set %s to a "
		       "path on "
		       "another filesystem (a tmpfs such as /run)",
		       what, shown, doctor_node_path(d, at), setting);
		return;
	}
	if (is_self)
		report(d, OK, "%s %s: a writable directory", what, shown);
	else
		report(d, OK, "%s %s: absent, will be created under %s (writable)", what, shown,
		       doctor_node_path(d, at));
}

/* ---- node configuration -------------------------------------------------------------------- */

/* The settings as the node's Reaper processes read them: $REAPER_CONFIG, else the node's own
 * file (under --host-root); then this process's environment over it. */
static int load_settings(struct doctor *d, struct error **err)
{
	const char *named = getenv(CONFIG_PATH_VAR);
	if ((named != NULL && *named != '\0') || strcmp(d->host_root, "/") == 0)
		return config_load(err);
	cleanup_free char *path = doctor_on_node(d, CONFIG_DEFAULT_PATH);
	if (path == NULL)
		return err_sys(err, ENOMEM, "paths");
	return config_load_file(path, err);
}

static void check_settings(struct doctor *d, struct error *err)
{
	if (err != NULL)
		report(d, FAIL,
		       "node configuration: %s: fix that line (Reaper refuses every workload until it is "
		       "fixed; "
		       "no restart is needed after)",
		       err_message(err));
	else if (config_file() != NULL)
		report(d, OK, "node configuration %s: read without errors",
		       doctor_node_path(d, config_file()));
	else
		report(d, OK, "node configuration: no %s, the defaults apply (and the environment)",
		       CONFIG_DEFAULT_PATH);
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

/* ---- command line -------------------------------------------------------------------------- */

static const char doctor_usage[] =
	"usage: reaper doctor [--host-root /] [--config /etc/containerd/config.toml] [--handler NAME]\n"
	"                     [--root DIR] [--containerd PATH]\n"
	"\n"
	"Is Reaper working on this node? One line per check (ok, warn, FAIL and what to do):\n"
	"  kernel      overlayfs, mount namespaces, the system calls Reaper uses (the mount API,\n"
	"              openat2, pidfds, close_range)\n"
	"  settings    the node configuration (/etc/reaper/reaper.conf or $REAPER_CONFIG, then the\n"
	"              environment) without errors; the state dir (REAPER_ROOT, or --root) and the\n"
	"              overlay base (REAPER_OVERLAY_BASE) usable\n"
	"  containerd  its config and the files it imports declare a handler of runtime_type\n"
	"              io.containerd.reaper.v2 (--handler: that one), and no CRI section of one file\n"
	"              hides another's (containerd 1.x keeps only the last); containerd itself confirms\n"
	"              it (`containerd config dump` of the node's binary: its unit's ExecStart=, or\n"
	"              --containerd); the running daemon started after the config last changed; a\n"
	"              containerd-shim-reaper-v2 on containerd's PATH (its unit's, or systemd's\n"
	"              default) that is a reaper.\n"
	"Then every node setting with its value and where it came from (default, FILE:LINE or\n"
	"environment). --host-root DIR: check the node whose root is mounted there (a DaemonSet's\n"
	"/host): every path above is the node's, read under DIR; containerd runs chrooted there.\n"
	"Exits 1 when a check fails. Changes nothing.\n"
	"\n"
	"  --host-root DIR   the node's root filesystem; default /\n"
	"  --config FILE     containerd's root config (a node path)\n"
	"  --handler NAME    the runtime handler to check (default: any of Reaper's runtime type)\n"
	"  --root DIR        the state directory (a node path; default: the setting REAPER_ROOT)\n"
	"  --containerd PATH the node's containerd binary (a node path)\n"
	"  -h, --help        this text\n";

static int doctor_main(int argc, char **argv)
{
	struct doctor d = {.config = "/etc/containerd/config.toml", .host_root = "/"};
	const char *root_opt = NULL;
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"handler", required_argument, NULL, 'H'},
		{"root", required_argument, NULL, 'r'},
		{"host-root", required_argument, NULL, 'R'},
		{"containerd", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config = optarg;
			break;
		case 'H':
			d.handler = optarg;
			break;
		case 'r':
			root_opt = optarg;
			break;
		case 'R':
			d.host_root = optarg;
			break;
		case 'C':
			d.containerd = optarg;
			break;
		case 'h':
			fputs(doctor_usage, stdout);
			return EXIT_OK;
		default:
			return applet_bad_option(DOCTOR_NAME, c, argv);
		}
	}
	if (optind != argc)
		return applet_usage_error(DOCTOR_NAME, "unexpected argument '%s'", argv[optind]);
	if (d.config[0] != '/' || d.host_root[0] != '/' || (root_opt && root_opt[0] != '/') ||
	    (d.containerd && d.containerd[0] != '/'))
		return applet_usage_error(
			DOCTOR_NAME, "%s",
			"--config, --host-root, --root and --containerd take absolute paths");
	char host_root[PATH_MAX];
	if (realpath(d.host_root, host_root) == NULL)
		return applet_usage_error(DOCTOR_NAME, "host root %s is not a directory", d.host_root);
	d.host_root = host_root;
	cleanup_error struct error *settings_err = NULL;
	load_settings(&d, &settings_err);
	d.state_dir = doctor_on_node(&d, root_opt ? root_opt : state_root());
	d.overlay_base = doctor_on_node(&d, overlay_base());
	if (d.state_dir == NULL || d.overlay_base == NULL) {
		fprintf(stderr, DOCTOR_NAME ": out of memory\n");
		return EXIT_FAIL;
	}
	printf("reaper doctor%s%s\n", strcmp(d.host_root, "/") == 0 ? "" : ": the node at ",
	       strcmp(d.host_root, "/") == 0 ? "" : d.host_root);
	check_kernel(&d);
	check_settings(&d, settings_err);
	check_dir(&d, "state dir", root_opt ? "--root" : "REAPER_ROOT", d.state_dir, false);
	check_dir(&d, "overlay base", "REAPER_OVERLAY_BASE", d.overlay_base, true);
	check_containerd(&d);
	print_settings();
	if (d.failures > 0)
		printf("%d check%s failed: Reaper is not ready on this node\n", d.failures,
		       d.failures == 1 ? "" : "s");
	else
		printf("all checks passed%s\n", d.warnings ? " (with warnings)" : "");
	free(d.state_dir);
	free(d.overlay_base);
	return d.failures > 0 ? EXIT_FAIL : EXIT_OK;
}

REAPER_APPLET(doctor, "doctor", doctor_main, "is reaper working on this node? a checklist", doctor_usage);
