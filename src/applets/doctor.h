/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper doctor`'s pieces, shared by its files: doctor.c (the command line, the node's settings
 * and directories), doctor_kernel.c (what the kernel must offer), doctor_containerd.c (containerd's
 * configuration, its own view of it, and the shim it will run). Every check reads the node under
 * the host root; none changes anything. doctor_node.c holds the checklist lines and the paths. */
#ifndef REAPER_DOCTOR_H
#define REAPER_DOCTOR_H

#include <stdbool.h>

enum verdict { OK, WARN, FAIL };

struct doctor {
	const char *config;     /* containerd's root config, a node path */
	const char *host_root;  /* canonical */
	const char *handler;    /* NULL: any handler of Reaper's runtime type */
	const char *containerd; /* --containerd: the node's containerd binary (node path), or NULL */
	char *state_dir;        /* under the host root */
	char *overlay_base;
	int containerd_major; /* of the node's containerd, 0 when unknown */
	int failures, warnings;
};

void report(struct doctor *d, enum verdict v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A node path as this process reaches it (under the host root, links resolved as the node would);
 * NULL when out of memory. */
char *doctor_on_node(const struct doctor *d, const char *path);
/* The path as the node names it: the host root stripped. */
const char *doctor_node_path(const struct doctor *d, const char *path);

void check_kernel(struct doctor *d);
/* The config files (static), containerd's own view (config dump), whether it has loaded the
 * current config, and the shim on its PATH. */
void check_containerd(struct doctor *d);

#endif
