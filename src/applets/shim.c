#include <stdio.h>

#include "applet.h"

static int shim_main(int argc, char **argv)
{
	fprintf(stderr, "%s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}

REAPER_APPLET(shim, "containerd-shim-reaper-v2", shim_main, "containerd runtime v2 shim (ttrpc Task service)",
	      "usage: containerd-shim-reaper-v2 ...\n");
