/* tests/frontend/golden.h - reads tests/data/mfcc_golden.bin, written by
 * tests/reference/mfcc_reference.py (format documented there): torchaudio's
 * window, mel filter bank and MFCC columns for a few int16 test signals.
 * Bytes are decoded explicitly as little-endian, so any host can read it.
 */
#ifndef KWS_TESTS_FRONTEND_GOLDEN_H
#define KWS_TESTS_FRONTEND_GOLDEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_MAX_SIGNALS 8

typedef struct {
    char name[17];
    int n_samples, n_frames;
    int16_t *pcm;  /* (n_samples) */
    float *mfcc;   /* (n_frames, n_mfcc) torchaudio columns, frame-major */
} golden_signal;

typedef struct {
    int sample_rate, frame_len, hop_len, n_mels, n_mfcc;
    float f_min, f_max, log_floor;
    float *window; /* (frame_len) torch.hann_window, periodic */
    float *fbank;  /* (frame_len/2+1, n_mels) torchaudio melscale_fbanks */
    int n_signals;
    golden_signal sig[GOLDEN_MAX_SIGNALS];
    unsigned char *data; /* the whole file; the pointers above point into copies */
} golden;

typedef struct {
    const unsigned char *p, *end;
    int ok;
} golden_cursor;

static uint32_t golden_u32(golden_cursor *c)
{
    uint32_t v;
    if (c->end - c->p < 4) {
        c->ok = 0;
        return 0;
    }
    v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
    c->p += 4;
    return v;
}

static int golden_i32(golden_cursor *c)
{
    return (int)(int32_t)golden_u32(c);
}

static float golden_f32(golden_cursor *c)
{
    uint32_t u = golden_u32(c);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static float *golden_f32_array(golden_cursor *c, size_t n)
{
    float *a = (float *)malloc((n ? n : 1) * sizeof(float));
    size_t i;
    for (i = 0; i < n; i++)
        a[i] = golden_f32(c);
    return a;
}

static void golden_free(golden *g)
{
    int i;
    free(g->window);
    free(g->fbank);
    for (i = 0; i < g->n_signals; i++) {
        free(g->sig[i].pcm);
        free(g->sig[i].mfcc);
    }
    free(g->data);
    memset(g, 0, sizeof *g);
}

/* Loads the golden file; returns 0 and prints why on failure. */
static int golden_load(golden *g, const char *path)
{
    FILE *f = fopen(path, "rb");
    long size;
    golden_cursor c;
    int i, j;

    memset(g, 0, sizeof *g);
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 0;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    g->data = (unsigned char *)malloc((size_t)size);
    if (size < 8 || fread(g->data, 1, (size_t)size, f) != (size_t)size ||
        memcmp(g->data, "KWSMFCC1", 8) != 0) {
        fprintf(stderr, "%s: not a KWSMFCC1 golden file\n", path);
        fclose(f);
        golden_free(g);
        return 0;
    }
    fclose(f);
    c.p = g->data + 8;
    c.end = g->data + size;
    c.ok = 1;
    g->sample_rate = golden_i32(&c);
    g->frame_len = golden_i32(&c);
    g->hop_len = golden_i32(&c);
    g->n_mels = golden_i32(&c);
    g->n_mfcc = golden_i32(&c);
    g->f_min = golden_f32(&c);
    g->f_max = golden_f32(&c);
    g->log_floor = golden_f32(&c);
    if (!c.ok || g->frame_len < 4 || g->frame_len > 65536 || g->n_mels < 1 || g->n_mels > 1024) {
        fprintf(stderr, "%s: bad header\n", path);
        golden_free(g);
        return 0;
    }
    g->window = golden_f32_array(&c, (size_t)g->frame_len);
    g->fbank = golden_f32_array(&c, (size_t)(g->frame_len / 2 + 1) * (size_t)g->n_mels);
    g->n_signals = golden_i32(&c);
    if (g->n_signals < 0 || g->n_signals > GOLDEN_MAX_SIGNALS)
        c.ok = 0;
    for (i = 0; c.ok && i < g->n_signals; i++) {
        golden_signal *s = &g->sig[i];
        if (c.end - c.p < 16) {
            c.ok = 0;
            break;
        }
        memcpy(s->name, c.p, 16);
        s->name[16] = '\0';
        c.p += 16;
        s->n_samples = golden_i32(&c);
        s->n_frames = golden_i32(&c);
        if (s->n_samples < 0 || s->n_frames < 0 ||
            c.end - c.p < (long)s->n_samples * 2 + (long)s->n_frames * g->n_mfcc * 4) {
            c.ok = 0;
            g->n_signals = i;
            break;
        }
        s->pcm = (int16_t *)malloc((size_t)(s->n_samples ? s->n_samples : 1) * sizeof(int16_t));
        for (j = 0; j < s->n_samples; j++) {
            s->pcm[j] = (int16_t)(uint16_t)(c.p[0] | c.p[1] << 8);
            c.p += 2;
        }
        s->mfcc = golden_f32_array(&c, (size_t)s->n_frames * (size_t)g->n_mfcc);
    }
    if (!c.ok) {
        fprintf(stderr, "%s: truncated\n", path);
        golden_free(g);
        return 0;
    }
    return 1;
}

#endif
