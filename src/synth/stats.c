/* stats.c - distributions of word duration and peak level: quartiles of
 * paired arrays, and the same measured on any Speech Commands folder (so
 * real and synthetic data can be compared with one measure). */
#include "kws/synth.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kws/audio.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void quartiles(const float *v, size_t n, float *tmp, float q[3])
{
    memcpy(tmp, v, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_float);
    for (int k = 0; k < 3; k++) {
        double pos = (k + 1) * 0.25 * (double)(n - 1);
        size_t i = (size_t)pos;
        double fr = pos - (double)i;
        q[k] = i + 1 < n ? (float)((1.0 - fr) * tmp[i] + fr * tmp[i + 1]) : tmp[i];
    }
}

kws_status kws_synth_stats_compute(const float *dur, const float *peak, size_t n,
                                   kws_synth_stats *out, kws_error *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return KWS_OK;
    float *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return kws_error_set(err, KWS_ERR_NOMEM, "stats: out of memory");
    out->n = n;
    quartiles(dur, n, tmp, out->dur);
    quartiles(peak, n, tmp, out->peak);
    free(tmp);
    return KWS_OK;
}

typedef struct {
    float *dur, *peak;
    size_t n, cap;
} samples;

static kws_status add_file(samples *s, const char *path, kws_error *err)
{
    kws_audio a;
    kws_status st = kws_audio_read(path, &a, err);
    if (st != KWS_OK)
        return st;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        float *d = realloc(s->dur, cap * sizeof *d);
        if (d)
            s->dur = d;
        float *p = d ? realloc(s->peak, cap * sizeof *p) : NULL;
        if (p)
            s->peak = p;
        if (!d || !p) {
            kws_audio_free(&a);
            return kws_error_set(err, KWS_ERR_NOMEM, "stats: out of memory");
        }
        s->cap = cap;
    }
    float pk = kws_synth_peak_dbfs_s16(a.samples, a.n);
    s->dur[s->n] = kws_synth_word_seconds(a.samples, a.n);
    s->peak[s->n] = isfinite(pk) ? pk : -120.0f;
    s->n++;
    kws_audio_free(&a);
    return KWS_OK;
}

static kws_status add_folder(samples *s, const char *root, const char *word, kws_error *err)
{
    char dir[KWS_ROOT_PATH_MAX + KWS_WORD_MAX + 2];
    snprintf(dir, sizeof dir, "%s/%s", root, word);
    DIR *d = opendir(dir);
    if (!d)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open folder", dir);
    /* sorted for a reproducible order (the result does not depend on it) */
    char **names = NULL;
    size_t n = 0, cap = 0;
    kws_status st = KWS_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".wav"))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = kws_error_set(err, KWS_ERR_NOMEM, "stats: out of memory");
                break;
            }
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (!names[n]) {
            st = kws_error_set(err, KWS_ERR_NOMEM, "stats: out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        if (st == KWS_OK) {
            char path[sizeof dir + 256];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            st = add_file(s, path, err);
        }
        free(names[i]);
    }
    free(names);
    return st;
}

kws_status kws_synth_stats_folder(const char *root, const char (*words)[KWS_WORD_MAX],
                                  int n_words, kws_synth_stats *out, kws_error *err)
{
    samples s = {0};
    kws_status st = KWS_OK;
    memset(out, 0, sizeof *out);
    if (n_words > 0) {
        for (int w = 0; w < n_words && st == KWS_OK; w++)
            st = add_folder(&s, root, words[w], err);
    } else {
        DIR *d = opendir(root);
        if (!d)
            return kws_error_set(err, KWS_ERR_IO, "%s: cannot open folder", root);
        struct dirent *e;
        while (st == KWS_OK && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || e->d_name[0] == '_')
                continue;
            char p[KWS_ROOT_PATH_MAX + 300];
            struct stat sb;
            snprintf(p, sizeof p, "%s/%s", root, e->d_name);
            if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                st = add_folder(&s, root, e->d_name, err);
        }
        closedir(d);
    }
    if (st == KWS_OK)
        st = kws_synth_stats_compute(s.dur, s.peak, s.n, out, err);
    free(s.dur);
    free(s.peak);
    return st;
}
