/* kws/dataset.h - which clips exist, which class and split each belongs to,
 * and in what order training sees them (host only).
 *
 * A data set is one or more roots in the Speech Commands layout:
 *
 *   ROOT/<word>/<speaker>_nohash_<n>.wav   one folder per word
 *   ROOT/validation_list.txt                relative paths, e.g. "on/0a7c2a8d_nohash_0.wav"
 *   ROOT/testing_list.txt                   every clip in neither list is training data
 *   ROOT/_background_noise_/<name>.wav      long noise recordings
 *   ROOT/_silence_/<name>.wav               one-second background clips (optional)
 *
 * The first root is the real data: it alone supplies validation and test
 * clips. Further roots (e.g. synthetic speech) are training-only; a root
 * flagged `synthetic` gives every clip to training and its list files are
 * not read, any other extra root drops the clips its own lists hold out
 * (so a second real corpus never leaks held-out speakers into training).
 *
 * Classes, in label order:
 *   0 .. n_words-1   the command words, in the order given;
 *   "_unknown_"      (optional) every other word folder, per split
 *                    subsampled to unknown_fraction x the split's average
 *                    command count (seeded; <= 0 keeps all);
 *   "_silence_"      (optional) per split round(silence_fraction x average
 *                    command count) items: clips of _silence_/ first
 *                    (seeded subsample if there are more), then 1 s slices
 *                    of _background_noise_/ at seeded random offsets.
 *
 * Splits of the non-word items, which the list files do not name:
 *  - a _silence_/ clip named in a list file follows it; otherwise its file
 *    name is hashed (FNV-1a) to 0..99 and < silence_val_percent goes to
 *    validation, the next silence_test_percent to test;
 *  - every noise recording is cut in time: samples [0, 80 %) serve the
 *    training split (slices and augmentation), [80 %, 90 %) validation,
 *    [90 %, 100 %) test, so no noise sample is shared between splits.
 *
 * List files are read leniently: '\n' or "\r\n", blank lines, surrounding
 * blanks, a missing final newline, "./" prefixes and '\\' separators are
 * accepted; lines that cannot be a relative clip path (absolute, "..",
 * no folder) are counted as junk; entries for words that are not used and
 * entries for files that do not exist are ignored and counted
 * (kws_dataset.lists). A missing list file is an error unless
 * allow_missing_lists is set (then it counts as empty).
 *
 * Items are sorted by (root, relative path), noise slices after the files,
 * so the same folders and seed give the same items on any machine; the
 * scan reads each directory once and sorts with qsort, which is enough for
 * the full release (~105k clips).
 */
#ifndef KWS_DATASET_H
#define KWS_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "kws/error.h"

#define KWS_CLIP_SAMPLES 16000 /* every clip is padded / trimmed to 1 s */
#define KWS_MAX_ROOTS 8
#define KWS_MAX_WORDS 62
#define KWS_MAX_CLASSES 64      /* words + _unknown_ + _silence_ */
#define KWS_WORD_MAX 64         /* bytes of a class name, with the NUL */
#define KWS_ROOT_PATH_MAX 1024

#define KWS_UNKNOWN_NAME "_unknown_"
#define KWS_SILENCE_NAME "_silence_"
#define KWS_NOISE_DIR "_background_noise_"

typedef enum { KWS_SPLIT_TRAIN = 0, KWS_SPLIT_VAL = 1, KWS_SPLIT_TEST = 2 } kws_split;
#define KWS_NUM_SPLITS 3

/* "train", "val", "test". */
const char *kws_split_name(kws_split s);

/* ---- configuration ------------------------------------------------------ */

typedef struct {
    char path[KWS_ROOT_PATH_MAX];
    float weight;     /* sampling weight of this root's training clips; 1 */
    int synthetic;    /* 1: every clip is training data, list files unused */
} kws_data_root;

