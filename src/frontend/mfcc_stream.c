/* mfcc_stream.c - streaming MFCC: samples in any chunk sizes, one column per
 * hop, the latest window_cols columns kept for the network.
 *
 *   ring (frame_len int16, oldest first)
 *   ┌──────────────────────────────┬──────────┐
 *   │ kept from the previous frame │ new      │  fill to frame_len,
 *   └──────────────────────────────┴──────────┘  kws_mfcc_frame(ring),
 *     then drop the oldest hop_len (memmove), ring_fill = frame_len - hop_len
 *
 *   cols (window_cols, n_mfcc), circular: head = oldest, n_cols held
 *
 * The frame handed to kws_mfcc_frame holds exactly the samples the batch
 * path would use, so stream columns equal batch columns bit for bit.
 * Streams on one kws_mfcc share its work buffers: push to one at a time.
 */
#include "kws/mfcc.h"

#include <stdint.h>
#include <string.h>

#define ALIGN8(b) (((b) + 7u) & ~(size_t)7u)
#define STREAM_MAX_COLS 65536

static size_t ring_bytes(const kws_mfcc_config *cfg)
{
    return ALIGN8((size_t)cfg->frame_len * sizeof(int16_t));
}

size_t kws_mfcc_stream_arena_size(const kws_mfcc_config *cfg, int window_cols)
{
    if (kws_mfcc_config_check(cfg) != KWS_OK || window_cols < 1 || window_cols > STREAM_MAX_COLS)
        return 0;
    return ring_bytes(cfg) + ALIGN8((size_t)window_cols * (size_t)cfg->n_mfcc * sizeof(float));
}

kws_status kws_mfcc_stream_init(kws_mfcc_stream *s, kws_mfcc *m, int window_cols,
                                void *arena, size_t arena_size)
{
    size_t need;
    unsigned char *a = (unsigned char *)arena;
    if (!s || !m || !arena || ((uintptr_t)arena & 7u))
        return KWS_ERR_ARG;
    need = kws_mfcc_stream_arena_size(&m->cfg, window_cols);
    if (need == 0)
        return KWS_ERR_ARG;
    if (arena_size < need)
        return KWS_ERR_ARENA;
    s->mfcc = m;
    s->window_cols = window_cols;
    s->ring = (int16_t *)a;
    s->cols = (float *)(a + ring_bytes(&m->cfg));
    kws_mfcc_stream_reset(s);
    return KWS_OK;
}

void kws_mfcc_stream_reset(kws_mfcc_stream *s)
{
    s->ring_fill = 0;
    s->head = 0;
    s->n_cols = 0;
    s->total_cols = 0;
}

/* Slot for a new column: the next free one, or the oldest when full. */
static float *stream_next_slot(kws_mfcc_stream *s)
{
    int slot;
    if (s->n_cols < s->window_cols) {
        slot = (s->head + s->n_cols) % s->window_cols;
        s->n_cols++;
    } else {
        slot = s->head;
        s->head = (s->head + 1) % s->window_cols;
    }
    return s->cols + (size_t)slot * (size_t)s->mfcc->cfg.n_mfcc;
}

size_t kws_mfcc_stream_push(kws_mfcc_stream *s, const int16_t *pcm, size_t n,
                            int *new_column)
{
    const int frame_len = s->mfcc->cfg.frame_len, hop = s->mfcc->cfg.hop_len;
    size_t room = (size_t)(frame_len - s->ring_fill);
    size_t take = n < room ? n : room;

    *new_column = 0;
    if (take)
        memcpy(s->ring + s->ring_fill, pcm, take * sizeof(int16_t));
    s->ring_fill += (int)take;
    if (s->ring_fill == frame_len) {
        kws_mfcc_frame(s->mfcc, s->ring, stream_next_slot(s));
        memmove(s->ring, s->ring + hop, (size_t)(frame_len - hop) * sizeof(int16_t));
        s->ring_fill = frame_len - hop;
        s->total_cols++;
        *new_column = 1;
    }
    return take;
}

const float *kws_mfcc_stream_latest(const kws_mfcc_stream *s)
{
    int slot;
    if (s->n_cols == 0)
        return NULL;
    slot = (s->head + s->n_cols - 1) % s->window_cols;
    return s->cols + (size_t)slot * (size_t)s->mfcc->cfg.n_mfcc;
}

int kws_mfcc_stream_full(const kws_mfcc_stream *s)
{
    return s->n_cols == s->window_cols;
}

void kws_mfcc_stream_window(const kws_mfcc_stream *s, float *out)
{
    const int w = s->window_cols, n_mfcc = s->mfcc->cfg.n_mfcc;
    const int empty = w - s->n_cols;       /* zero columns at the left */
    int t, c, slot = s->head;
    for (t = 0; t < empty; t++)
        for (c = 0; c < n_mfcc; c++)
            out[(size_t)c * (size_t)w + (size_t)t] = 0.0f;
    for (t = empty; t < w; t++) {
        const float *col = s->cols + (size_t)slot * (size_t)n_mfcc;
        for (c = 0; c < n_mfcc; c++)
            out[(size_t)c * (size_t)w + (size_t)t] = col[c];
        if (++slot == w)
            slot = 0;
    }
}
