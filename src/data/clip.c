/* clip.c - one item's audio as exactly KWS_CLIP_SAMPLES (1 s) of 16 kHz
 * int16: files through kws_audio_read, noise slices from the noise bank.
 *
 * Short clips (a few Speech Commands recordings) are centered between
 * zeros rather than padded at the end, so the word stays near the middle
 * of the clip, where the default (centered) 55-column window looks; long
 * input keeps its middle second. */
#include "data_internal.h"

#include <string.h>

#include "kws/audio.h"

void kws_clip_fit(const int16_t *in, size_t n, int16_t *out)
{
    const size_t N = KWS_CLIP_SAMPLES;
    if (n >= N) {
        memcpy(out, in + (n - N) / 2, N * sizeof *out);
        return;
    }
    size_t lead = (N - n) / 2;
    memset(out, 0, lead * sizeof *out);
    if (n)
        memcpy(out + lead, in, n * sizeof *out);
    memset(out + lead + n, 0, (N - lead - n) * sizeof *out);
}

kws_status kws_clip_load(const kws_dataset *ds, size_t i, int16_t *out, kws_error *err)
{
    if (i >= ds->n_items)
        return kws_error_set(err, KWS_ERR_ARG, "item %zu out of range (%zu items)", i,
                             ds->n_items);
    const kws_item *it = &ds->items[i];
    if (it->kind == KWS_ITEM_NOISE) {
        if (it->noise < 0 || it->noise >= ds->noise.n || it->offset < 0 ||
            (size_t)it->offset + KWS_CLIP_SAMPLES > ds->noise.len[it->noise])
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: noise slice outside the recording",
                                 it->rel);
        memcpy(out, ds->noise.samples[it->noise] + it->offset,
               KWS_CLIP_SAMPLES * sizeof *out);
        return KWS_OK;
    }
    kws_audio a;
    kws_status st = kws_audio_read(it->path, &a, err);
    if (st != KWS_OK)
        return st;
    kws_clip_fit(a.samples, a.n, out);
    kws_audio_free(&a);
    return KWS_OK;
}