typedef struct {
    kws_data_root roots[KWS_MAX_ROOTS]; /* roots[0] is the real data */
    int n_roots;
    char words[KWS_MAX_WORDS][KWS_WORD_MAX];
    int n_words;
    int use_unknown;          /* add the _unknown_ class */
    float unknown_fraction;   /* x average command count per split; <= 0: all */
    int use_silence;          /* add the _silence_ class */
    float silence_fraction;   /* x average command count per split */
    int silence_val_percent;  /* hash split of unlisted _silence_/ clips; 10 */
    int silence_test_percent; /* 10 */
    int allow_missing_lists;  /* 0: a missing list file is an error */
    uint64_t seed;            /* unknown subsampling, silence slices */
} kws_dataset_config;

/* Defaults: no roots, the paper's 10 words (yes,no,up,down,left,right,on,
 * off,stop,go), _unknown_ and _silence_ both off, fractions 1.0, 10 %/10 %
 * silence split, seed 1. */
kws_dataset_config kws_dataset_config_default(void);

/* Sets the words from a comma-separated list ("yes,no,up"); blanks around
 * names are dropped. KWS_ERR_ARG for empty names, duplicates, names that
 * start with '_' or contain '/', or too many words. */
kws_status kws_dataset_config_set_words(kws_dataset_config *cfg, const char *csv,
                                        kws_error *err);

/* Appends a root from "DIR" or "DIR:WEIGHT" (weight a number >= 0; 0 keeps
 * the root's validation and test clips but trains on none of its clips,
 * e.g. synthetic-only training evaluated on real data; a
 * suffix after the last ':' that is not a number is part of the path).
 * The first root added is the real data; `synthetic` applies to extra
 * roots only. */
kws_status kws_dataset_config_add_root(kws_dataset_config *cfg, const char *spec,
                                       int synthetic, kws_error *err);

/* ---- list files ----------------------------------------------------------- */

typedef struct {
    char **paths;     /* (n) normalized relative paths, sorted, unique */
    size_t n;
    size_t n_lines;   /* lines seen, blank ones included */
    size_t n_blank;
    size_t n_junk;    /* lines that are not a relative clip path */
    size_t n_dup;     /* repeated entries */
} kws_path_list;

/* Parses list text (any of the accepted line forms above). */
kws_status kws_path_list_parse(const char *text, size_t len, kws_path_list *out,
                               kws_error *err);

/* Reads and parses a list file; KWS_ERR_IO naming the file if it cannot be
 * read. */
kws_status kws_path_list_read(const char *file, kws_path_list *out, kws_error *err);

/* 1 if `rel` (already normalized, e.g. "on/a_nohash_0.wav") is listed. */
int kws_path_list_contains(const kws_path_list *l, const char *rel);

void kws_path_list_free(kws_path_list *l);

/* ---- items ------------------------------------------------------------- */

typedef enum {
    KWS_ITEM_FILE = 0,  /* a clip file */
    KWS_ITEM_NOISE = 1  /* 1 s of a background-noise recording */
} kws_item_kind;

typedef struct {
    const char *path;   /* file to read (for KWS_ITEM_NOISE: the recording) */
    const char *rel;    /* root-relative name, unique within a root, e.g.
                           "on/x_nohash_0.wav" or
                           "_background_noise_/pink_noise.wav@123456" */
    int label;          /* class index */
    uint8_t split;      /* kws_split */
    uint8_t kind;       /* kws_item_kind */
    uint16_t root;      /* index into cfg.roots */
    int noise;          /* KWS_ITEM_NOISE: index into the noise bank */
    int64_t offset;     /* KWS_ITEM_NOISE: first sample of the slice */
    int64_t size;       /* file size in bytes (cache key) */
    int64_t mtime_ns;   /* file modification time (cache key) */
} kws_item;

/* The background-noise recordings of the first root, decoded to 16 kHz. */
typedef struct {
    int n;
    char **path;        /* (n) */
    int16_t **samples;  /* (n) arrays of len[i] samples */
    size_t *len;        /* (n) */
} kws_noise_bank;

/* Samples [*start, *end) of recording i that belong to `split`
 * (80/10/10 % in time, see above). */
void kws_noise_region(const kws_noise_bank *b, int i, kws_split split, size_t *start,
                      size_t *end);

