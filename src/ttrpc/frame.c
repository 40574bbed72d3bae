/* SPDX-License-Identifier: Apache-2.0 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void frame_header_encode(uint8_t out[FRAME_HEADER_SIZE], const struct frame_header *h)
{
	put_be32(out, h->length);
	put_be32(out + 4, h->stream_id);
	out[8] = h->type;
	out[9] = h->flags;
}

void frame_header_decode(const uint8_t in[FRAME_HEADER_SIZE], struct frame_header *h)
{
	h->length = get_be32(in);
	h->stream_id = get_be32(in + 4);
	h->type = in[8];
	h->flags = in[9];
}

void frame_reader_reset(struct frame_reader *r)
{
	free(r->data);
	*r = (struct frame_reader){0};
}

int frame_reader_mid_frame(const struct frame_reader *r)
{
	return r->header_len > 0;
}

size_t frame_reader_want(const struct frame_reader *r)
{
	if (r->header_len < FRAME_HEADER_SIZE)
		return FRAME_HEADER_SIZE - r->header_len;
	if (r->skipping)
		return r->skip_left;
	return r->h.length - r->data_len;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Grow the data buffer geometrically, never beyond the announced length, so a peer that announces
 * a large frame and stalls holds memory only for what it actually sent. */
static int reserve_data(struct frame_reader *r, size_t need)
{
	if (need <= r->data_cap)
		return 0;
	size_t cap = r->data_cap ? r->data_cap * 2 : 4096;
	if (cap < need)
		cap = need;
	if (cap > r->h.length)
		cap = r->h.length;
	uint8_t *p = realloc(r->data, cap);
	if (p == NULL)
		return -1;
	r->data = p;
	r->data_cap = cap;
	return 0;
}

/* Take the header bytes; returns 1 once the header is complete. */
static int take_header(struct frame_reader *r, const uint8_t *in, size_t len, size_t *pos, size_t max_data)
{
	if (r->header_len == FRAME_HEADER_SIZE)
		return 1;
	size_t n = min_size(FRAME_HEADER_SIZE - r->header_len, len - *pos);
	memcpy(r->header + r->header_len, in + *pos, n);
	r->header_len += n;
	*pos += n;
	if (r->header_len < FRAME_HEADER_SIZE)
		return 0;
	frame_header_decode(r->header, &r->h);
	r->skipping = r->h.length > max_data;
	r->skip_left = r->skipping ? r->h.length : 0;
	return 1;
}

static void finish_frame(struct frame_reader *r, struct frame *out)
{
	out->h = r->h;
	out->data = r->data;
	r->data = NULL;
	frame_reader_reset(r);
}

enum frame_result frame_reader_feed(struct frame_reader *r, const uint8_t *in, size_t len, size_t max_data,
				    size_t *used, struct frame *out)
{
	size_t pos = 0;
	enum frame_result res = FRAME_NEED_MORE;
	if (!take_header(r, in, len, &pos, max_data))
		goto done;
	if (r->skipping) {
		size_t n = min_size(r->skip_left, len - pos);
		pos += n;
		r->skip_left -= (uint32_t)n;
		if (r->skip_left == 0) {
			finish_frame(r, out);
			res = FRAME_OVERSIZE;
		}
		goto done;
	}
	size_t n = min_size(r->h.length - r->data_len, len - pos);
	if (n > 0) {
		if (reserve_data(r, r->data_len + n) < 0) {
			res = FRAME_NOMEM;
			goto done;
		}
		memcpy(r->data + r->data_len, in + pos, n);
		r->data_len += n;
		pos += n;
	}
	if (r->data_len == r->h.length) {
		finish_frame(r, out);
		res = FRAME_READY;
	}
done:
	*used = pos;
	return res;
}
