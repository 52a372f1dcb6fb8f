/* test_convert_paper.c - conversion of networks with random weights:
 *  - models/paper.kwsnet and models/paper_pool.kwsnet convert for every
 *    --quant mode (float converts to int8 weights); every weight of the
 *    integer model dequantizes to exactly the QAT shadow weight (same scale,
 *    same code; binary conv and dense layers read back from their packed
 *    bits); byte counts match docs/quantization.md (binary 7488x64 =
 *    59,904 B, int8 conv weights 71,568 B + 224 biases, binary conv2d_4 and
 *    conv2d_5 2,304 + 4,608 B);
 *  - `kws analyze`'s ROM (kws_analyze) is the converted model's
 *    kws_imodel_bytes_total, byte for byte and split the same way (weights,
 *    biases, requant + affine params), for every mode;
 *  - the peak activation RAM of the ping-pong plan is printed and far below
 *    the paper's 127 KB; the arena size is the plan's peak (+ scratch), a
 *    smaller arena gives KWS_ERR_ARENA and writes nothing;
 *  - a small net with batch norm before ReLU (folded, negative gammas
 *    included, also on binary convs) and after it (channel affine), for
 *    int8, hybrid, int8-act and binary-conv: exact shadow weights and
 *    logits close to the QAT net's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kws/analyze.h"
#include "kws/imodel.h"
#include "kws/net.h"
#include "kws/quant.h"
#include "kws/runtime.h"
#include "tests/convert/convert_util.h"
#include "tests/test.h"

static void fill_normal(float *x, size_t n, kws_rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = kws_rng_normal(r);
}

static int make_net(kws_net *net, const kws_topology *t0, kws_quant_mode mode, int batch)
{
    kws_topology t = *t0;
    kws_error e;
    if (!CHECK(kws_quant_apply_mode(&t, mode, &e) == KWS_OK) ||
        !CHECK(kws_net_create(net, &t, batch, &e) == KWS_OK))
        return 0;
    kws_net_init(net, 7);
    return 1;
}

/* int8 activation ranges (a=int8 layers) measured on x as training would
 * (a few TRAIN-mode passes would also move bn statistics, so measure in
 * INFER, layer by layer, and set). */
static void set_act_ranges(kws_net *net, const float *x, int n)
{
    kws_net_forward(net, x, n, KWS_MODE_INFER);
    for (int i = 0; i < net->n_ops; i++) {
        const kws_net_op *op = &net->ops[i];
        const kws_layer_spec *l = &net->topo.layers[op->layer];
        if (op->kind == KWS_OP_ACTQUANT && l->aq == KWS_QA_INT8) {
            size_t k = (size_t)n * (size_t)op->in_c * op->in_h * op->in_w;
            net->bn_stats[l->act_off] = kws_quant_absmax_f32(op->in, k);
            kws_net_forward(net, x, n, KWS_MODE_INFER);
        }
    }
}

/* Expected bytes of one network in one mode. */
typedef struct {
    int dense_k;      /* inputs of the first dense layer */
    size_t conv_w;    /* conv weights as stored */
    size_t weights;   /* all weights as stored */
    long shadow;      /* weights compared with QAT's */
} paper_expect;

/* analyze (kws/analyze.h) of topo in mode == the converted model's bytes.
 * Float converts to int8 weights: compared with analyze's int8 mode. */
static void check_analyze(const kws_topology *topo, kws_quant_mode mode, const kws_imodel *m)
{
    static kws_analysis an; /* large: not on the stack */
    kws_topology t = *topo;
    kws_error e;
    kws_quant_mode am = mode == KWS_QUANT_FLOAT ? KWS_QUANT_INT8 : mode;
    if (!CHECK(kws_quant_apply_mode(&t, am, &e) == KWS_OK) ||
        !CHECK(kws_analyze(&t, &an, &e) == KWS_OK))
        return;
    kws_imodel_bytes b = kws_imodel_bytes_total(m);
    printf("  analyze ROM %zu B (weights %zu, biases %zu, params %zu); converted model %zu B "
           "(weights %zu, biases %zu, requant %zu + affine %zu)\n",
           an.rom_bytes, an.weight_bytes, an.bias_bytes, an.param_bytes,
           kws_imodel_bytes_sum(b), b.weights, b.biases, b.requant, b.affine);
    CHECK_EQ_INT(an.rom_bytes, kws_imodel_bytes_sum(b));
    CHECK_EQ_INT(an.weight_bytes, b.weights);
    CHECK_EQ_INT(an.bias_bytes, b.biases);
    CHECK_EQ_INT(an.param_bytes, b.requant + b.affine);
    /* the device arena analyze reports is the converted model's (fast plan) */
    printf("  analyze device arena %zu B (fast plan), %zu B (small); converted model %zu B\n",
           an.plan_fast_bytes, an.plan_small_bytes, kws_imodel_arena_size(m));
    CHECK_EQ_INT(an.plan_fast_bytes, kws_imodel_arena_size(m));
    CHECK(an.plan_small_bytes > 0 && an.plan_small_bytes <= an.plan_fast_bytes);
}

