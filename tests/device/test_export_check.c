/* test_export_check.c - what stands between an exported model and the
 * device running it out of bounds, on the host:
 *  - kws_imodel_check accepts the converter's models (paper network, hybrid
 *    and binary-conv; tiny, int8) and rejects each kind of broken table
 *    with its own code and the offending op: a too-small arena (ARENA), no
 *    table or op count out of range (ARG), a missing weight array (ARG),
 *    shapes that do not chain, an even kernel, a wrong pool output, a last
 *    op that is not the classes, int32 output before the end (SHAPE),
 *    offsets outside the activation area, an input not where the previous
 *    op wrote, input and output overlapping, misaligned scratch, bad
 *    requantization or clamp bounds, an unknown op kind (FORMAT);
 *  - kws_imodel_run refuses the same broken tables instead of running;
 *  - kws_deployed_param_crc is stable and sees a single flipped bit;
 *  - kws_export_write writes exactly kws_imodel_bytes_total's bytes of
 *    parameters, and refuses a bad name, a window outside the clip, class
 *    names that do not match the outputs, and a missing folder (naming it).
 * The generated code itself is compiled and run by device_m4_model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kws/export.h"
#include "kws/imodel.h"
#include "kws/net.h"
#include "kws/quant.h"
#include "tests/test.h"

enum { NC = 4, IN_N = 38 * 55 };

static int convert(const char *file, kws_quant_mode mode, kws_imodel *m, kws_net *net)
{
    char path[1024];
    const char *src = getenv("KWS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/models/%s.kwsnet", src ? src : ".", file);
    kws_topology t;
    kws_error e;
    if (!CHECK(kws_topology_load(&t, path, NULL, &e) == KWS_OK) ||
        !CHECK(kws_quant_apply_mode(&t, mode, &e) == KWS_OK) ||
        !CHECK(kws_net_create(net, &t, NC, &e) == KWS_OK)) {
        fprintf(stderr, "     %s\n", e.msg);
        return 0;
    }
    kws_net_init(net, 5);
    static float x[NC * IN_N];
    kws_rng r;
    kws_rng_seed(&r, 3);
    for (int i = 0; i < NC * IN_N; i++)
        x[i] = kws_rng_normal(&r);
    kws_convert_options opt = kws_convert_options_default();
    if (!CHECK(kws_imodel_convert(m, &net->topo, net->params, net->bn_stats, x, NC, &opt, &e) ==
               KWS_OK)) {
        fprintf(stderr, "     %s\n", e.msg);
        kws_net_free(net);
        return 0;
    }
    return 1;
}

/* A writable copy of m's table (ops, and the requantization of op rq_op). */
typedef struct {
    kws_imodel m;
    kws_iop ops[KWS_IMODEL_MAX_OPS];
    kws_requant rq[512];
} copy;

static void copy_of(copy *c, const kws_imodel *m)
{
    c->m = *m;
    memcpy(c->ops, m->ops, (size_t)m->n_ops * sizeof(kws_iop));
    c->m.ops = c->ops;
}

static int first_of(const kws_imodel *m, kws_iop_kind k)
{
    for (int i = 0; i < m->n_ops; i++)
        if (m->ops[i].kind == k)
            return i;
    return -1;
}

/* kws_imodel_check on c gives want at op want_op; kws_imodel_run refuses. */
static void expect_bad(const char *what, copy *c, kws_status want, int want_op)
{
    static uint64_t arena[40000];
    static int8_t in[IN_N];
    int32_t logits[64];
    int bad = -2;
    kws_status st = kws_imodel_check(&c->m, sizeof arena, &bad);
    if (!test_report(st == want && bad == want_op, __FILE__, __LINE__, what))
        fprintf(stderr, "     %s: got %s at op %d, expected %s at op %d\n", what,
                kws_status_str(st), bad, kws_status_str(want), want_op);
    if (c->m.arena_size <= sizeof arena)
        CHECK(kws_imodel_run(&c->m, arena, sizeof arena, in, logits) != KWS_OK);
}

