/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper overlay`: look at the node's shared overlay namespace, or discard it (and every file
 * workloads wrote) when nothing uses it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "applet.h"
#include "cleanup.h"
#include "config.h"
#include "container.h"
#include "overlay.h"

static const char usage[] = "usage: reaper overlay [status | reset [--force]] [--help]\n"
			    "  status  where the overlay lives, whether its namespace exists, how much\n"
			    "          workloads have written, how many containers are alive\n"
			    "  reset   unmount the namespace and its layers: everything workloads wrote is\n"
			    "          discarded. Refused while a container is alive, unless --force.\n"
			    "Uses the node settings REAPER_OVERLAY_BASE and REAPER_ROOT; refuses to act\n"
			    "while the node configuration has an error.\n";

/* Containers created or running, in every namespace under the state root. */
static int live_containers(void)
{
	cleanup_strv char **namespaces = NULL;
	if (state_list(state_root(), &namespaces, NULL) < 0)
		return 0;
	int live = 0;
	for (char **ns = namespaces; *ns != NULL; ns++) {
		struct runtime rt = {.root = state_root(), .ns = *ns};
		cleanup_strv char **ids = NULL;
		if (state_list_processes(&rt, NULL, &ids, NULL) < 0)
			continue;
		for (char **id = ids; *id != NULL; id++) {
			struct proc_state st;
			if (container_state(&rt, *id, NULL, &st, NULL) < 0)
				continue;
			live += st.status == PROC_CREATED || st.status == PROC_RUNNING;
			proc_state_free(&st);
		}
	}
	return live;
}

static int status(void)
{
	const char *base = overlay_base();
	cleanup_free char *nsfile = NULL;
	if (asprintf(&nsfile, "%s/mnt", base) < 0)
		return EXIT_FAIL;
	struct statfs ns, fs;
	bool exists = statfs(nsfile, &ns) == 0 && (unsigned long)ns.f_type == 0x6e736673;
	printf("base:       %s\nnamespace:  %s\n", base,
	       exists ? "present" : "absent (built by the next workload)");
	if (exists && statfs(base, &fs) == 0)
		printf("written:    %llu KiB\n",
		       (unsigned long long)(fs.f_blocks - fs.f_bfree) * fs.f_bsize / 1024);
	printf("containers: %d alive\n", live_containers());
	return EXIT_OK;
}

static int reset(bool force)
{
	int live = live_containers();
	if (live > 0 && !force) {
		fprintf(stderr,
			"reaper overlay: %d container(s) alive; they keep the old namespace (use --force)\n",
			live);
		return EXIT_FAIL;
	}
	struct error *err = NULL;
	if (overlay_teardown(overlay_base(), &err) < 0) {
		err_print(stderr, "reaper overlay", err);
		err_free(&err);
		return EXIT_FAIL;
	}
	printf("overlay under %s discarded\n", overlay_base());
	return EXIT_OK;
}

static int overlay_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
	const char *cmd = argc > 1 ? argv[1] : "status";
	bool show = strcmp(cmd, "status") == 0 && argc <= 2;
	bool force = argc == 3 && strcmp(argv[2], "--force") == 0;
	if (!show && !(strcmp(cmd, "reset") == 0 && (argc == 2 || force))) {
		fprintf(stderr, "reaper overlay: %s '%s'\n",
			argc > 3 || (argc == 3 && !force) ? "unexpected argument" : "unknown command",
			argc > 2 ? argv[argc - 1] : cmd);
		return applet_usage_hint("reaper overlay");
	}
	/* A bad REAPER_OVERLAY_BASE would point at another overlay: say so rather than act there. */
	cleanup_error struct error *err = NULL;
	if (config_load(&err) < 0) {
		fprintf(stderr, "reaper overlay: node configuration: %s\n", err_message(err));
		return EXIT_FAIL;
	}
	return show ? status() : reset(force);
}

REAPER_APPLET(overlay, "overlay", overlay_main, "show or discard the node's shared overlay", usage);
