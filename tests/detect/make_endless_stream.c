/* make_endless_stream.c - a long 16 kHz s16le stream for `kws listen`:
 * the tone words of the test fixture (tests/train/train_fixture.h) over
 * quiet noise at known times, interleaved with pathological input.
 *
 * The stream is a sequence of 70 s cycles; cycle k is
 *
 *   0 s   normal   40 s of white noise (+-300) with a word every 2..3 s
 *                  (alpha, beta, gamma, delta = a distractor), the first
 *                  centred at >= 2.5 s, the last ending >= 2 s before the end
 *   40 s  silence   6 s of digital zeros
 *   46 s  square    6 s of full-scale square waves (500 Hz, then 8 kHz)
 *   52 s  dc        6 s of a +12000 DC offset under noise and words
 *   58 s  clipped   6 s of words and noise x6, clipped to the int16 range
 *   64 s  white     6 s of uniform white noise over the full range (0 dBFS)
 *
 * Every segment is a whole number of 2 s (125 hops of 256 samples), so each
 * normal part starts on a hop boundary. Its samples depend only on the seed
 * and k: --normal-only K writes cycle K's normal part alone, for comparing
 * detections with and without the rest of the stream.
 *
 * usage: make_endless_stream [--cycles N | --seconds S] [--seed N]
 *                            [--normal-only K] [--truth FILE] [--wav] > OUT
 *        make_endless_stream --layout    (segments of a cycle: name start end)
 * --truth writes the words of the normal parts that the output holds in the
 * truth format of `kws streams make` (delta as _unknown_); --wav writes a
 * 44-byte WAV header first. Default: one cycle, seed 1. */
#include "tests/train/train_fixture.h"

#define SR 16000
#define CYCLE_S 70
#define NORMAL_S 40
#define PATHO_S 6

static const char *const seg_names[] = {"normal", "silence", "square", "dc", "clipped", "white"};
#define N_SEGS 6

static int16_t clip16(double v)
{
    return (int16_t)(v > 32767.0 ? 32767 : v < -32768.0 ? -32768 : lrint(v));
}

static const char *truth_label(int w)
{
    return w == 3 ? "_unknown_" : syn_words[w].name;
}

/* Adds a word (variant v, scaled) centred at sample c of buf (length n). */
static void add_word(double *buf, size_t n, size_t c, int w, int v, double gain)
{
    int16_t clip[SR];
    syn_word_clip(&syn_words[w], v, clip, SR);
    for (size_t i = 0; i < SR; i++) {
        size_t j = c - SR / 2 + i;
        if (j < n)
            buf[j] += gain * clip[i];
    }
}

/* The normal part of cycle k into buf (NORMAL_S s); word centres (in
 * samples) and labels into the truth arrays (at most max). */
static int make_normal(double *buf, uint32_t seed, long k, size_t *centre, int *label, int max)
{
    const size_t n = (size_t)NORMAL_S * SR;
    uint32_t s = 2654435761u * (uint32_t)(seed * 100003u + (uint32_t)k * 2u + 1u);
    for (size_t i = 0; i < n; i++)
        buf[i] = 300.0 * syn_noise(&s);
    int words = 0;
    double t = 2.5 + 0.5 * (syn_noise(&s) + 1.0) / 2.0;
    while (t + 0.5 + 2.0 <= NORMAL_S && words < max) {
        int w = (int)(syn_lcg(&s) >> 8) % TF_N_WORDS;
        int v = (int)(syn_lcg(&s) >> 8) % TF_CLIPS;
        size_t c = (size_t)lrint(t * SR);
        add_word(buf, n, c, w, v, 1.0);
        centre[words] = c;
        label[words++] = w;
        t += 2.0 + (syn_noise(&s) + 1.0) / 2.0;
    }
    return words;
}

/* The pathological segments of cycle k into buf (5 x PATHO_S s). */
static void make_patho(double *buf, uint32_t seed, long k)
{
    const size_t m = (size_t)PATHO_S * SR;
    uint32_t s = 2654435761u * (uint32_t)(seed * 100003u + (uint32_t)k * 2u + 2u);
    double *sil = buf, *sq = buf + m, *dc = buf + 2 * m, *cl = buf + 3 * m, *wh = buf + 4 * m;
    for (size_t i = 0; i < m; i++) {
        sil[i] = 0.0;
        sq[i] = i < m / 2 ? ((i / 16) % 2 ? -32768.0 : 32767.0) : (i % 2 ? -32768.0 : 32767.0);
        dc[i] = 300.0 * syn_noise(&s);
        cl[i] = 300.0 * syn_noise(&s);
        wh[i] = 32767.5 * syn_noise(&s) - 0.5;
    }
    for (int j = 0; j < 2; j++) {
        size_t c = (size_t)SR * (2 + 2 * j);
        add_word(dc, m, c, (int)(syn_lcg(&s) >> 8) % TF_N_WORDS, j, 0.5);
        add_word(cl, m, c, (int)(syn_lcg(&s) >> 8) % TF_N_WORDS, j, 1.0);
    }
    for (size_t i = 0; i < m; i++) {
        dc[i] += 12000.0;
        cl[i] *= 6.0;
    }
}