static void test_check(const char *label, const kws_imodel *m)
{
    int bad = -2;
    printf("%s: %d ops, arena %zu bytes\n", label, m->n_ops, m->arena_size);
    CHECK_EQ_INT(kws_imodel_check(m, m->arena_size, &bad), KWS_OK);
    CHECK_EQ_INT(bad, -1);
    CHECK_EQ_INT(kws_imodel_check(m, m->arena_size - 1, &bad), KWS_ERR_ARENA);
    CHECK_EQ_INT(kws_imodel_check(NULL, 1 << 20, NULL), KWS_ERR_ARG);

    static copy c;
    int conv = first_of(m, KWS_IOP_CONV2D), pool = first_of(m, KWS_IOP_MAXPOOL);
    int dense = m->n_ops - 1, last = m->n_ops - 1;
    for (int i = 0; i < m->n_ops; i++)
        if (m->ops[i].kind == KWS_IOP_DENSE || m->ops[i].kind == KWS_IOP_DENSE_BIN) {
            dense = i;
            break;
        }
    if (!CHECK(conv >= 0 && pool > conv && dense > pool))
        return;

    copy_of(&c, m), c.m.ops = NULL;
    expect_bad("no op table", &c, KWS_ERR_ARG, -1);
    copy_of(&c, m), c.m.n_ops = 0;
    expect_bad("0 ops", &c, KWS_ERR_ARG, -1);
    copy_of(&c, m), c.m.n_ops = KWS_IMODEL_MAX_OPS + 1;
    expect_bad("too many ops", &c, KWS_ERR_ARG, -1);
    copy_of(&c, m), c.m.in_h = 0;
    expect_bad("input height 0", &c, KWS_ERR_SHAPE, -1);
    copy_of(&c, m), c.m.scratch_off += 4;
    expect_bad("misaligned scratch", &c, KWS_ERR_FORMAT, -1);
    copy_of(&c, m), c.ops[conv].weight = NULL, c.ops[conv].wbits = NULL;
    expect_bad("conv without weights", &c, KWS_ERR_ARG, conv);
    copy_of(&c, m), c.ops[conv + 1].in_c += 1;
    expect_bad("shapes do not chain", &c, KWS_ERR_SHAPE, conv + 1);
    copy_of(&c, m), c.ops[conv].kernel = 4;
    expect_bad("even kernel", &c, KWS_ERR_SHAPE, conv);
    copy_of(&c, m), c.ops[pool].out_h += 1;
    expect_bad("pool does not halve", &c, KWS_ERR_SHAPE, pool);
    copy_of(&c, m), c.ops[dense].in_c -= 1;
    expect_bad("dense input is not the flattened tensor", &c, KWS_ERR_SHAPE, dense);
    copy_of(&c, m), c.m.n_classes += 1;
    expect_bad("last op is not the classes", &c, KWS_ERR_SHAPE, last);
    copy_of(&c, m), c.ops[conv].out_s32 = 1;
    expect_bad("int32 output before the end", &c, KWS_ERR_SHAPE, conv);
    copy_of(&c, m), c.ops[conv].out_off = m->act_peak - 1;
    expect_bad("output beyond the activation area", &c, KWS_ERR_FORMAT, conv);
    copy_of(&c, m), c.ops[pool].in_off += 4;
    expect_bad("input not where the previous op wrote", &c, KWS_ERR_FORMAT, pool);
    copy_of(&c, m), c.ops[pool].out_off = c.ops[pool].in_off;
    expect_bad("pool in place (overlap)", &c, KWS_ERR_FORMAT, pool);
    copy_of(&c, m), c.ops[conv].act_min = 100, c.ops[conv].act_max = 50;
    expect_bad("clamp bounds crossed", &c, KWS_ERR_FORMAT, conv);
    copy_of(&c, m);
    if (CHECK(m->ops[conv].out_c <= 512)) {
        memcpy(c.rq, m->ops[conv].rq, (size_t)m->ops[conv].out_c * sizeof(kws_requant));
        c.rq[0].shift = 99;
        c.ops[conv].rq = c.rq;
        expect_bad("requantization shift out of range", &c, KWS_ERR_FORMAT, conv);
    }
    copy_of(&c, m), c.ops[pool].kind = (kws_iop_kind)99;
    expect_bad("unknown op kind", &c, KWS_ERR_FORMAT, pool);

    /* the CRC sees one flipped bit of one weight */
    uint32_t crc = kws_deployed_param_crc(m);
    CHECK_EQ_INT(kws_deployed_param_crc(m), crc);
    copy_of(&c, m);
    kws_imodel_bytes b = kws_iop_bytes(&m->ops[conv]);
    uint8_t *w = (uint8_t *)malloc(b.weights);
    const void *src = m->ops[conv].weight ? (const void *)m->ops[conv].weight
                                          : (const void *)m->ops[conv].wbits;
    if (CHECK(w != NULL)) {
        memcpy(w, src, b.weights);
        w[b.weights / 2] ^= 0x10;
        if (m->ops[conv].weight)
            c.ops[conv].weight = (const int8_t *)w;
        else
            c.ops[conv].wbits = w;
        CHECK(kws_deployed_param_crc(&c.m) != crc);
        free(w);
    }
}

