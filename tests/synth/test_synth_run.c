/* test_synth_run.c - the generator end to end on a few clips: same seed,
 * same bytes (for 1 and 2 threads); every clip is 16,000 samples of 16 kHz
 * mono and passes the quality checks; names follow
 * synth-<engine>-<voice>_nohash_<n>.wav and can never be a real speaker's;
 * the manifest has one line per clip; a disabled engine is skipped cleanly
 * and no engine at all is a clean error. Parts that need an engine are
 * skipped (with a note) when it is not built in. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kws/audio.h"
#include "kws/synth.h"
#include "tests/test.h"

static kws_synth_config small_config(const char *out, uint64_t seed, int threads)
{
    kws_synth_config c = kws_synth_config_default();
    kws_dataset_config dc = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&dc, "yes,no", &err);
    memcpy(c.words, dc.words, sizeof c.words);
    c.n_words = dc.n_words;
    c.per_word = 3;
    c.n_unknown = 2;
    c.out_dir = out;
    c.seed = seed;
    c.threads = threads;
    return c;
}

/* "synth-espeak-en-us-f3_nohash_2.wav": returns 1 if the name has that form
 * and its speaker part is not a hexadecimal id. */
static int name_ok(const char *name)
{
    const char *nh = strstr(name, "_nohash_");
    if (strncmp(name, "synth-", 6) || !nh)
        return 0;
    int hex = 1;
    for (const char *p = name; p < nh; p++) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            return 0;
        hex &= isxdigit((unsigned char)*p) != 0;
    }
    const char *d = nh + 8;
    if (!isdigit((unsigned char)*d))
        return 0;
    while (isdigit((unsigned char)*d))
        d++;
    return !strcmp(d, ".wav") && !hex;
}

/* FNV-1a over every clip (in manifest order) and the manifest; checks
 * each clip on the way. Returns the hash, counts clips in *n. */
static uint64_t check_and_hash(const char *dir, size_t *n)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s", dir, KWS_SYNTH_MANIFEST);
    FILE *m = fopen(path, "r");
    CHECK(m != NULL);
    *n = 0;
    if (!m)
        return 0;
    uint64_t h = 1469598103934665603ull;
    char line[1024];
    int header = 1;
    while (fgets(line, sizeof line, m)) {
        for (char *p = line; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        if (header) {
            CHECK(!strncmp(line, "file\tword\tengine\tvoice\tvariant\trate\tpitch", 41));
            header = 0;
            continue;
        }
        char *tab = strchr(line, '\t');
        CHECK(tab != NULL);
        if (!tab)
            continue;
        *tab = '\0';
        const char *slash = strchr(line, '/');
        CHECK(slash && name_ok(slash + 1));
        snprintf(path, sizeof path, "%s/%s", dir, line);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (f) {
            int c;
            while ((c = fgetc(f)) != EOF)
                h = (h ^ (unsigned)c) * 1099511628211ull;
            fclose(f);
        }
        kws_audio a;
        kws_error err;
        CHECK(kws_audio_read(path, &a, &err) == KWS_OK);
        CHECK_EQ_INT(a.n, KWS_CLIP_SAMPLES);
        CHECK_EQ_INT(a.source_rate, 16000);
        CHECK_EQ_INT(a.source_channels, 1);
        if (a.n == KWS_CLIP_SAMPLES)
            CHECK_EQ_INT(kws_synth_quality_check(a.samples, a.n), KWS_SYNTH_OK);
        kws_audio_free(&a);
        (*n)++;
    }
    fclose(m);
    return h;
}

int main(void)
{
    char base[] = "/tmp/kws_synth_runXXXXXX";
    CHECK(mkdtemp(base) != NULL);
    char a[600], b[600], c[600], d[600];
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/b", base);
    snprintf(c, sizeof c, "%s/c", base);
    snprintf(d, sizeof d, "%s/d", base);
    kws_error err;
    kws_synth_result r;

    /* names never look like real ones */
    CHECK(name_ok("synth-espeak-en-us-f3_nohash_0.wav"));
    CHECK(!name_ok("0a7c2a8d_nohash_0.wav"));
    CHECK(!name_ok("synth-espeak-en_us_nohash_0.wav"));

    /* no engine at all: a clean error with the reasons */
    kws_synth_config cfg = small_config(d, 1, 1);
    cfg.use_engine[KWS_SYNTH_ESPEAK] = cfg.use_engine[KWS_SYNTH_FLITE] = 0;
    CHECK(kws_synth_run(&cfg, &r, &err) == KWS_ERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "no TTS engine") != NULL);
    CHECK(!strcmp(r.engine_notice[KWS_SYNTH_ESPEAK], "disabled"));
    CHECK(access(d, F_OK) != 0); /* nothing written */
    kws_synth_result_free(&r);

    int have = kws_synth_engine_built(KWS_SYNTH_ESPEAK) + kws_synth_engine_built(KWS_SYNTH_FLITE);
    if (!have) {
        printf("test_synth_run: no engine built in; generation checks skipped\n");
        return test_summary("test_synth_run");
    }

    /* determinism: same seed, 2 threads vs 1 thread, same bytes */
    size_t na = 0, nb = 0, nc = 0;
    cfg = small_config(a, 42, 2);
    CHECK(kws_synth_run(&cfg, &r, &err) == KWS_OK);
    CHECK_EQ_INT(r.written, 8);
    CHECK_EQ_INT(r.failed, 0);
    CHECK_EQ_INT(r.clips[0][0] + r.clips[1][0], 3); /* yes */
    CHECK_EQ_INT(r.clips[0][2] + r.clips[1][2], 2); /* unknown */
    kws_synth_result_free(&r);
    cfg = small_config(b, 42, 1);
    CHECK(kws_synth_run(&cfg, &r, &err) == KWS_OK);
    kws_synth_result_free(&r);
    uint64_t ha = check_and_hash(a, &na), hb = check_and_hash(b, &nb);
    CHECK_EQ_INT(na, 8);
    CHECK_EQ_INT(nb, 8);
    CHECK(ha == hb);
    cfg = small_config(c, 43, 2);
    CHECK(kws_synth_run(&cfg, &r, &err) == KWS_OK);
    kws_synth_result_free(&r);
    CHECK(check_and_hash(c, &nc) != ha);

    /* one engine disabled: the other makes every clip */
    for (int off = 0; off < KWS_SYNTH_N_ENGINES; off++) {
        int other = 1 - off;
        if (!kws_synth_engine_built(other))
            continue;
        snprintf(d, sizeof d, "%s/off-%d", base, off);
        cfg = small_config(d, 5, 1);
        cfg.use_engine[off] = 0;
        CHECK(kws_synth_run(&cfg, &r, &err) == KWS_OK);
        CHECK(!strcmp(r.engine_notice[off], "disabled"));
        CHECK_EQ_INT(r.clips[off][0] + r.clips[off][1] + r.clips[off][2], 0);
        CHECK_EQ_INT(r.clips[other][0] + r.clips[other][1] + r.clips[other][2], 8);
        kws_synth_result_free(&r);
    }

    /* bad configurations */
    cfg = small_config(d, 1, 0);
    CHECK(kws_synth_run(&cfg, &r, &err) == KWS_ERR_ARG);
    cfg = small_config(NULL, 1, 1);
    CHECK(kws_synth_run(&cfg, &r, &err) == KWS_ERR_ARG);

    kws_synth_engines_close();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (test_checks_failed == 0)
        CHECK(system(cmd) == 0);
    else
        printf("kept %s\n", base);
    return test_summary("test_synth_run");
}