static int write_pcm(const double *buf, size_t n)
{
    uint8_t out[8192];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t v = (uint16_t)clip16(buf[i]);
        out[o++] = (uint8_t)v;
        out[o++] = (uint8_t)(v >> 8);
        if (o == sizeof out || i + 1 == n) {
            if (fwrite(out, 1, o, stdout) != o)
                return -1;
            o = 0;
        }
    }
    return 0;
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int write_wav_header(size_t samples)
{
    uint8_t h[44] = "RIFF....WAVEfmt \x10\0\0\0\x01\0\x01\0........\x02\0\x10\0data";
    le32(h + 4, (uint32_t)(36 + 2 * samples));
    le32(h + 24, SR);
    le32(h + 28, 2 * SR);
    le32(h + 40, (uint32_t)(2 * samples));
    return fwrite(h, 1, sizeof h, stdout) == sizeof h ? 0 : -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: make_endless_stream [--cycles N | --seconds S] [--seed N] "
                    "[--normal-only K] [--truth FILE] [--wav] > OUT\n"
                    "       make_endless_stream --layout\n");
    return 2;
}

int main(int argc, char **argv)
{
    double seconds = CYCLE_S;
    long seed = 1, only = -1;
    const char *truth_path = NULL;
    int wav = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--layout")) {
            for (int g = 0; g < N_SEGS; g++)
                printf("%s %d %d\n", seg_names[g], g ? NORMAL_S + (g - 1) * PATHO_S : 0,
                       g ? NORMAL_S + g * PATHO_S : NORMAL_S);
            return 0;
        } else if (!strcmp(a, "--wav")) {
            wav = 1;
        } else if (v && !strcmp(a, "--cycles")) {
            seconds = CYCLE_S * atof(v), i++;
        } else if (v && !strcmp(a, "--seconds")) {
            seconds = atof(v), i++;
        } else if (v && !strcmp(a, "--seed")) {
            seed = atol(v), i++;
        } else if (v && !strcmp(a, "--normal-only")) {
            only = atol(v), i++;
        } else if (v && !strcmp(a, "--truth")) {
            truth_path = v, i++;
        } else {
            return usage();
        }
    }
    if (only >= 0)
        seconds = NORMAL_S;
    if (!(seconds > 0.0 && seconds < 1e7))
        return usage();
    const size_t total = (size_t)(seconds * SR);
    const size_t cycle = (size_t)CYCLE_S * SR, normal = (size_t)NORMAL_S * SR;
    double *buf = malloc(cycle * sizeof *buf);
    FILE *tf = truth_path ? fopen(truth_path, "w") : NULL;
    if (!buf || (truth_path && !tf)) {
        fprintf(stderr, "make_endless_stream: cannot allocate or open %s\n",
                truth_path ? truth_path : "memory");
        return 1;
    }
    if (tf)
        fprintf(tf, "# kws streams truth: duration_s %.3f, make_endless_stream seed %ld\n"
                    "time_s\tlabel\tclip\n", (double)total / SR, seed);
    if (wav && write_wav_header(total) != 0)
        return 1;
    size_t done = 0;
    for (long k = only >= 0 ? only : 0; done < total; k++) {
        size_t centre[64];
        int label[64];
        int words = make_normal(buf, (uint32_t)seed, k, centre, label, 64);
        make_patho(buf + normal, (uint32_t)seed, k);
        size_t n = total - done < cycle ? total - done : cycle;
        for (int w = 0; tf && w < words; w++)
            if (centre[w] + SR / 2 <= n)
                fprintf(tf, "%.3f\t%s\tcycle %ld\n", (double)(done + centre[w]) / SR,
                        truth_label(label[w]), k);
        if (write_pcm(buf, n) != 0) {
            fprintf(stderr, "make_endless_stream: write failed after %.1f s\n",
                    (double)done / SR);
            return 1;
        }
        done += n;
    }
    free(buf);
    if (fflush(stdout) != 0 || (tf && fclose(tf) != 0))
        return 1;
    return 0;
}
