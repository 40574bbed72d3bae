/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing: the 10-byte big-endian header and an incremental frame parser that does no I/O,
 * shared by the server, the client and the fuzz target. */
#ifndef REAPER_TTRPC_FRAME_H
#define REAPER_TTRPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_SIZE 10

enum frame_type {
	FRAME_REQUEST = 1,
	FRAME_RESPONSE = 2,
	FRAME_DATA = 3, /* streaming (ttrpc >= 1.2); never used here */
};

struct frame_header {
	uint32_t length; /* of the data after the header */
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
};

void frame_header_encode(uint8_t out[FRAME_HEADER_SIZE], const struct frame_header *h);
void frame_header_decode(const uint8_t in[FRAME_HEADER_SIZE], struct frame_header *h);

/* A frame as delivered by the reader. data (malloc'ed, NULL when length is 0) belongs to whoever
 * receives the frame. */
struct frame {
	struct frame_header h;
	uint8_t *data;
};

/* Parser state. Memory held is proportional to the bytes of the current frame received so far;
 * an oversized frame is skipped without being stored. */
struct frame_reader {
	uint8_t header[FRAME_HEADER_SIZE];
	size_t header_len;
	struct frame_header h;
	uint8_t *data;
	size_t data_len, data_cap;
	uint32_t skip_left; /* bytes of an oversized frame still to discard */
	int skipping;
};

enum frame_result {
	FRAME_NEED_MORE, /* all input consumed, no frame finished */
	FRAME_READY,     /* *out holds a complete frame */
	FRAME_OVERSIZE,  /* a frame longer than the limit was skipped; out->h says which stream */
	FRAME_NOMEM,     /* allocation failed: drop the connection */
};

/* Consume input until a frame finishes or the input runs out; *used says how many bytes were
 * consumed. Call again with the rest of the input after FRAME_READY/FRAME_OVERSIZE. */
enum frame_result frame_reader_feed(struct frame_reader *r, const uint8_t *in, size_t len, size_t max_data,
				    size_t *used, struct frame *out);
/* How many more bytes finish the current header or frame (always > 0). Reading no more than this
 * lets a connection stop exactly at a frame boundary, leaving the rest in the socket. */
size_t frame_reader_want(const struct frame_reader *r);
/* True while part of a frame has been received. */
int frame_reader_mid_frame(const struct frame_reader *r);
void frame_reader_reset(struct frame_reader *r);

#endif
