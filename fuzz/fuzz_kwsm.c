/* fuzz_kwsm.c - the .kwsm model loader (kws_model_parse, src/model/model_file.c).
 *
 * The input is a model file. This build defines
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so the loader skips the CRC
 * comparison (still computing the CRC over the whole file) and mutated files
 * reach the section table and the section parser; every other check runs as
 * in production. For each model it accepts, the target checks:
 *   - the caller's expectations: the model's own shape and class count pass,
 *     a different one (picked from the input bytes) is refused with
 *     KWS_ERR_SHAPE and a message naming it, through kws_model_parse too;
 *   - the writer takes whatever the loader accepts, and the file it writes
 *     parses back to the same model and serializes to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "kws/model.h"

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* A model must pass its own expectations and fail one that differs. */
static void check_expect(const kws_model *m, const uint8_t *data, size_t size, uint32_t h)
{
    kws_error err;
    kws_model_expect own = {m->topo.in_c, m->topo.in_h, m->topo.in_w, m->n_classes};
    FUZZ_CHECK(kws_model_check(m, &own, &err) == KWS_OK);
    FUZZ_CHECK(kws_model_check(m, NULL, &err) == KWS_OK);

    kws_model_expect other = own;
    int *field[4] = {&other.in_c, &other.in_h, &other.in_w, &other.n_classes};
    int which = (int)(h % 4);
    *field[which] += 1 + (int)(h >> 8) % 7;
    if (h & 0x10000) { /* the other fields as "any" */
        for (int i = 0; i < 4; i++)
            if (i != which)
                *field[i] = 0;
    }
    FUZZ_CHECK(kws_model_check(m, &other, &err) == KWS_ERR_SHAPE);
    FUZZ_CHECK(strstr(err.msg, "expected") != NULL);
    if (which == 3)
        FUZZ_CHECK(strstr(err.msg, "classes") != NULL);
    else
        FUZZ_CHECK(strstr(err.msg, "model input is") != NULL);

    kws_model again;
    FUZZ_CHECK(kws_model_parse(&again, data, size, "fuzz.kwsm", &other, &err) == KWS_ERR_SHAPE);
    FUZZ_CHECK(strncmp(err.msg, "fuzz.kwsm: ", 11) == 0 && again.storage == NULL);
    kws_model_free(&again);
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* serialize -> parse -> serialize: same model, same bytes. */
static void check_round_trip(const kws_model *m)
{
    kws_error err;
    uint8_t *bytes = NULL, *bytes2 = NULL;
    size_t len = 0, len2 = 0;
    kws_status st = kws_model_serialize(m, &bytes, &len, &err);
    if (st != KWS_OK)
        fprintf(stderr, "writer refused a loaded model: %s\n", err.msg);
    FUZZ_CHECK(st == KWS_OK);

    kws_model b;
    FUZZ_CHECK(kws_model_parse(&b, bytes, len, "round trip", NULL, &err) == KWS_OK);
    const kws_topology *t = &m->topo;
    FUZZ_CHECK(b.topo.n_params == t->n_params && b.topo.n_stats == t->n_stats &&
               b.topo.n_layers == t->n_layers && b.n_classes == m->n_classes);
    for (int i = 0; i < m->n_classes; i++)
        FUZZ_CHECK(strcmp(b.class_names[i], m->class_names[i]) == 0);
    FUZZ_CHECK(memcmp(&b.mfcc, &m->mfcc, sizeof b.mfcc) == 0);
    FUZZ_CHECK(b.n_norm == m->n_norm && same_floats(b.norm_mean, m->norm_mean, (size_t)m->n_norm) &&
               same_floats(b.norm_std, m->norm_std, (size_t)m->n_norm));
    FUZZ_CHECK(same_floats(b.params, m->params, t->n_params));
    FUZZ_CHECK(same_floats(b.bn_stats, m->bn_stats, t->n_stats));
    FUZZ_CHECK(b.meta_len == m->meta_len && memcmp(b.meta, m->meta, m->meta_len) == 0);
    FUZZ_CHECK(b.n_ranges == m->n_ranges && same_floats(b.ranges, m->ranges, (size_t)m->n_ranges));
    FUZZ_CHECK(b.has_optim == m->has_optim);
    if (m->has_optim) {
        FUZZ_CHECK(b.optim.step == m->optim.step && b.optim.epoch == m->optim.epoch &&
                   b.optim.n_rng == m->optim.n_rng);
        FUZZ_CHECK(memcmp(b.optim.rng, m->optim.rng, sizeof b.optim.rng[0] * (size_t)b.optim.n_rng) == 0);
        FUZZ_CHECK(same_floats(b.optim.adam_m, m->optim.adam_m, t->n_params) &&
                   same_floats(b.optim.adam_v, m->optim.adam_v, t->n_params));
    }
    FUZZ_CHECK(kws_model_serialize(&b, &bytes2, &len2, &err) == KWS_OK);
    FUZZ_CHECK(len2 == len && memcmp(bytes, bytes2, len) == 0);
    kws_model_free(&b);
    free(bytes);
    free(bytes2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kws_model m; /* large: keep it off the stack */
    kws_error err;
    kws_status st = kws_model_parse(&m, data, size, "fuzz.kwsm", NULL, &err);
    if (st != KWS_OK) {
        FUZZ_CHECK(m.storage == NULL && m.n_classes == 0);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.kwsm", 9) == 0);
        return 0;
    }
    uint32_t h = hash_bytes(data, size);
    check_expect(&m, data, size, h);
    check_round_trip(&m);
    kws_model_free(&m);
    return 0;
}
