/* synth_data.h - a small data set in the Speech Commands layout, generated
 * into a temporary folder for the data pipeline tests (no dependency on
 * /work/shared).
 *
 *   ROOT/alpha/spkNN_nohash_0.wav  20 clips: rising chirp 300 -> 1200 Hz
 *   ROOT/beta/...                  20 clips: falling chirp 2000 -> 500 Hz
 *   ROOT/gamma/...                  8 clips: alternating 700 / 1400 Hz tones
 *   ROOT/delta/...                 12 clips: 2500 Hz tone      (unknown pool)
 *   ROOT/epsilon/...                6 clips: 400 Hz tone       (unknown pool)
 *   ROOT/_background_noise_/       white.wav, hum.wav (15 s each)
 *   ROOT/_silence_/sNN.wav         10 quiet noise clips
 *   ROOT/validation_list.txt       CRLF, blank and junk lines (see below)
 *   ROOT/testing_list.txt          no final newline, "./" and '\' forms
 *
 * Every clip is a 0.5 s burst under a Hann envelope centered in 1 s;
 * clips spk00 of every word are 0.6 s long (short clips get padded).
 *
 * Splits (speakers): val = spk00..02 of alpha/beta, spk00 of gamma,
 * spk00-01 delta, spk00 epsilon, s00 of _silence_; test = spk03..05
 * alpha/beta, spk01 gamma, spk02-03 delta, spk01 epsilon. So
 *   train: alpha 14, beta 14, gamma 6, delta 8, epsilon 4, silence 9
 *   val:   alpha 3,  beta 3,  gamma 1, delta 2, epsilon 1, silence 1
 *   test:  alpha 3,  beta 3,  gamma 1, delta 2, epsilon 1
 * The lists also name 2 missing files (one each) and 1 file of a word
 * with no folder ("zeta"), and "alpha/spk03" appears in both lists.
 */
#ifndef KWS_TEST_SYNTH_DATA_H
#define KWS_TEST_SYNTH_DATA_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kws/audio.h"

#define SYN_PI 3.14159265358979323846

typedef struct {
    const char *name;
    int count;
    int kind; /* 0 rising chirp, 1 falling chirp, 2 alternating, 3 tone */
    double f0, f1;
} syn_word;

static const syn_word syn_words[] = {
    {"alpha", 20, 0, 300.0, 1200.0}, {"beta", 20, 1, 2000.0, 500.0},
    {"gamma", 8, 2, 700.0, 1400.0},  {"delta", 12, 3, 2500.0, 2500.0},
    {"epsilon", 6, 3, 400.0, 400.0},
};
#define SYN_N_WORDS 5

static uint32_t syn_lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* Uniform in [-1, 1). */
static double syn_noise(uint32_t *s)
{
    return (double)(syn_lcg(s) >> 8) / 8388608.0 - 1.0;
}