static void test_paper(const char *label, const kws_topology *topo, kws_quant_mode mode,
                       const paper_expect *ex)
{
    enum { NC = 4 };
    kws_net net;
    if (!make_net(&net, topo, mode, NC))
        return;
    size_t in_n = 38 * 55;
    float *x = (float *)malloc(NC * in_n * sizeof(float));
    kws_rng r;
    kws_rng_seed(&r, 11);
    fill_normal(x, NC * in_n, &r);
    set_act_ranges(&net, x, NC);
    kws_imodel m;
    kws_error e;
    kws_convert_options opt = kws_convert_options_default();
    kws_status st = kws_imodel_convert(&m, &net.topo, net.params, net.bn_stats, x, NC, &opt, &e);
    if (!CHECK(st == KWS_OK)) {
        fprintf(stderr, "     %s\n", e.msg);
        goto done;
    }
    printf("%s, %s:\n", label, kws_quant_mode_str(mode));
    char *buf = (char *)malloc(16384);
    kws_imodel_summary(&m, buf, 16384);
    printf("%s", buf);
    free(buf);

    /* (2) the integer weights are QAT's */
    kws_net_forward(&net, x, NC, KWS_MODE_INFER);
    long checked = 0, bad = cv_check_shadow(&m, &net, &checked);
    printf("  shadow weights: %ld compared, %ld differ\n", checked, bad);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(checked, ex->shadow);

    /* (3) bytes */
    size_t conv_w = 0, conv_b = 0, dense_w[3] = {0, 0, 0};
    int nd = 0, n_conv_bin = 0;
    for (int i = 0; i < m.n_ops; i++) {
        kws_imodel_bytes b = kws_iop_bytes(&m.ops[i]);
        if (m.ops[i].kind == KWS_IOP_CONV2D || m.ops[i].kind == KWS_IOP_CONV2D_BIN)
            conv_w += b.weights, conv_b += (size_t)m.ops[i].out_c;
        if (m.ops[i].kind == KWS_IOP_CONV2D_BIN) {
            n_conv_bin++;
            CHECK_EQ_INT(m.ops[i].weight_bits, 1);
            CHECK(m.ops[i].wbits != NULL && m.ops[i].weight == NULL);
            CHECK_EQ_INT(b.weights, m.ops[i].in_c == 32 ? 2304 : 4608); /* conv2d_4, _5 */
        } else if ((m.ops[i].kind == KWS_IOP_DENSE || m.ops[i].kind == KWS_IOP_DENSE_BIN) && nd < 3)
            dense_w[nd++] = b.weights;
    }
    kws_imodel_bytes tot = kws_imodel_bytes_total(&m);
    printf("  conv weights %zu B (+ %zu biases: %zu as the paper counts), dense %zu + %zu + %zu B,"
           " all weights %zu B, with int32 biases, requant and bn %zu B\n",
           conv_w, conv_b, conv_w + conv_b, dense_w[0], dense_w[1], dense_w[2], tot.weights,
           kws_imodel_bytes_sum(tot));
    CHECK_EQ_INT(conv_w, ex->conv_w);
    CHECK_EQ_INT(conv_b, 224);
    CHECK_EQ_INT(n_conv_bin, mode == KWS_QUANT_BINARY_CONV ? 2 : 0);
    if (mode == KWS_QUANT_HYBRID || mode == KWS_QUANT_BINARY_CONV) {
        CHECK_EQ_INT(dense_w[0], kws_binary_weight_bytes(ex->dense_k, 64));
        CHECK_EQ_INT(dense_w[1], 512);
        CHECK_EQ_INT(dense_w[2], 640);
    } else {
        CHECK_EQ_INT(dense_w[0], (size_t)ex->dense_k * 64);
    }
    CHECK_EQ_INT(tot.weights, ex->weights);
    check_analyze(topo, mode, &m);

    /* (4), (5) memory plan: peak = the largest in + out pair (conv2d ->
     * conv2d_1, 33,440 B each) plus the working space for conv2d_1's
     * Winograd (fast plan, kws/imodel.h: 10,368 B), far below 127 KB */
    printf("  peak activation RAM %zu B (%.1f KB), arena %zu B\n", m.act_peak,
           (double)m.act_peak / 1024.0, kws_imodel_arena_size(&m));
    CHECK_EQ_INT(m.act_peak, 2 * 38 * 55 * 16 + 10368);
    CHECK(m.act_peak < 127 * 1024 * 6 / 10);
    CHECK_EQ_INT(kws_imodel_arena_size(&m),
                 ((m.act_peak + 7) & ~(size_t)7) + m.scratch_size);
    size_t A = kws_imodel_arena_size(&m);
    void *arena = malloc(A); /* exactly A bytes: ASan catches any overrun */
    int8_t xq[38 * 55];
    int32_t lg[10];
    kws_imodel_quantize_input(&m, x, xq);
    for (int n = 0; n < 10; n++)
        lg[n] = 12345;
    CHECK(kws_imodel_run(&m, arena, A - 1, xq, lg) == KWS_ERR_ARENA);
    CHECK(kws_imodel_run(&m, arena, 0, xq, lg) == KWS_ERR_ARENA);
    CHECK_EQ_INT(lg[0], 12345);
    CHECK(kws_imodel_run(&m, (char *)arena + 1, A, xq, lg) == KWS_ERR_ARG);
    CHECK(kws_imodel_run(&m, arena, A, xq, lg) == KWS_OK);

    /* whole model vs QAT on the (random) inputs: reported, not a claim */
    float qi[10], maxd = 0.0f, maxl = 0.0f;
    int agree = 0;
    for (int s = 0; s < NC; s++) {
        const float *ql = net.logits + s * 10;
        CHECK(cv_run(&m, arena, x + (size_t)s * in_n, qi) == KWS_OK);
        for (int n = 0; n < 10; n++) {
            float d = fabsf(qi[n] - ql[n]);
            maxd = d > maxd ? d : maxd;
            maxl = fabsf(ql[n]) > maxl ? fabsf(ql[n]) : maxl;
        }
        agree += cv_argmax_f(qi, 10) == cv_argmax_f(ql, 10);
    }
    printf("  random inputs: argmax agrees %d/%d, max |logit diff| %.4g (max |logit| %.4g)\n",
           agree, NC, (double)maxd, (double)maxl);
    free(arena);
done:
    kws_imodel_free(&m);
    kws_net_free(&net);
    free(x);
}

