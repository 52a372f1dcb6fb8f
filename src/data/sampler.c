/* sampler.c - the item order of each training epoch: seeded permutation,
 * or class-balanced / root-weighted draws (rules in kws/dataset.h).
 *
 *   split items ──group by class──► class_items [c0 ...][c1 ...]...
 *   epoch e: rng(seed, e) ──► per class: draws[c] indices ──► shuffle ──► order
 *
 * Stateless across epochs: epoch e depends only on (seed, e). */
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>

static double uniform01(kws_rng *r)
{
    return (double)(kws_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static size_t below(kws_rng *r, size_t n)
{
    return (size_t)(kws_rng_u64(r) % n);
}

static void shuffle(size_t *v, size_t n, kws_rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = below(r, i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

kws_status kws_sampler_init(kws_sampler *s, const kws_dataset *ds, kws_split split,
                            const kws_sampler_config *cfg, kws_error *err)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->ds = ds;
    s->split = split;
    size_t n = ds->split_count[split];
    if (n == 0)
        return kws_error_set(err, KWS_ERR_ARG, "the %s split has no items", kws_split_name(split));
    const size_t *items = ds->split_items[split];
    s->epoch_size = cfg->epoch_size ? cfg->epoch_size : n;
    s->n_classes = ds->n_classes;

    int equal = 1;
    for (size_t i = 1; i < n && equal; i++)
        equal = ds->cfg.roots[ds->items[items[i]].root].weight ==
                ds->cfg.roots[ds->items[items[0]].root].weight;
    s->permutation = !cfg->balance_classes && equal && s->epoch_size == n;
    if (s->permutation)
        return KWS_OK;

    int C = s->n_classes;
    s->class_items = (size_t *)malloc(n * sizeof *s->class_items);
    s->class_start = (size_t *)calloc((size_t)C + 1, sizeof *s->class_start);
    s->class_cum = (double *)malloc(n * sizeof *s->class_cum);
    s->class_uniform = (int *)calloc((size_t)C, sizeof *s->class_uniform);
    s->class_draws = (size_t *)calloc((size_t)C, sizeof *s->class_draws);
    double *share = (double *)calloc((size_t)C, sizeof *share);
    double *frac = (double *)calloc((size_t)C, sizeof *frac);
    if (!s->class_items || !s->class_start || !s->class_cum || !s->class_uniform ||
        !s->class_draws || !share || !frac) {
        free(share);
        free(frac);
        kws_sampler_free(s);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    }
    /* counting sort by label keeps ascending item order inside a class */
    for (size_t i = 0; i < n; i++)
        s->class_start[ds->items[items[i]].label + 1]++;
    for (int c = 0; c < C; c++)
        s->class_start[c + 1] += s->class_start[c];
    size_t largest = 0;
    {
        size_t *fill = s->class_draws; /* borrowed as a cursor, reset below */
        for (size_t i = 0; i < n; i++) {
            int c = ds->items[items[i]].label;
            s->class_items[s->class_start[c] + fill[c]++] = items[i];
        }
    }
    double total_w = 0.0;
    int populated = 0;
    for (int c = 0; c < C; c++) {
        size_t a = s->class_start[c], b = s->class_start[c + 1];
        double cum = 0.0;
        int uniform = 1;
        for (size_t k = a; k < b; k++) {
            double w = ds->cfg.roots[ds->items[s->class_items[k]].root].weight;
            if (k > a && w != ds->cfg.roots[ds->items[s->class_items[a]].root].weight)
                uniform = 0;
            cum += w;
            s->class_cum[k] = cum;
        }
        s->class_uniform[c] = uniform;
        share[c] = cum;
        total_w += cum;
        if (b > a)
            populated++;
        if (b - a > largest)
            largest = b - a;
    }
    for (int c = 0; c < C; c++) {
        if (cfg->balance_classes)
            share[c] = s->class_start[c + 1] > s->class_start[c] ? 1.0 / populated : 0.0;
        else
            share[c] /= total_w;
    }
    /* largest remainder */
    size_t given = 0;
    for (int c = 0; c < C; c++) {
        double exact = share[c] * (double)s->epoch_size;
        s->class_draws[c] = (size_t)exact;
        frac[c] = exact - (double)s->class_draws[c];
        given += s->class_draws[c];
    }
    while (given < s->epoch_size) {
        int best = -1;
        for (int c = 0; c < C; c++)
            if (share[c] > 0.0 && (best < 0 || frac[c] > frac[best]))
                best = c;
        s->class_draws[best]++;
        frac[best] = -1.0;
        given++;
    }
    free(share);
    free(frac);
    s->scratch = (size_t *)malloc((largest ? largest : 1) * sizeof *s->scratch);
    if (!s->scratch) {
        kws_sampler_free(s);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    }
    return KWS_OK;
}

void kws_sampler_epoch(kws_sampler *s, int epoch, size_t *order)
{
    kws_rng rng;
    kws_rng_seed(&rng, kws_seed_mix(s->cfg.seed, 0x5a4d504cULL, (uint64_t)epoch));
    if (s->permutation) {
        memcpy(order, s->ds->split_items[s->split], s->epoch_size * sizeof *order);
        shuffle(order, s->epoch_size, &rng);
        return;
    }
    size_t w = 0;
    for (int c = 0; c < s->n_classes; c++) {
        size_t a = s->class_start[c], n = s->class_start[c + 1] - a, k = s->class_draws[c];
        if (n == 0 || k == 0)
            continue;
        const size_t *ci = s->class_items + a;
        if (s->class_uniform[c]) {
            for (size_t rep = 0; rep < k / n; rep++)
                for (size_t i = 0; i < n; i++)
                    order[w++] = ci[i];
            size_t rem = k % n;
            memcpy(s->scratch, ci, n * sizeof *ci);
            for (size_t i = 0; i < rem; i++) { /* partial Fisher-Yates */
                size_t j = i + below(&rng, n - i);
                size_t t = s->scratch[i];
                s->scratch[i] = s->scratch[j];
                s->scratch[j] = t;
                order[w++] = s->scratch[i];
            }
        } else {
            const double *cum = s->class_cum + a;
            double total = cum[n - 1];
            for (size_t d = 0; d < k; d++) {
                double u = uniform01(&rng) * total;
                size_t lo = 0, hi = n - 1;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (cum[mid] > u)
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                order[w++] = ci[lo];
            }
        }
    }
    shuffle(order, w, &rng);
}

void kws_sampler_free(kws_sampler *s)
{
    free(s->class_items);
    free(s->class_start);
    free(s->class_cum);
    free(s->class_uniform);
    free(s->class_draws);
    free(s->scratch);
    memset(s, 0, sizeof *s);
}
