/* train_fixture.h - the data set the training tests learn: four tone
 * "words" in the Speech Commands layout, written into an existing folder
 * with the clip generator of tests/data_pipeline/synth_data.h.
 *
 *   ROOT/<word>/spkNN_nohash_0.wav   TF_CLIPS clips of each of alpha (rising
 *                                    chirp), beta (falling chirp), gamma
 *                                    (alternating tones), delta (2500 Hz)
 *   ROOT/_background_noise_/         white.wav, hum.wav (for augmentation)
 *   ROOT/_silence_/                  (unused: no _silence_ class)
 *   ROOT/validation_list.txt         spk00..07 of every word
 *   ROOT/testing_list.txt            spk08..15 of every word
 *
 * So every word has TF_VAL (8) validation, TF_TEST (8) test and TF_TRAIN
 * (24) training clips. Each clip is synth_data's clip (variant k) plus its own
 * seeded white noise, so no two clips are identical.
 *
 * The network the tests train is models/tiny.kwsnet (4 outputs).
 */
#ifndef KWS_TEST_TRAIN_FIXTURE_H
#define KWS_TEST_TRAIN_FIXTURE_H

#include "tests/data_pipeline/synth_data.h"

#include "kws/dataset.h"

/* synth_data.h helpers that not every user of this fixture calls (the
 * fixture writes its own lists instead of synth_data's full set). */
__attribute__((unused)) static int (*const tf_unused_full_set)(char *, size_t) = syn_make_dataset;
__attribute__((unused)) static void (*const tf_unused_remove)(const char *) = syn_remove_tree;

#define TF_N_WORDS 4
#define TF_CLIPS 40
#define TF_VAL 8
#define TF_TEST 8
#define TF_TRAIN (TF_CLIPS - TF_VAL - TF_TEST)
#define TF_WORDS_CSV "alpha,beta,gamma,delta"

/* Writes the clips, the noise folder and both lists into root (existing). */
static inline int tf_write_dataset(const char *root)
{
    int16_t pcm[16000];
    char p[1024];
    size_t vcap = 4096, tcap = 4096, vn = 0, tn = 0;
    char *val = (char *)calloc(vcap, 1), *test = (char *)calloc(tcap, 1);
    int rc = val && test ? 0 : -1;
    for (int w = 0; w < TF_N_WORDS && rc == 0; w++) {
        rc = syn_mkdir(root, syn_words[w].name);
        for (int k = 0; k < TF_CLIPS && rc == 0; k++) {
            syn_word_clip(&syn_words[w], k, pcm, 16000);
            uint32_t s = 2654435761u * (uint32_t)(1000 * w + k + 1);
            for (int i = 0; i < 16000; i++)
                pcm[i] = (int16_t)(pcm[i] + lrint(500.0 * syn_noise(&s)));
            snprintf(p, sizeof p, "%s/%s/spk%02d_nohash_0.wav", root, syn_words[w].name, k);
            rc = syn_write(p, pcm, 16000);
            if (k < TF_VAL)
                vn += (size_t)snprintf(val + vn, vcap - vn, "%s/spk%02d_nohash_0.wav\n",
                                       syn_words[w].name, k);
            else if (k < TF_VAL + TF_TEST)
                tn += (size_t)snprintf(test + tn, tcap - tn, "%s/spk%02d_nohash_0.wav\n",
                                       syn_words[w].name, k);
        }
    }
    if (rc == 0)
        rc = syn_write_noise(root);
    if (rc == 0)
        rc = syn_write_text(root, "validation_list.txt", val);
    if (rc == 0)
        rc = syn_write_text(root, "testing_list.txt", test);
    free(val);
    free(test);
    if (rc != 0)
        fprintf(stderr, "train fixture: cannot write the data set in %s\n", root);
    return rc;
}

/* Data set config for root with the first n_words words of the fixture. */
static inline int tf_dataset_config(kws_dataset_config *dc, const char *root, int n_words)
{
    static const char *csv[TF_N_WORDS + 1] = {"", "alpha", "alpha,beta", "alpha,beta,gamma",
                                              TF_WORDS_CSV};
    kws_error err;
    *dc = kws_dataset_config_default();
    if (kws_dataset_config_set_words(dc, csv[n_words], &err) != KWS_OK ||
        kws_dataset_config_add_root(dc, root, 0, &err) != KWS_OK) {
        fprintf(stderr, "train fixture: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Path of the tiny test network, models/tiny.kwsnet of the source tree
 * (KWS_SOURCE_DIR, set by CTest; else the tree the test was built from). */
#ifndef KWS_TEST_SOURCE_DIR
#define KWS_TEST_SOURCE_DIR "."
#endif
static inline const char *tf_tiny_net(char *buf, size_t len)
{
    const char *src = getenv("KWS_SOURCE_DIR");
    snprintf(buf, len, "%s/models/tiny.kwsnet", src && src[0] ? src : KWS_TEST_SOURCE_DIR);
    return buf;
}

/* Reads a whole file; NULL if it cannot. *len gets its size. */
static inline unsigned char *tf_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = (unsigned char *)malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = (unsigned char *)realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static inline int tf_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(data, 1, len, f);
    return fclose(f) == 0 && put == len ? 0 : -1;
}

static inline int tf_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

#endif