/* Batch norm in both positions, random statistics and signs. */
#define SMALL_NET                                                                     \
    "input 1 8 8\n"                                                                   \
    "conv2d 6 kernel=3 bn relu maxpool=2\n"                                           \
    "conv2d 6 kernel=3 relu bn\n"                                                     \
    "flatten\n"                                                                       \
    "dense 16 bn relu\n"                                                              \
    "dense 8 relu bn\n"                                                               \
    "dense 3\n"

static void test_small(kws_quant_mode mode)
{
    enum { N = 64 };
    kws_topology t;
    kws_error e;
    if (!CHECK(kws_topology_parse(&t, SMALL_NET, strlen(SMALL_NET), "small", NULL, &e) == KWS_OK))
        return;
    kws_net net;
    if (!make_net(&net, &t, mode, N))
        return;
    kws_rng r;
    kws_rng_seed(&r, 5);
    for (int i = 0; i < net.topo.n_layers; i++) {
        const kws_layer_spec *l = &net.topo.layers[i];
        for (size_t c = 0; c < l->n_bias; c++)
            net.params[l->bias_off + c] = 0.1f * kws_rng_normal(&r);
        for (size_t c = 0; c < l->n_bn; c++) {
            float g = 0.5f + kws_rng_uniform(&r);
            net.params[l->gamma_off + c] = c % 3 == 1 ? -g : g;
            net.params[l->beta_off + c] = 0.2f * kws_rng_normal(&r);
            net.bn_stats[l->stat_off + c] = 0.3f * kws_rng_normal(&r);
            net.bn_stats[l->stat_off + l->n_bn + c] = 0.5f + kws_rng_uniform(&r);
        }
    }
    float *x = (float *)malloc(N * 64 * sizeof(float));
    fill_normal(x, N * 64, &r);
    set_act_ranges(&net, x, N);
    kws_net_forward(&net, x, N, KWS_MODE_INFER);
    kws_imodel m;
    if (!CHECK(kws_imodel_convert(&m, &net.topo, net.params, net.bn_stats, x, N, NULL, &e) ==
               KWS_OK)) {
        fprintf(stderr, "     %s\n", e.msg);
        kws_net_free(&net);
        free(x);
        return;
    }
    long checked = 0, bad = cv_check_shadow(&m, &net, &checked);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(checked, 6 * 9 + 6 * 6 * 9 + 16 * 96 + 16 * 8 + 8 * 3);
    int folded = 0, affine = 0, bin_neg = 0;
    for (int i = 0; i < m.n_ops; i++) {
        folded += m.ops[i].bn_fold != NULL, affine += m.ops[i].kind == KWS_IOP_AFFINE;
        for (int c = 0; m.ops[i].kind == KWS_IOP_CONV2D_BIN && m.ops[i].bn_fold &&
                        c < m.ops[i].out_c; c++)
            bin_neg += m.ops[i].bn_fold[c] < 0.0f; /* stored bits flipped */
    }
    CHECK_EQ_INT(folded, 2);
    CHECK_EQ_INT(affine, 2);
    if (mode == KWS_QUANT_BINARY_CONV) /* both convs binary, the first with a folded bn */
        CHECK_EQ_INT(bin_neg, 2);
    void *arena = malloc(kws_imodel_arena_size(&m));
    float qi[3], maxd = 0.0f, maxl = 0.0f;
    int agree = 0;
    for (int s = 0; s < N; s++) {
        const float *ql = net.logits + s * 3;
        CHECK(cv_run(&m, arena, x + (size_t)s * 64, qi) == KWS_OK);
        for (int n = 0; n < 3; n++) {
            maxd = fabsf(qi[n] - ql[n]) > maxd ? fabsf(qi[n] - ql[n]) : maxd;
            maxl = fabsf(ql[n]) > maxl ? fabsf(ql[n]) : maxl;
        }
        agree += cv_argmax_f(qi, 3) == cv_argmax_f(ql, 3);
    }
    printf("small net, %s: %d ops, argmax agrees %d/%d, max |logit diff| %.4g = %.2f %% of "
           "max |logit| %.4g, arena %zu B\n",
           kws_quant_mode_str(mode), m.n_ops, agree, N, (double)maxd,
           100.0 * (double)(maxd / maxl), (double)maxl, kws_imodel_arena_size(&m));
    CHECK(agree >= N * 9 / 10);
    CHECK(maxd <= 0.1f * maxl);
    free(arena);
    kws_imodel_free(&m);
    kws_net_free(&net);
    free(x);
}