/* How the real root's list files matched the scanned clips. */
typedef struct {
    size_t val_entries, test_entries;  /* usable entries in the real root's lists */
    size_t missing;      /* entries naming files that do not exist (ignored) */
    size_t unselected;   /* entries for words that are not in any class (ignored) */
    size_t junk;         /* unusable lines */
    size_t in_both;      /* entries in both lists (test wins) */
    int val_list_found, test_list_found;
} kws_list_report;

typedef struct {
    kws_dataset_config cfg;
    int n_classes;
    char class_names[KWS_MAX_CLASSES][KWS_WORD_MAX];
    int unknown_label;  /* -1 if not used */
    int silence_label;  /* -1 if not used */

    kws_item *items;    /* (n_items), sorted as described above */
    size_t n_items;
    size_t *split_items[KWS_NUM_SPLITS]; /* item indices of each split, ascending */
    size_t split_count[KWS_NUM_SPLITS];
    size_t class_count[KWS_NUM_SPLITS][KWS_MAX_CLASSES];

    size_t unknown_pool[KWS_NUM_SPLITS]; /* unknown clips before subsampling */
    size_t silence_clips[KWS_NUM_SPLITS]; /* silence items that are _silence_/ files */
    size_t scanned_files;                /* .wav files in the word folders scanned (every
                                            word folder when use_unknown, else only the
                                            command words'), over all roots */

    kws_noise_bank noise;
    kws_list_report lists;

    struct kws_str_pool *pool; /* owns every path string */
} kws_dataset;

/* Scans the roots and builds the items. Errors name the folder or file:
 * a missing root, a word without a folder, a missing list file (unless
 * allowed), _silence_ requested with neither _silence_/ nor
 * _background_noise_/, an unreadable noise recording. */
kws_status kws_dataset_load(kws_dataset *ds, const kws_dataset_config *cfg, kws_error *err);

void kws_dataset_free(kws_dataset *ds);

/* Index of a class by name, -1 if absent. */
int kws_dataset_class_index(const kws_dataset *ds, const char *name);

/* ---- sampling ----------------------------------------------------------- */
/*
 * One epoch is a list of item indices drawn from one split.
 *  - balance_classes = 0, every root weight equal and epoch_size 0 (the
 *    split's size): a seeded permutation of the split (each item once);
 *  - otherwise every class gets an equal share of the epoch
 *    (balance_classes = 1) or a share proportional to its root-weighted
 *    size (balance_classes = 0), rounded by largest remainder. Inside a
 *    class whose items all weigh the same, k draws from n items take every
 *    item floor(k/n) times plus k mod n distinct random items, so a class
 *    of 227 clips drawn 640 times shows each clip 2 or 3 times; inside a
 *    class with mixed root weights, draws are with replacement in
 *    proportion to the weights.
 * The epoch is shuffled at the end. Epoch e of seed s is always the same
 * list, whatever epochs were drawn before (the sampler keeps no state).
 */
typedef struct {
    int balance_classes;  /* 1: equal expected count per class */
    size_t epoch_size;    /* draws per epoch; 0: the split's size */
    uint64_t seed;
} kws_sampler_config;

typedef struct {
    kws_sampler_config cfg;
    const kws_dataset *ds;
    kws_split split;
    int permutation;       /* 1: plain permutation mode */
    size_t epoch_size;     /* length of every epoch's list */
    int n_classes;
    size_t *class_items;   /* items of the split grouped by class (ds->items indices) */
    size_t *class_start;   /* (n_classes + 1) offsets into class_items */
    double *class_cum;     /* cumulative root weights inside each class */
    int *class_uniform;    /* (n_classes) 1: all weights equal */
    size_t *class_draws;   /* (n_classes) draws per epoch */
    size_t *scratch;       /* (largest class) work for partial shuffles */
} kws_sampler;

kws_status kws_sampler_init(kws_sampler *s, const kws_dataset *ds, kws_split split,
                            const kws_sampler_config *cfg, kws_error *err);

/* Fills order (s->epoch_size) with the item indices of epoch `epoch`. */
void kws_sampler_epoch(kws_sampler *s, int epoch, size_t *order);

void kws_sampler_free(kws_sampler *s);

#endif
