/* SPDX-License-Identifier: Apache-2.0 */
/* Unix socket addresses as ttrpc peers write them: "unix:///path", "/path", "@abstract". */
#ifndef REAPER_TTRPC_SOCKET_H
#define REAPER_TTRPC_SOCKET_H

#include "error.h"

/* A connected, non-blocking, close-on-exec socket to address (fd returned), or -1 with err
 * (err->errnum tells why: ENOENT, ECONNREFUSED, EAGAIN when the backlog is full...). */
int sock_connect(const char *address, struct error **err);
/* Make an inherited fd non-blocking and close-on-exec. */
int sock_prepare_fd(int fd, struct error **err);

#endif
