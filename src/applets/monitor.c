/* SPDX-License-Identifier: Apache-2.0 */
/* reaper-monitor: started by create/exec (monitor_spawn), never by hand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "applet.h"
#include "log.h"
#include "monitor.h"
#include "state.h"

static const char usage[] =
	"usage: reaper-monitor --root DIR --namespace NS --sync-fd FD [--preserve-fds N]\n"
	"                      [--exec EXEC_ID] [--console-socket PATH | --console-fd FD] [--] ID\n"
	"Started by reaper-runtime create/exec and by the shim: forks the workload, holds it until\n"
	"start, waits for it and records its exit in the state directory. Logs to the node setting\n"
	"REAPER_MONITOR_LOG (none by default); refuses the workload while the node configuration\n"
	"(/etc/reaper/reaper.conf, or $REAPER_CONFIG) has an error.\n";

static int monitor_main(int argc, char **argv)
{
	static const struct option options[] = {
		{"root", required_argument, NULL, 'r'},
		{"namespace", required_argument, NULL, 'n'},
		{"sync-fd", required_argument, NULL, 's'},
		{"exec", required_argument, NULL, 'e'},
		{"console-socket", required_argument, NULL, 'c'},
		{"console-fd", required_argument, NULL, 'f'},
		{"preserve-fds", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct monitor_request req = {
		.root = state_root(), .ns = "default", .console_fd = -1, .stdio = {-1, -1, -1}};
	int sync_fd = -1, opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			req.root = optarg;
			break;
		case 'n':
			req.ns = optarg;
			break;
		case 's':
			sync_fd = atoi(optarg);
			break;
		case 'e':
			req.exec_id = optarg;
			break;
		case 'c':
			req.console_socket = optarg;
			break;
		case 'f':
			req.console_fd = atoi(optarg);
			break;
		case 'p':
			req.preserve_fds = atoi(optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return applet_bad_option(APPLET_MONITOR_NAME, opt, argv);
		}
	}
	if (optind != argc - 1 || sync_fd < 3 + req.preserve_fds || req.preserve_fds < 0) {
		fprintf(stderr, APPLET_MONITOR_NAME ": %s\n",
			optind != argc - 1
				? "one container id is required"
				: "--sync-fd FD must be above the preserved fds (3 + --preserve-fds)");
		return applet_usage_hint(APPLET_MONITOR_NAME);
	}
	req.id = argv[optind];
	log_open_from_config("REAPER_MONITOR_LOG", NULL);
	return monitor_run(&req, sync_fd);
}

REAPER_APPLET(monitor, APPLET_MONITOR_NAME, monitor_main,
	      "per-container monitor: forks the workload, records its exit", usage);
