/* SPDX-License-Identifier: Apache-2.0 */
/* reaper-pause: what a pod's sandbox task runs. Like Kubernetes' pause: it waits, exits 0 on
 * SIGINT or SIGTERM, and dies like any process on SIGKILL. It never runs the image's /pause. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "applet.h"

static const char usage[] = "usage: reaper-pause\nWaits until SIGINT or SIGTERM, then exits 0.\n";

static int pause_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
	}
	if (argc > 1) {
		fprintf(stderr, APPLET_PAUSE_NAME ": takes no arguments, not '%s'\n", argv[1]);
		return applet_usage_hint(APPLET_PAUSE_NAME);
	}
	/* Started through an fd of the reaper binary: name it for ps and pgrep. */
	prctl(PR_SET_NAME, APPLET_PAUSE_NAME, 0, 0, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sig;
	sigwait(&set, &sig);
	return EXIT_OK;
}

REAPER_APPLET(pause, APPLET_PAUSE_NAME, pause_main,
	      "a pod sandbox's placeholder process (run by the monitor)", usage);
