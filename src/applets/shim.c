/* SPDX-License-Identifier: Apache-2.0 */
/* containerd-shim-reaper-v2: containerd's runtime v2 shim for Reaper. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "shim_commands.h"

static const char usage[] =
	"usage: containerd-shim-reaper-v2 -namespace NS -id ID -address ADDR [-publish-binary BIN]\n"
	"                                 [-bundle DIR] [-debug] [start|delete]\n"
	"       containerd-shim-reaper-v2 -v | -help\n"
	"Run by containerd (runtime io.containerd.reaper.v2):\n"
	"  start   find the pod's shim or start one; print its address\n"
	"  delete  clean up task ID without the daemon; print a DeleteResponse\n"
	"  (none)  the daemon, serving the Task API on the socket passed as fd 3\n"
	"Environment: TTRPC_ADDRESS (containerd's ttrpc socket, for events). Node settings (from\n"
	"/etc/reaper/reaper.conf or $REAPER_CONFIG, overridden by the environment): REAPER_ROOT (state,\n"
	"default /run/reaper), REAPER_OVERLAY_BASE, REAPER_SHIM_LOG (log file instead of the bundle's\n"
	"log FIFO), REAPER_LOG_LEVEL...; `reaper doctor` lists them. A bad setting fails Create.\n";

static int shim_main(int argc, char **argv)
{
	static const struct option options[] = {{"namespace", required_argument, NULL, 'n'},
						{"id", required_argument, NULL, 'i'},
						{"address", required_argument, NULL, 'a'},
						{"publish-binary", required_argument, NULL, 'p'},
						{"bundle", required_argument, NULL, 'b'},
						{"debug", no_argument, NULL, 'd'},
						{"socket", required_argument, NULL, 'x'},
						{"v", no_argument, NULL, 'v'},
						{"version", no_argument, NULL, 'v'},
						{"help", no_argument, NULL, 'h'},
						{NULL, 0, NULL, 0}};
	struct shim_args a = {.ns = getenv("NAMESPACE")};
	int opt;
	opterr = 0;
	while ((opt = getopt_long_only(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			a.ns = optarg;
			break;
		case 'i':
			a.id = optarg;
			break;
		case 'a':
			a.address = optarg;
			break;
		case 'p':
			a.publish_binary = optarg;
			break;
		case 'b':
			a.bundle = optarg;
			break;
		case 'd':
			a.debug = true;
			break;
		case 'x':
			break;
		case 'v':
			applet_print_version(APPLET_SHIM_NAME);
			return EXIT_OK;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return applet_bad_option(APPLET_SHIM_NAME, opt, argv);
		}
	}
	const char *action = optind < argc ? argv[optind] : NULL;
	if (a.ns == NULL || a.id == NULL || optind + 1 < argc) {
		fprintf(stderr, APPLET_SHIM_NAME ": %s\n",
			optind + 1 < argc ? "one action at most (start or delete)"
					  : "-namespace and -id are required");
		return applet_usage_hint(APPLET_SHIM_NAME);
	}
	if (action == NULL)
		return shim_command_serve(&a);
	if (strcmp(action, "start") == 0)
		return shim_command_start(&a);
	if (strcmp(action, "delete") == 0)
		return shim_command_delete(&a);
	fprintf(stderr, APPLET_SHIM_NAME ": unknown action '%s' (start or delete)\n", action);
	return applet_usage_hint(APPLET_SHIM_NAME);
}

REAPER_APPLET(shim, APPLET_SHIM_NAME, shim_main, "containerd runtime v2 shim (ttrpc Task service)", usage);
