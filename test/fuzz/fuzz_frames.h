/* SPDX-License-Identifier: Apache-2.0 */
/* For the fuzz targets that drive the ttrpc server: its answers read back and each one checked. */
#ifndef REAPER_FUZZ_FRAMES_H
#define REAPER_FUZZ_FRAMES_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "frame.h"
#include "ttrpc.h"

/* Read what the server sent on fd so far and hand every complete frame to check. */
static inline void fuzz_drain_frames(int fd, struct frame_reader *r, void (*check)(const struct frame *f))
{
	uint8_t buf[16384];
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		size_t off = 0;
		while (off < (size_t)n) {
			size_t used;
			struct frame f;
			enum frame_result res =
				frame_reader_feed(r, buf + off, (size_t)n - off, TTRPC_MAX_DATA, &used, &f);
			off += used;
			if (res == FRAME_OVERSIZE || res == FRAME_NOMEM)
				abort();
			if (res == FRAME_READY) {
				check(&f);
				free(f.data);
			}
		}
	}
}

#endif