int main(void)
{
    CHECK_EQ_INT(kws_binary_weight_bytes(7488, 64), 59904);
    char path[1024];
    const char *src = getenv("KWS_SOURCE_DIR");
    kws_topology t;
    kws_error e;
    /* weights as stored: convs int8 71,568 B or, binary-conv, 16,272 int8 +
     * 2,304 + 4,608 packed = 23,184 B; dense K x 64, dense_1 64 x 64,
     * dense_2 640 (int8 or, hybrid/binary-conv, dense and dense_1 packed) */
    static const struct {
        const char *file;
        kws_quant_mode mode;
        paper_expect ex;
    } nets[] = {
        {"paper", KWS_QUANT_FLOAT, {7488, 71568, 555536, 0}}, /* no QAT weights */
        {"paper", KWS_QUANT_INT8, {7488, 71568, 555536, 555536}},
        {"paper", KWS_QUANT_HYBRID, {7488, 71568, 132624, 555536}},
        {"paper", KWS_QUANT_INT8_ACT, {7488, 71568, 555536, 555536}},
        {"paper", KWS_QUANT_BINARY_CONV, {7488, 23184, 84240, 555536}},
        {"paper_pool", KWS_QUANT_INT8, {1536, 71568, 174608, 174608}},
        {"paper_pool", KWS_QUANT_HYBRID, {1536, 71568, 85008, 174608}},
        {"paper_pool", KWS_QUANT_INT8_ACT, {1536, 71568, 174608, 174608}},
        {"paper_pool", KWS_QUANT_BINARY_CONV, {1536, 23184, 36624, 174608}},
    };
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        snprintf(path, sizeof path, "%s/models/%s.kwsnet", src ? src : ".", nets[i].file);
        if (CHECK(kws_topology_load(&t, path, NULL, &e) == KWS_OK))
            test_paper(nets[i].file, &t, nets[i].mode, &nets[i].ex);
        else
            fprintf(stderr, "     %s\n", e.msg);
    }
    test_small(KWS_QUANT_INT8);
    test_small(KWS_QUANT_HYBRID);
    test_small(KWS_QUANT_INT8_ACT);
    test_small(KWS_QUANT_BINARY_CONV);
    return test_summary("test_convert_paper");
}
