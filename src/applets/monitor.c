#include <stdio.h>

#include "applet.h"

static int monitor_main(int argc, char **argv)
{
	fprintf(stderr, "%s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}

REAPER_APPLET(monitor, "reaper-monitor", monitor_main,
	      "per-container monitor: forks the workload, waits, records its exit",
	      "usage: reaper-monitor ...\n");
