/* dataset_scan.c - builds the items of a data set from its roots.
 *
 *   roots ──scan folders──► candidates (root, rel, class, split)
 *         ──lists──────────► split of every real-root clip
 *         ──subsample──────► _unknown_ per split (seeded)
 *         ──silence fill───► _silence_/ clips + noise slices per split
 *         ──sort───────────► items by (root, kind, rel)
 *
 * Each directory is read once with readdir and its entries stat'ed with
 * fstatat (size and mtime feed the feature cache keys); the full Speech
 * Commands release (~105k clips) takes well under a second when cached by
 * the OS. See kws/dataset.h for the rules. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* d_type, fstatat, realpath, strdup */
#endif
#include "data_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLS_SKIP (-1)
#define SPLIT_DROP 255

typedef struct {
    const char *rel;
    const char *path;
    int64_t size, mtime_ns;
    int root;
    int label;       /* class index */
    int is_unknown;  /* label is the unknown class */
    int is_silence;  /* a _silence_/ clip */
    uint8_t split;
    uint8_t keep;
} cand;

typedef struct {
    cand *v;
    size_t n, cap;
} cand_vec;

typedef struct {
    kws_item *v;
    size_t n, cap;
} item_vec;

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *nv = realloc(*v, nc * elem);
    if (!nv)
        return 0;
    *v = nv;
    *cap = nc;
    return 1;
}

int kws_is_wav_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 5)
        return 0;
    const char *e = name + n - 4;
    return e[0] == '.' && (e[1] == 'w' || e[1] == 'W') && (e[2] == 'a' || e[2] == 'A') &&
           (e[3] == 'v' || e[3] == 'V');
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Sorted names of the sub-folders (want_dirs) or .wav files of `dir`. */
static kws_status list_dir(const char *dir, int want_dirs, char ***out, size_t *n_out,
                           kws_error *err)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open folder (%s)", dir,
                             strerror(errno));
    int fd = dirfd(d);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (!want_dirs && !kws_is_wav_name(e->d_name))
            continue;
        int is_dir;
        if (e->d_type == DT_DIR)
            is_dir = 1;
        else if (e->d_type == DT_REG)
            is_dir = 0;
        else { /* DT_UNKNOWN or a link: ask stat (follows links) */
            struct stat st;
            if (fstatat(fd, e->d_name, &st, 0) != 0)
                continue;
            is_dir = S_ISDIR(st.st_mode);
            if (!is_dir && !S_ISREG(st.st_mode))
                continue;
        }
        if (is_dir != want_dirs)
            continue;
        if (!grow((void **)&names, &cap, n + 1, sizeof *names) ||
            !(names[n] = strdup(e->d_name))) {
            closedir(d);
            free_names(names, n);
            return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", dir);
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    *n_out = n;
    return KWS_OK;
}

/* Appends one candidate per .wav in root/folder. */
static kws_status scan_folder(kws_dataset *ds, cand_vec *cv, int root, const char *folder,
                              int label, int is_unknown, int is_silence, kws_error *err)
{
    char dir[KWS_ROOT_PATH_MAX + 300];
    snprintf(dir, sizeof dir, "%s/%s", ds->cfg.roots[root].path, folder);
    char **names;
    size_t n;
    kws_status st = list_dir(dir, 0, &names, &n, err);
    if (st != KWS_OK)
        return st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        free_names(names, n);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open folder (%s)", dir,
                             strerror(errno));
    }
    if (!grow((void **)&cv->v, &cv->cap, cv->n + n, sizeof *cv->v))
        st = kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", dir);
    for (size_t i = 0; st == KWS_OK && i < n; i++) {
        struct stat sb;
        if (fstatat(fd, names[i], &sb, 0) != 0) {
            st = kws_error_set(err, KWS_ERR_IO, "%s/%s: %s", dir, names[i], strerror(errno));
            break;
        }
        char rel[600], path[KWS_ROOT_PATH_MAX + 600];
        snprintf(rel, sizeof rel, "%s/%s", folder, names[i]);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cand *c = &cv->v[cv->n];
        memset(c, 0, sizeof *c);
        c->rel = kws_str_pool_dup(ds->pool, rel);
        c->path = kws_str_pool_dup(ds->pool, path);
        if (!c->rel || !c->path) {
            st = kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        c->size = (int64_t)sb.st_size;
        c->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000LL + (int64_t)sb.st_mtim.tv_nsec;
        c->root = root;
        c->label = label;
        c->is_unknown = is_unknown;
        c->is_silence = is_silence;
        c->keep = 1;
        cv->n++;
        if (!is_silence)
            ds->scanned_files++;
    }
    close(fd);
    free_names(names, n);
    return st;
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = (const cand *)a, *y = (const cand *)b;
    if (x->root != y->root)
        return x->root < y->root ? -1 : 1;
    return strcmp(x->rel, y->rel);
}

