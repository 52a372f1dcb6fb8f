/* noise_bank.c - the background-noise recordings, decoded once and kept in
 * memory (six files of ~1 minute: ~12 MB as int16), and how their time is
 * divided between the splits. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* d_type, fstatat, realpath, strdup */
#endif
#include "data_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/audio.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

kws_status kws_noise_bank_load(kws_noise_bank *b, const char *dir, struct kws_str_pool *pool,
                               kws_error *err)
{
    memset(b, 0, sizeof *b);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? KWS_OK
                               : kws_error_set(err, KWS_ERR_IO, "%s: cannot open (%s)", dir,
                                               strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    kws_status st = KWS_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !kws_is_wav_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = (char **)realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = KWS_ERR_NOMEM;
                break;
            }
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (!names[n]) {
            st = KWS_ERR_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (st == KWS_OK && n) {
        qsort(names, n, sizeof *names, cmp_str);
        b->path = (char **)calloc(n, sizeof *b->path);
        b->samples = (int16_t **)calloc(n, sizeof *b->samples);
        b->len = (size_t *)calloc(n, sizeof *b->len);
        if (!b->path || !b->samples || !b->len)
            st = KWS_ERR_NOMEM;
    }
    for (size_t i = 0; st == KWS_OK && i < n; i++) {
        char path[KWS_ROOT_PATH_MAX + 512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        kws_audio a;
        st = kws_audio_read(path, &a, err);
        if (st != KWS_OK)
            break;
        b->path[b->n] = kws_str_pool_dup(pool, path);
        if (!b->path[b->n]) {
            kws_audio_free(&a);
            st = KWS_ERR_NOMEM;
            break;
        }
        b->samples[b->n] = a.samples; /* ownership moves to the bank */
        b->len[b->n] = a.n;
        b->n++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (st == KWS_ERR_NOMEM)
        kws_error_set(err, st, "%s: out of memory loading noise", dir);
    if (st != KWS_OK)
        kws_noise_bank_free(b);
    return st;
}

void kws_noise_bank_free(kws_noise_bank *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->samples[i]);
    free(b->samples);
    free(b->len);
    free(b->path); /* the strings belong to the pool */
    memset(b, 0, sizeof *b);
}

void kws_noise_region(const kws_noise_bank *b, int i, kws_split split, size_t *start,
                      size_t *end)
{
    size_t n = b->len[i];
    size_t a80 = n / 10 * 8 + (n % 10) * 8 / 10;
    size_t a90 = n / 10 * 9 + (n % 10) * 9 / 10;
    switch (split) {
    case KWS_SPLIT_TRAIN: *start = 0; *end = a80; break;
    case KWS_SPLIT_VAL: *start = a80; *end = a90; break;
    default: *start = a90; *end = n; break;
    }
}
