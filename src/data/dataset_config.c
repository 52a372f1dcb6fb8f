/* dataset_config.c - data set configuration: defaults, the word list and
 * root specs ("DIR" or "DIR:WEIGHT"). Nothing here touches the disk. */
#include "kws/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_words[] = {"yes", "no",   "up", "down", "left",
                                            "right", "on", "off", "stop", "go"};

const char *kws_split_name(kws_split s)
{
    switch (s) {
    case KWS_SPLIT_TRAIN: return "train";
    case KWS_SPLIT_VAL: return "val";
    case KWS_SPLIT_TEST: return "test";
    }
    return "?";
}

kws_dataset_config kws_dataset_config_default(void)
{
    kws_dataset_config c;
    memset(&c, 0, sizeof c);
    c.n_words = (int)(sizeof default_words / sizeof default_words[0]);
    for (int i = 0; i < c.n_words; i++)
        strcpy(c.words[i], default_words[i]);
    c.unknown_fraction = 1.0f;
    c.silence_fraction = 1.0f;
    c.silence_val_percent = 10;
    c.silence_test_percent = 10;
    c.seed = 1;
    return c;
}

kws_status kws_dataset_config_set_words(kws_dataset_config *cfg, const char *csv,
                                        kws_error *err)
{
    char words[KWS_MAX_WORDS][KWS_WORD_MAX];
    int n = 0;
    const char *p = csv;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t len = (size_t)(b - a);
        if (len == 0)
            return kws_error_set(err, KWS_ERR_ARG, "word list \"%s\": empty word", csv);
        if (len >= KWS_WORD_MAX)
            return kws_error_set(err, KWS_ERR_ARG, "word list: \"%.*s\" is too long", (int)len, a);
        if (n == KWS_MAX_WORDS)
            return kws_error_set(err, KWS_ERR_ARG, "word list: more than %d words",
                                 KWS_MAX_WORDS);
        if (a[0] == '_' || memchr(a, '/', len) || memchr(a, '\\', len) ||
            (len <= 2 && a[0] == '.'))
            return kws_error_set(err, KWS_ERR_ARG,
                                 "word list: \"%.*s\" is not a word folder name "
                                 "(no leading '_', no '/')", (int)len, a);
        memcpy(words[n], a, len);
        words[n][len] = '\0';
        for (int i = 0; i < n; i++)
            if (strcmp(words[i], words[n]) == 0)
                return kws_error_set(err, KWS_ERR_ARG, "word list: \"%s\" given twice",
                                     words[n]);
        n++;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    memcpy(cfg->words, words, sizeof words);
    cfg->n_words = n;
    return KWS_OK;
}

kws_status kws_dataset_config_add_root(kws_dataset_config *cfg, const char *spec,
                                       int synthetic, kws_error *err)
{
    if (cfg->n_roots == KWS_MAX_ROOTS)
        return kws_error_set(err, KWS_ERR_ARG, "%s: at most %d data roots", spec, KWS_MAX_ROOTS);
    size_t len = strlen(spec);
    float weight = 1.0f;
    const char *colon = strrchr(spec, ':');
    if (colon && colon[1] != '\0') {
        char *end;
        errno = 0;
        double w = strtod(colon + 1, &end);
        if (*end == '\0' && errno == 0) {
            if (!(w >= 0.0) || !isfinite(w))
                return kws_error_set(err, KWS_ERR_ARG,
                                     "%s: root weight must be a number >= 0", spec);
            weight = (float)w;
            len = (size_t)(colon - spec);
        }
    }
    if (len == 0)
        return kws_error_set(err, KWS_ERR_ARG, "\"%s\": empty data folder", spec);
    if (len >= KWS_ROOT_PATH_MAX)
        return kws_error_set(err, KWS_ERR_ARG, "%.60s...: path too long", spec);
    kws_data_root *r = &cfg->roots[cfg->n_roots];
    memcpy(r->path, spec, len);
    r->path[len] = '\0';
    while (len > 1 && r->path[len - 1] == '/') /* "dir/" -> "dir" */
        r->path[--len] = '\0';
    r->weight = weight;
    r->synthetic = cfg->n_roots > 0 ? (synthetic != 0) : 0;
    cfg->n_roots++;
    return KWS_OK;
}

int kws_dataset_class_index(const kws_dataset *ds, const char *name)
{
    for (int i = 0; i < ds->n_classes; i++)
        if (strcmp(ds->class_names[i], name) == 0)
            return i;
    return -1;
}
