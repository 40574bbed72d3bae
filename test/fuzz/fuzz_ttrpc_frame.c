/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the frame parser fed in arbitrary chunks, and the ttrpc envelope decoders
 * (Request as the server decodes it, Response as the client does) on every frame it yields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ttrpc.pb-c.h"
#include "frame.h"
#include "message.h"
#include "ttrpc.h"

static void check_frame(const struct frame *f)
{
	if (f->h.length > 0 && f->data == NULL)
		abort();
	Ttrpc__Request *req = msg_decode_request(f->data, f->h.length);
	if (req != NULL)
		ttrpc__request__free_unpacked(req, NULL);
	struct msg_result r;
	msg_decode_response(f->data, f->h.length, &ttrpc__key_value__descriptor, &r);
	if ((r.code == TTRPC_OK) != (r.reply != NULL))
		abort();
	msg_result_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The first byte picks the chunk size, like reads of different sizes would; a small limit
	 * makes the oversize path reachable with small inputs. */
	size_t chunk = (size_t)(data[0] % 32) + 1;
	size_t max_data = data[0] & 0x80 ? 64 : TTRPC_MAX_DATA;
	data++;
	size--;
	struct frame_reader r = {0};
	size_t off = 0;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t want = frame_reader_want(&r);
		if (want == 0)
			abort();
		size_t used;
		struct frame f;
		enum frame_result res = frame_reader_feed(&r, data + off, n, max_data, &used, &f);
		if (used > n || (used == 0 && n > 0 && res == FRAME_NEED_MORE))
			abort();
		off += used;
		if (res == FRAME_READY) {
			if (f.h.length > max_data)
				abort();
			check_frame(&f);
			free(f.data);
		} else if (res == FRAME_OVERSIZE && f.h.length <= max_data) {
			abort();
		}
	}
	frame_reader_reset(&r);
	return 0;
}