static int syn_write(const char *path, const int16_t *pcm, size_t n)
{
    kws_error err;
    if (kws_audio_write_wav(path, pcm, n, &err) != KWS_OK) {
        fprintf(stderr, "synth: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* One word clip: variant v shifts the pitch a little. */
static void syn_word_clip(const syn_word *w, int v, int16_t *pcm, size_t n)
{
    const double fs = 16000.0, dur = 0.5;
    double detune = 1.0 + 0.01 * (v % 7);
    size_t len = (size_t)(dur * fs), start = (n - len) / 2;
    memset(pcm, 0, n * sizeof *pcm);
    double phase = 0.0;
    for (size_t i = 0; i < len; i++) {
        double t = (double)i / fs, f;
        if (w->kind == 0 || w->kind == 1)
            f = w->f0 + (w->f1 - w->f0) * t / dur;
        else if (w->kind == 2)
            f = ((int)(t / 0.1) % 2) ? w->f1 : w->f0;
        else
            f = w->f0;
        phase += 2.0 * SYN_PI * f * detune / fs;
        double env = 0.5 - 0.5 * cos(2.0 * SYN_PI * (double)i / (double)len);
        pcm[start + i] = (int16_t)lrint(12000.0 * env * sin(phase));
    }
}

static int syn_mkdir(const char *root, const char *sub)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, sub);
    return mkdir(p, 0755) == 0 ? 0 : -1;
}

static int syn_write_text(const char *root, const char *name, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

/* Writes the words (only the first n_words of syn_words), noise and
 * silence (when with_extras) into root, which must exist. */
static int syn_write_words(const char *root, int n_words, int max_count)
{
    int16_t pcm[16000];
    for (int w = 0; w < n_words; w++) {
        if (syn_mkdir(root, syn_words[w].name) != 0)
            return -1;
        int count = syn_words[w].count < max_count ? syn_words[w].count : max_count;
        for (int k = 0; k < count; k++) {
            char p[1024];
            snprintf(p, sizeof p, "%s/%s/spk%02d_nohash_0.wav", root, syn_words[w].name, k);
            syn_word_clip(&syn_words[w], k, pcm, 16000);
            if (k == 0) { /* 0.6 s: the middle of the clip */
                if (syn_write(p, pcm + 3200, 9600) != 0)
                    return -1;
            } else if (syn_write(p, pcm, 16000) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int syn_write_noise(const char *root)
{
    if (syn_mkdir(root, "_background_noise_") != 0 || syn_mkdir(root, "_silence_") != 0)
        return -1;
    size_t n = 15 * 16000;
    int16_t *pcm = (int16_t *)malloc(n * sizeof *pcm);
    if (!pcm)
        return -1;
    uint32_t s = 12345;
    char p[1024];
    for (size_t i = 0; i < n; i++)
        pcm[i] = (int16_t)lrint(6000.0 * syn_noise(&s));
    snprintf(p, sizeof p, "%s/_background_noise_/white.wav", root);
    int rc = syn_write(p, pcm, n);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 16000.0;
        pcm[i] = (int16_t)lrint(5000.0 * sin(2 * SYN_PI * 50 * t) +
                                2000.0 * sin(2 * SYN_PI * 150 * t) + 500.0 * syn_noise(&s));
    }
    snprintf(p, sizeof p, "%s/_background_noise_/hum.wav", root);
    rc |= syn_write(p, pcm, n);
    for (int k = 0; k < 10 && rc == 0; k++) {
        for (size_t i = 0; i < 16000; i++)
            pcm[i] = (int16_t)lrint(300.0 * syn_noise(&s));
        snprintf(p, sizeof p, "%s/_silence_/s%02d.wav", root, k);
        rc |= syn_write(p, pcm, 16000);
    }
    free(pcm);
    return rc;
}

static const char syn_val_list[] =
    "alpha/spk00_nohash_0.wav\r\n"
    "alpha/spk01_nohash_0.wav\r\n"
    "\r\n"
    "alpha/spk02_nohash_0.wav\r\n"
    "alpha/spk03_nohash_0.wav\r\n" /* also in the test list: test wins */
    "beta/spk00_nohash_0.wav\r\n"
    "  beta/spk01_nohash_0.wav  \r\n"
    "beta/spk02_nohash_0.wav\r\n"
    "gamma/spk00_nohash_0.wav\r\n"
    "delta/spk00_nohash_0.wav\r\n"
    "delta/spk01_nohash_0.wav\r\n"
    "epsilon/spk00_nohash_0.wav\r\n"
    "_silence_/s00.wav\r\n"
    "alpha/ghost_nohash_0.wav\r\n" /* missing */
    "zeta/spk00_nohash_0.wav\r\n"  /* word without a folder */
    "# a comment\r\n"              /* junk */
    "/abs/alpha/x.wav\r\n"         /* junk */
    "alpha/../beta/spk09_nohash_0.wav\r\n" /* junk */
    "noslash.wav\r\n"              /* junk */
    "\r\n";

static const char syn_test_list[] =
    "\n"
    "alpha/spk03_nohash_0.wav\n"
    "./alpha/spk04_nohash_0.wav\n"
    "alpha\\spk05_nohash_0.wav\n"
    "beta/spk03_nohash_0.wav\n"
    "beta/spk04_nohash_0.wav\n"
    "beta/spk05_nohash_0.wav\n"
    "beta/spk05_nohash_0.wav\n" /* duplicate */
    "gamma/spk01_nohash_0.wav\n"
    "delta/spk02_nohash_0.wav\n"
    "delta/spk03_nohash_0.wav\n"
    "\t\n"
    "epsilon/spk01_nohash_0.wav\n"
    "gamma/ghost_nohash_1.wav"; /* missing, no final newline */

/* rm -r dir (no symlinks are followed: entries are unlinked or recursed
 * into only when lstat says they are folders). */
static void syn_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[2048];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                syn_remove_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Makes a fresh temporary folder; returns 0 and its path in buf. */
static int syn_tempdir(char *buf, size_t len)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, len, "%s/kws-data-XXXXXX", t && t[0] ? t : "/tmp");
    return mkdtemp(buf) ? 0 : -1;
}

/* The full synthetic data set in a new temporary folder `root`. */
static int syn_make_dataset(char *root, size_t len)
{
    if (syn_tempdir(root, len) != 0)
        return -1;
    if (syn_write_words(root, SYN_N_WORDS, 1000) != 0 || syn_write_noise(root) != 0 ||
        syn_write_text(root, "validation_list.txt", syn_val_list) != 0 ||
        syn_write_text(root, "testing_list.txt", syn_test_list) != 0) {
        fprintf(stderr, "synth: cannot write the data set in %s\n", root);
        return -1;
    }
    return 0;
}

#endif
