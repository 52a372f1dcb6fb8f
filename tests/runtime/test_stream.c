/* test_stream.c - kws/stream.h against the whole-window runtime.
 *
 * Networks with time=valid convolutions and 2x1 pools (int8 and binary
 * weights, k = 3 and 5, batch norms folded and as AFFINE ops, int8 or
 * int32 logits) are built from their description with random weights and
 * batch-norm statistics, converted with kws_imodel_convert on random
 * calibration inputs, and fed a long random column stream. At every hop
 * from the in_w-th on, kws_stream_push's logits must equal kws_imodel_run's
 * on the window of the last in_w columns, bit for bit, and `ready` must say
 * so; before that `ready` is 0. Then: reset starts over; the paper network
 * ('same' padding, 2x2 pools) and other non-streaming models are refused
 * with their reason; too little memory is an error.
 */
#include <stdlib.h>
#include <string.h>

#include "kws/convert.h"
#include "kws/imodel.h"
#include "kws/net.h"
#include "kws/stream.h"
#include "tests/test.h"

typedef struct {
    const char *name, *text;
    int out_s32;
} stream_case;

static const stream_case cases[] = {
    {"int8 k3, pool, affine",
     "input 1 10 12\n"
     "conv2d 4 kernel=3 time=valid relu maxpool=2x1 bn\n"
     "conv2d 8 kernel=3 time=valid relu bn\n"
     "flatten\ndense 6 relu\ndense 5\n",
     1},
    {"binary conv and dense, k5, int8 logits",
     "input 1 9 16\n"
     "conv2d 8 kernel=3 time=valid relu\n"
     "conv2d 8 kernel=3 time=valid w=binary relu maxpool=2x1 bn\n"
     "conv2d 16 kernel=5 time=valid bn relu\n"
     "flatten\ndense 7 w=binary relu bn\ndense 4\n",
     0},
    {"the shape of models/stream.kwsnet, smaller",
     "input 1 38 20\n"
     "conv2d 4 kernel=3 time=valid relu maxpool=2x1 bn\n"
     "conv2d 8 kernel=3 time=valid relu maxpool=2x1 bn\n"
     "conv2d 8 kernel=3 time=valid relu maxpool=2x1 bn\n"
     "conv2d 8 kernel=3 time=valid relu\n"
     "flatten\ndense 16 relu w=binary\ndense 16 relu bn w=binary\ndense 10\n",
     1},
};

static kws_rng g_rng;

static float rnd(float a)
{
    return a * (2.0f * kws_rng_uniform(&g_rng) - 1.0f);
}

/* Random parameters, and batch-norm statistics far from the identity. */
static void randomize(kws_net *net)
{
    kws_net_init(net, kws_rng_u64(&g_rng));
    const kws_topology *t = &net->topo;
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        for (size_t c = 0; c < l->n_bias; c++)
            net->params[l->bias_off + c] = rnd(0.2f);
        for (size_t c = 0; c < l->n_bn; c++) {
            net->params[l->gamma_off + c] = 0.5f + kws_rng_uniform(&g_rng);
            if (kws_rng_below(&g_rng, 5) == 0)
                net->params[l->gamma_off + c] *= -1.0f;
            net->params[l->beta_off + c] = rnd(0.3f);
            net->bn_stats[l->stat_off + c] = rnd(0.5f);
            net->bn_stats[l->stat_off + l->n_bn + c] = 0.3f + 2.0f * kws_rng_uniform(&g_rng);
        }
    }
}

