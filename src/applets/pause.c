/* SPDX-License-Identifier: Apache-2.0 */
/* reaper-pause: what a pod's sandbox task runs. Like Kubernetes' pause: it waits, exits 0 on
 * SIGINT or SIGTERM, and dies like any process on SIGKILL. It never runs the image's /pause. */
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "applet.h"

static int pause_main(int argc, char **argv)
{
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
	      "a pod sandbox's placeholder process (run by the monitor)",
	      "usage: reaper-pause\nWaits until SIGINT or SIGTERM, then exits 0.\n");