static void test_export(const kws_imodel *im, const kws_net *net)
{
    kws_model km;
    kws_model_from_net(&km, net);
    km.n_classes = net->topo.n_classes;
    for (int c = 0; c < km.n_classes; c++)
        snprintf(km.class_names[c], sizeof km.class_names[c], "word%d", c);
    km.mfcc = kws_mfcc_config_default();
    static float mean[38], std[38];
    for (int i = 0; i < 38; i++)
        mean[i] = 0.25f * (float)i, std[i] = 1.0f + (float)i;
    km.n_norm = 38, km.norm_mean = mean, km.norm_std = std;

    char dir[] = "/tmp/kws-export-check-XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    kws_export_spec s;
    memset(&s, 0, sizeof s);
    s.name = "paper_test";
    s.source = "test_export_check.c";
    s.model = &km;
    s.net = im;
    s.window_first = 3;
    s.clip_samples = 16000;
    kws_export_report rep;
    kws_error e;
    kws_status st = kws_export_write(&s, dir, &rep, &e);
    if (!CHECK(st == KWS_OK))
        fprintf(stderr, "     %s\n", e.msg);
    CHECK_EQ_INT(rep.param_bytes, kws_imodel_bytes_sum(kws_imodel_bytes_total(im)));
    CHECK_EQ_INT(rep.param_crc, kws_deployed_param_crc(im));
    CHECK(rep.c_bytes > rep.param_bytes && rep.h_bytes > 0);
    printf("export: %zu parameter bytes in %d arrays, %s %zu bytes\n", rep.param_bytes,
           rep.n_arrays, rep.c_path, rep.c_bytes);

    kws_export_spec bad = s;
    bad.name = "9x";
    CHECK_EQ_INT(kws_export_write(&bad, dir, NULL, &e), KWS_ERR_ARG);
    bad = s;
    bad.window_first = 7; /* 7 + 55 > 61 frames */
    CHECK_EQ_INT(kws_export_write(&bad, dir, NULL, &e), KWS_ERR_SHAPE);
    km.n_classes -= 1;
    CHECK_EQ_INT(kws_export_write(&s, dir, NULL, &e), KWS_ERR_SHAPE);
    km.n_classes += 1;
    char missing[64];
    snprintf(missing, sizeof missing, "%s/no/such", dir);
    CHECK_EQ_INT(kws_export_write(&s, missing, NULL, &e), KWS_ERR_IO);
    CHECK(strstr(e.msg, "no/such/paper_test.c") != NULL);

    char path[128];
    snprintf(path, sizeof path, "%s/paper_test.c", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/paper_test.h", dir);
    remove(path);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    static const struct {
        const char *file;
        kws_quant_mode mode;
    } cases[] = {
        {"paper", KWS_QUANT_HYBRID},
        {"paper", KWS_QUANT_BINARY_CONV},
        {"tiny", KWS_QUANT_INT8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kws_imodel m;
        kws_net net;
        char label[64];
        snprintf(label, sizeof label, "%s %s", cases[i].file, kws_quant_mode_str(cases[i].mode));
        if (!convert(cases[i].file, cases[i].mode, &m, &net))
            continue;
        test_check(label, &m);
        if (i == 0)
            test_export(&m, &net);
        kws_imodel_free(&m);
        kws_net_free(&net);
    }
    return test_summary("test_export_check");
}
