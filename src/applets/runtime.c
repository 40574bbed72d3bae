#include <stdio.h>

#include "applet.h"

static int runtime_main(int argc, char **argv)
{
	fprintf(stderr, "%s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}

REAPER_APPLET(runtime, "reaper-runtime", runtime_main,
	      "runc-compatible OCI runtime that runs commands on the host", "usage: reaper-runtime ...\n");