/* Candidate of root 0 named rel, or NULL (cands[lo, hi) sorted by rel). */
static const cand *find_cand(const cand *v, size_t lo, size_t hi, const char *rel)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid].rel, rel);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int word_index(const kws_dataset_config *cfg, const char *name)
{
    for (int i = 0; i < cfg->n_words; i++)
        if (strcmp(cfg->words[i], name) == 0)
            return i;
    return -1;
}

/* Keeps `target` of the n candidates idx[] (seeded partial Fisher-Yates),
 * clearing keep on the others. */
static void subsample(cand *v, size_t *idx, size_t n, size_t target, uint64_t seed)
{
    if (target >= n)
        return;
    kws_rng rng;
    kws_rng_seed(&rng, seed);
    for (size_t i = 0; i < target; i++) {
        size_t j = i + (size_t)kws_rng_below(&rng, (int)(n - i));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    for (size_t i = target; i < n; i++)
        v[idx[i]].keep = 0;
}

typedef struct {
    kws_path_list val, test;
    int val_found, test_found;
} root_lists;

static kws_status read_lists(const kws_dataset_config *cfg, int root, root_lists *rl,
                             kws_error *err)
{
    memset(rl, 0, sizeof *rl);
    const char *files[2] = {"validation_list.txt", "testing_list.txt"};
    kws_path_list *lists[2] = {&rl->val, &rl->test};
    int *found[2] = {&rl->val_found, &rl->test_found};
    for (int k = 0; k < 2; k++) {
        char path[KWS_ROOT_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", cfg->roots[root].path, files[k]);
        if (access(path, F_OK) != 0) {
            if (root == 0 && !cfg->allow_missing_lists)
                return kws_error_set(err, KWS_ERR_IO,
                                     "%s: list file not found (every data folder needs "
                                     "validation_list.txt and testing_list.txt; allow missing "
                                     "lists to train on every clip)", path);
            continue;
        }
        kws_status st = kws_path_list_read(path, lists[k], err);
        if (st != KWS_OK)
            return st;
        *found[k] = 1;
    }
    return KWS_OK;
}

static void free_lists(root_lists *rl)
{
    kws_path_list_free(&rl->val);
    kws_path_list_free(&rl->test);
}

/* Counts the list entries of root 0 against the scanned clips. */
static void account_lists(kws_dataset *ds, const root_lists *rl, const cand *v, size_t lo,
                          size_t hi, char **folders, const int *folder_used, size_t n_folders)
{
    const kws_path_list *lists[2] = {&rl->val, &rl->test};
    for (int k = 0; k < 2; k++) {
        const kws_path_list *l = lists[k];
        ds->lists.junk += l->n_junk;
        for (size_t i = 0; i < l->n; i++) {
            const char *p = l->paths[i];
            if (k == 0 && kws_path_list_contains(&rl->test, p)) {
                ds->lists.in_both++;
                continue; /* counted under test, which wins */
            }
            const char *slash = strchr(p, '/');
            size_t flen = (size_t)(slash - p);
            int used = 0;
            for (size_t f = 0; f < n_folders; f++)
                if (strlen(folders[f]) == flen && memcmp(folders[f], p, flen) == 0) {
                    used = folder_used[f];
                    break;
                }
            if (!used)
                ds->lists.unselected++;
            else if (!find_cand(v, lo, hi, p))
                ds->lists.missing++;
            else if (k == 0)
                ds->lists.val_entries++;
            else
                ds->lists.test_entries++;
        }
    }
}

static kws_status scan_root(kws_dataset *ds, cand_vec *cv, int r, int *has_silence_dir,
                            int *has_noise_dir, kws_error *err)
{
    const kws_dataset_config *cfg = &ds->cfg;
    const kws_data_root *root = &cfg->roots[r];
    struct stat sb;
    if (stat(root->path, &sb) != 0)
        return kws_error_set(err, KWS_ERR_IO, "data folder %s: %s", root->path,
                             errno == ENOENT ? "does not exist" : strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return kws_error_set(err, KWS_ERR_IO, "data folder %s: not a folder", root->path);

    char **folders;
    size_t n_folders;
    kws_status st = list_dir(root->path, 1, &folders, &n_folders, err);
    if (st != KWS_OK)
        return st;
    int *used = (int *)calloc(n_folders ? n_folders : 1, sizeof *used);
    if (!used) {
        free_names(folders, n_folders);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    }
    if (r == 0) {
        for (int w = 0; w < cfg->n_words; w++) {
            int found = 0;
            for (size_t f = 0; f < n_folders && !found; f++)
                found = strcmp(folders[f], cfg->words[w]) == 0;
            if (!found) {
                st = kws_error_set(err, KWS_ERR_IO, "%s: no folder for the word \"%s\"",
                                   root->path, cfg->words[w]);
                goto done;
            }
        }
    }

    root_lists rl;
    memset(&rl, 0, sizeof rl);
    if (!root->synthetic) {
        st = read_lists(cfg, r, &rl, err);
        if (st != KWS_OK)
            goto done_lists;
    }
    if (r == 0) {
        ds->lists.val_list_found = rl.val_found;
        ds->lists.test_list_found = rl.test_found;
    }

    size_t first = cv->n;
    for (size_t f = 0; f < n_folders && st == KWS_OK; f++) {
        const char *name = folders[f];
        if (strcmp(name, KWS_NOISE_DIR) == 0) {
            if (r == 0) {
                *has_noise_dir = 1;
                char dir[KWS_ROOT_PATH_MAX + 64];
                snprintf(dir, sizeof dir, "%s/%s", root->path, name);
                st = kws_noise_bank_load(&ds->noise, dir, ds->pool, err);
            }
        } else if (strcmp(name, KWS_SILENCE_NAME) == 0) {
            if (r == 0)
                *has_silence_dir = 1;
            if (cfg->use_silence) {
                used[f] = 1;
                st = scan_folder(ds, cv, r, name, ds->silence_label, 0, 1, err);
            }
        } else if (name[0] != '_') {
            int w = word_index(cfg, name);
            if (w >= 0 || cfg->use_unknown) {
                used[f] = 1;
                st = scan_folder(ds, cv, r, name, w >= 0 ? w : ds->unknown_label, w < 0, 0,
                                 err);
            }
        }
    }
    if (st != KWS_OK)
        goto done_lists;

    qsort(cv->v + first, cv->n - first, sizeof *cv->v, cmp_cand);
    for (size_t i = first; i < cv->n; i++) {
        cand *c = &cv->v[i];
        int in_test = kws_path_list_contains(&rl.test, c->rel);
        int in_val = kws_path_list_contains(&rl.val, c->rel);
        if (root->synthetic) {
            c->split = KWS_SPLIT_TRAIN;
        } else if (r > 0) {
            c->split = (in_test || in_val) ? SPLIT_DROP : KWS_SPLIT_TRAIN;
        } else if (in_test) {
            c->split = KWS_SPLIT_TEST;
        } else if (in_val) {
            c->split = KWS_SPLIT_VAL;
        } else if (c->is_silence) {
            const char *base = strrchr(c->rel, '/') + 1;
            int b = (int)(kws_hash_str(KWS_FNV_OFFSET, base) % 100);
            c->split = b < cfg->silence_val_percent ? KWS_SPLIT_VAL
                       : b < cfg->silence_val_percent + cfg->silence_test_percent
                           ? KWS_SPLIT_TEST
                           : KWS_SPLIT_TRAIN;
        } else {
            c->split = KWS_SPLIT_TRAIN;
        }
        if (c->split == KWS_SPLIT_TRAIN && root->weight == 0.0f)
            c->split = SPLIT_DROP; /* weight 0: validation/test only */
        if (c->split == SPLIT_DROP)
            c->keep = 0;
    }
    if (r == 0)
        account_lists(ds, &rl, cv->v, first, cv->n, folders, used, n_folders);

done_lists:
    free_lists(&rl);
done:
    free(used);
    free_names(folders, n_folders);
    return st;
}

static kws_status check_config(const kws_dataset_config *cfg, kws_error *err)
{
    if (cfg->n_roots < 1 || cfg->n_roots > KWS_MAX_ROOTS)
        return kws_error_set(err, KWS_ERR_ARG, "no data folder given");
    if (cfg->n_words < 1 || cfg->n_words > KWS_MAX_WORDS)
        return kws_error_set(err, KWS_ERR_ARG, "no command words given");
    int trained = 0;
    for (int r = 0; r < cfg->n_roots; r++) {
        if (!(cfg->roots[r].weight >= 0.0f) || !isfinite(cfg->roots[r].weight))
            return kws_error_set(err, KWS_ERR_ARG, "%s: root weight must be >= 0",
                                 cfg->roots[r].path);
        trained += cfg->roots[r].weight > 0.0f;
    }
    if (!trained)
        return kws_error_set(err, KWS_ERR_ARG, "every data root has weight 0: nothing to train on");
    if (!isfinite(cfg->unknown_fraction) || !isfinite(cfg->silence_fraction) ||
        cfg->silence_fraction < 0.0f)
        return kws_error_set(err, KWS_ERR_ARG, "unknown/silence fractions must be finite, "
                                               "silence >= 0");
    if (cfg->silence_val_percent < 0 || cfg->silence_test_percent < 0 ||
        cfg->silence_val_percent + cfg->silence_test_percent > 100)
        return kws_error_set(err, KWS_ERR_ARG, "silence split percentages must be >= 0 "
                                               "and add up to at most 100");
    return KWS_OK;
}

/* Appends `count` noise slices of `split` as items. */
static kws_status add_noise_slices(kws_dataset *ds, item_vec *iv, kws_split split,
                                   size_t count, kws_error *err)
{
    const kws_noise_bank *b = &ds->noise;
    int usable[256];
    int n_usable = 0;
    for (int i = 0; i < b->n && n_usable < 256; i++) {
        size_t s, e;
        kws_noise_region(b, i, split, &s, &e);
        if (e - s >= KWS_CLIP_SAMPLES)
            usable[n_usable++] = i;
    }
    if (n_usable == 0 || count == 0)
        return KWS_OK;
    if (!grow((void **)&iv->v, &iv->cap, iv->n + count, sizeof *iv->v))
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    kws_rng rng;
    kws_rng_seed(&rng, kws_seed_mix(ds->cfg.seed, 3, (uint64_t)split));
    for (size_t k = 0; k < count; k++) {
        int i = usable[kws_rng_below(&rng, n_usable)];
        size_t s, e;
        kws_noise_region(b, i, split, &s, &e);
        size_t span = e - s - KWS_CLIP_SAMPLES + 1;
        size_t off = s + (size_t)(kws_rng_u64(&rng) % span);
        const char *base = strrchr(b->path[i], '/');
        base = base ? base + 1 : b->path[i];
        char rel[600];
        snprintf(rel, sizeof rel, "%s/%s@%zu", KWS_NOISE_DIR, base, off);
        struct stat sb;
        if (stat(b->path[i], &sb) != 0)
            memset(&sb, 0, sizeof sb);
        kws_item *it = &iv->v[iv->n];
        memset(it, 0, sizeof *it);
        it->path = b->path[i];
        it->rel = kws_str_pool_dup(ds->pool, rel);
        if (!it->rel)
            return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
        it->label = ds->silence_label;
        it->split = (uint8_t)split;
        it->kind = KWS_ITEM_NOISE;
        it->root = 0;
        it->noise = i;
        it->offset = (int64_t)off;
        it->size = (int64_t)sb.st_size;
        it->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000LL + (int64_t)sb.st_mtim.tv_nsec;
        iv->n++;
    }
    return KWS_OK;
}

static int cmp_item(const void *a, const void *b)
{
    const kws_item *x = (const kws_item *)a, *y = (const kws_item *)b;
    if (x->root != y->root)
        return x->root < y->root ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    int c = strcmp(x->rel, y->rel);
    if (c)
        return c;
    return x->split < y->split ? -1 : x->split > y->split;
}

kws_status kws_dataset_load(kws_dataset *ds, const kws_dataset_config *cfg, kws_error *err)
{
    memset(ds, 0, sizeof *ds);
    kws_status st = check_config(cfg, err);
    if (st != KWS_OK)
        return st;
    ds->cfg = *cfg;
    for (int w = 0; w < cfg->n_words; w++)
        snprintf(ds->class_names[ds->n_classes++], KWS_WORD_MAX, "%s", cfg->words[w]);
    ds->unknown_label = ds->silence_label = -1;
    if (cfg->use_unknown) {
        ds->unknown_label = ds->n_classes;
        snprintf(ds->class_names[ds->n_classes++], KWS_WORD_MAX, "%s", KWS_UNKNOWN_NAME);
    }
    if (cfg->use_silence) {
        ds->silence_label = ds->n_classes;
        snprintf(ds->class_names[ds->n_classes++], KWS_WORD_MAX, "%s", KWS_SILENCE_NAME);
    }
    ds->pool = kws_str_pool_new();
    if (!ds->pool)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");

    cand_vec cv = {NULL, 0, 0};
    item_vec iv = {NULL, 0, 0};
    size_t *idx = NULL;
    int has_silence_dir = 0, has_noise_dir = 0;
    for (int r = 0; r < cfg->n_roots && st == KWS_OK; r++)
        st = scan_root(ds, &cv, r, &has_silence_dir, &has_noise_dir, err);
    if (st != KWS_OK)
        goto fail;
    if (cfg->use_silence && !has_silence_dir && !has_noise_dir) {
        st = kws_error_set(err, KWS_ERR_IO,
                           "%s: the _silence_ class needs %s/ or %s/, and neither exists",
                           cfg->roots[0].path, KWS_SILENCE_NAME, KWS_NOISE_DIR);
        goto fail;
    }

    /* average command count per split */
    double avg[KWS_NUM_SPLITS] = {0, 0, 0};
    for (size_t i = 0; i < cv.n; i++)
        if (cv.v[i].keep && !cv.v[i].is_unknown && !cv.v[i].is_silence)
            avg[cv.v[i].split] += 1.0;
    for (int s = 0; s < KWS_NUM_SPLITS; s++)
        avg[s] /= cfg->n_words;

    idx = (size_t *)malloc((cv.n ? cv.n : 1) * sizeof *idx);
    if (!idx) {
        st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int s = 0; s < KWS_NUM_SPLITS; s++) {
        if (cfg->use_unknown) {
            size_t n = 0;
            for (size_t i = 0; i < cv.n; i++)
                if (cv.v[i].keep && cv.v[i].is_unknown && cv.v[i].split == s)
                    idx[n++] = i;
            ds->unknown_pool[s] = n;
            size_t target = cfg->unknown_fraction > 0.0f
                                ? (size_t)llround(cfg->unknown_fraction * avg[s])
                                : n;
            subsample(cv.v, idx, n, target, kws_seed_mix(cfg->seed, 1, (uint64_t)s));
        }
        if (cfg->use_silence) {
            size_t n = 0;
            for (size_t i = 0; i < cv.n; i++)
                if (cv.v[i].keep && cv.v[i].is_silence && cv.v[i].split == s)
                    idx[n++] = i;
            size_t target = (size_t)llround(cfg->silence_fraction * avg[s]);
            subsample(cv.v, idx, n, target, kws_seed_mix(cfg->seed, 2, (uint64_t)s));
            ds->silence_clips[s] = n < target ? n : target;
            st = add_noise_slices(ds, &iv, (kws_split)s, target - ds->silence_clips[s], err);
            if (st != KWS_OK)
                goto fail;
        }
    }

    if (!grow((void **)&iv.v, &iv.cap, iv.n + cv.n, sizeof *iv.v)) {
        st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cv.n; i++) {
        const cand *c = &cv.v[i];
        if (!c->keep)
            continue;
        kws_item *it = &iv.v[iv.n++];
        memset(it, 0, sizeof *it);
        it->path = c->path;
        it->rel = c->rel;
        it->label = c->label;
        it->split = c->split;
        it->kind = KWS_ITEM_FILE;
        it->root = (uint16_t)c->root;
        it->noise = -1;
        it->size = c->size;
        it->mtime_ns = c->mtime_ns;
    }
    if (iv.n > 1)
        qsort(iv.v, iv.n, sizeof *iv.v, cmp_item);
    ds->items = iv.v;
    ds->n_items = iv.n;
    iv.v = NULL;

    for (size_t i = 0; i < ds->n_items; i++) {
        ds->split_count[ds->items[i].split]++;
        ds->class_count[ds->items[i].split][ds->items[i].label]++;
    }
    for (int s = 0; s < KWS_NUM_SPLITS; s++) {
        ds->split_items[s] = (size_t *)malloc((ds->split_count[s] ? ds->split_count[s] : 1) *
                                              sizeof(size_t));
        if (!ds->split_items[s]) {
            st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    {
        size_t fill[KWS_NUM_SPLITS] = {0, 0, 0};
        for (size_t i = 0; i < ds->n_items; i++)
            ds->split_items[ds->items[i].split][fill[ds->items[i].split]++] = i;
    }
    free(idx);
    free(cv.v);
    return KWS_OK;

fail:
    free(idx);
    free(cv.v);
    free(iv.v);
    kws_dataset_free(ds);
    return st;
}

void kws_dataset_free(kws_dataset *ds)
{
    free(ds->items);
    for (int s = 0; s < KWS_NUM_SPLITS; s++)
        free(ds->split_items[s]);
    kws_noise_bank_free(&ds->noise);
    kws_str_pool_free(ds->pool);
    memset(ds, 0, sizeof *ds);
}