static void run_case(const stream_case *sc)
{
    printf("%s\n", sc->name);
    kws_topology topo;
    kws_error err;
    if (!CHECK(kws_topology_parse(&topo, sc->text, strlen(sc->text), sc->name, NULL, &err) ==
               KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    kws_net net;
    if (!CHECK(kws_net_create(&net, &topo, 8, &err) == KWS_OK))
        return;
    randomize(&net);
    const int H = topo.in_h, W = topo.in_w, N_CAL = 24;
    float *calib = malloc(sizeof(float) * (size_t)N_CAL * H * W);
    for (size_t i = 0; i < (size_t)N_CAL * H * W; i++)
        calib[i] = kws_rng_normal(&g_rng);
    kws_imodel im;
    kws_convert_options opt = kws_convert_options_default();
    opt.out_s32 = sc->out_s32;
    if (!CHECK(kws_imodel_convert(&im, &net.topo, net.params, net.bn_stats, calib, N_CAL, &opt,
                                  &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        free(calib);
        kws_net_free(&net);
        return;
    }
    const char *why = kws_stream_unsupported(&im);
    if (!CHECK(why == NULL)) {
        fprintf(stderr, "     %s\n", why);
        goto done;
    }

    /* the stream: L columns of H codes */
    const int L = W + 40;
    int8_t *stream = malloc((size_t)H * L), *window = malloc((size_t)H * W);
    for (size_t i = 0; i < (size_t)H * L; i++)
        stream[i] = (int8_t)(kws_rng_below(&g_rng, 255) - 127);
    void *arena = kws_imodel_arena_alloc(&im);
    const size_t size = kws_stream_size(&im);
    CHECK(size > 0);
    uint64_t *mem = malloc(size + 8);
    kws_stream s;
    CHECK_EQ_INT(kws_stream_init(&s, &im, mem, size - 1), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_stream_init(&s, &im, (char *)mem + 4, size), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_stream_init(&s, &im, mem, size), KWS_OK);

    int8_t column[64];
    int32_t got[16], want[16];
    long hops = 0, differ = 0, ready_wrong = 0;
    for (int round = 0; round < 2; round++) { /* the second after a reset */
        if (round == 1)
            kws_stream_reset(&s);
        for (int t = 0; t < L; t++) {
            for (int h = 0; h < H; h++)
                column[h] = stream[(size_t)h * L + t];
            if (!CHECK(kws_stream_push(&s, column, got) == KWS_OK))
                break;
            ready_wrong += s.ready != (t + 1 >= W);
            if (t + 1 < W)
                continue;
            for (int h = 0; h < H; h++)
                memcpy(window + (size_t)h * W, stream + (size_t)h * L + (t + 1 - W), (size_t)W);
            CHECK_EQ_INT(kws_imodel_run(&im, arena, kws_imodel_arena_size(&im), window, want),
                         KWS_OK);
            int bad = memcmp(got, want, sizeof(int32_t) * (size_t)im.n_classes) != 0;
            if (bad && differ < 3)
                fprintf(stderr, "     hop %d: logit 0 %d (stream) vs %d (window)\n", t,
                        (int)got[0], (int)want[0]);
            differ += bad;
            hops++;
        }
    }
    printf("  %ld hops, %ld differ from the whole-window run, state %zu B, %d ops\n", hops,
           differ, size, im.n_ops);
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(ready_wrong, 0);
    CHECK_EQ_INT(hops, 2 * (L - W + 1));
    free(stream);
    free(window);
    free(arena);
    free(mem);
done:
    kws_imodel_free(&im);
    free(calib);
    kws_net_free(&net);
}

/* Models that cannot stream say why, and size 0. */
static void refused(const char *text, const char *reason)
{
    kws_topology topo;
    kws_error err;
    kws_net net;
    if (!CHECK(kws_topology_parse(&topo, text, strlen(text), "refused", NULL, &err) == KWS_OK) ||
        !CHECK(kws_net_create(&net, &topo, 4, &err) == KWS_OK))
        return;
    randomize(&net);
    const size_t n = (size_t)4 * topo.in_c * topo.in_h * topo.in_w;
    float *calib = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++)
        calib[i] = kws_rng_normal(&g_rng);
    kws_imodel im;
    if (CHECK(kws_imodel_convert(&im, &net.topo, net.params, net.bn_stats, calib, 4, NULL, &err) ==
              KWS_OK)) {
        const char *why = kws_stream_unsupported(&im);
        printf("refused (%s): %s\n", reason, why ? why : "(accepted)");
        CHECK(why && strstr(why, reason));
        CHECK_EQ_INT(kws_stream_size(&im), 0);
        uint64_t mem[64];
        kws_stream s;
        CHECK_EQ_INT(kws_stream_init(&s, &im, mem, sizeof mem), KWS_ERR_UNSUPPORTED);
        kws_imodel_free(&im);
    }
    free(calib);
    kws_net_free(&net);
}

int main(void)
{
    kws_rng_seed(&g_rng, 20261126);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    refused("input 1 38 55\nconv2d 4 relu maxpool=2 bn\nflatten\ndense 3\n", "time=valid");
    refused("input 1 38 55\nconv2d 4 time=valid relu maxpool=2\nflatten\ndense 3\n",
            "maxpool=2x1");
    refused("input 1 10 12\nconv2d 4 time=valid w=binary\nconv2d 4 time=valid w=binary\n"
            "flatten\ndense 3\n",
            "multiple of 8");
    refused("input 1 10 12\nflatten\ndense 3\n", "not a convolution");
    CHECK(kws_stream_unsupported(NULL) != NULL);
    CHECK_EQ_INT(kws_stream_size(NULL), 0);
    return test_summary("test_stream");
}
