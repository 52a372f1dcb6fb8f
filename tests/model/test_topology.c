/* test_topology.c - the .kwsnet parser: the shipped descriptions parse, the
 * paper network has the reference shapes and counts, canonical text round
 * trips, a table of bad descriptions fails at the expected line with the
 * expected status, and random mutations never crash (ASan build). */
#include <stdlib.h>
#include <string.h>
#include "kws/nn.h"
#include "kws/topology.h"
#include "tests/model/model_fixtures.h"
#include "tests/test.h"

/* ---- shipped descriptions -------------------------------------------------- */

static void test_shipped(void)
{
    static const char *const files[] = {"models/paper.kwsnet", "models/paper_half.kwsnet",
                                        "models/small_cnn.kwsnet"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024];
        kws_topology t;
        kws_error e;
        kws_error_clear(&e);
        int line = -1;
        kws_status st = kws_topology_load(&t, fx_source_path(files[i], path, sizeof path), &line,
                                          &e);
        if (!CHECK(st == KWS_OK))
            fprintf(stderr, "     %s\n", e.msg);
        CHECK_EQ_INT(t.n_classes, 10);
        CHECK_EQ_INT(t.in_c, 1);
        CHECK_EQ_INT(t.in_h, 38);
        CHECK_EQ_INT(t.in_w, 55);
    }
    char path[1024];
    kws_topology t;
    kws_error e;
    CHECK_EQ_INT(kws_topology_load(&t, fx_source_path("models/none.kwsnet", path, sizeof path),
                                   NULL, &e),
                 KWS_ERR_IO);
    CHECK(strstr(e.msg, "none.kwsnet") != NULL);
}

/* ---- the paper network (docs/reference-model.md) --------------------------- */

static void test_paper(void)
{
    char path[1024];
    kws_topology t;
    kws_error e;
    if (!CHECK(kws_topology_load(&t, fx_source_path("models/paper.kwsnet", path, sizeof path),
                                 NULL, &e) == KWS_OK))
        return;
    static const struct {
        const char *name;
        int c, h, w;
        long params; /* weights + biases */
        int bn;      /* channels with batch norm */
    } want[] = {
        {"conv2d", 16, 38, 55, 160, 16},      {"conv2d_1", 16, 19, 27, 2320, 16},
        {"conv2d_2", 32, 19, 27, 4640, 32},   {"conv2d_3", 32, 9, 13, 9248, 32},
        {"conv2d_4", 64, 9, 13, 18496, 64},   {"conv2d_5", 64, 9, 13, 36928, 0},
        {"flatten", 7488, 1, 1, 0, 0},        {"dense", 64, 1, 1, 479296, 0},
        {"dense_1", 64, 1, 1, 4160, 64},      {"dense_2", 10, 1, 1, 650, 0},
    };
    CHECK_EQ_INT(t.n_layers, 10);
    for (int i = 0; i < 10 && i < t.n_layers; i++) {
        const kws_layer_spec *l = &t.layers[i];
        if (!CHECK(strcmp(l->name, want[i].name) == 0))
            fprintf(stderr, "     layer %d: %s, expected %s\n", i, l->name, want[i].name);
        CHECK_EQ_INT(l->out_c, want[i].c);
        CHECK_EQ_INT(l->out_h, want[i].h);
        CHECK_EQ_INT(l->out_w, want[i].w);
        CHECK_EQ_INT((long)(l->n_weight + l->n_bias), want[i].params);
        CHECK_EQ_INT((long)l->n_bn, want[i].bn);
    }
    CHECK_EQ_INT(t.n_weights, 555898);  /* the report's parameter count */
    CHECK_EQ_INT(t.n_bn_affine, 448);   /* gamma, beta of 224 channels */
    CHECK_EQ_INT(t.n_params, 555898 + 448);
    CHECK_EQ_INT(t.n_stats, 448);       /* running mean, variance */
    CHECK_EQ_INT(t.macs, 19161632);     /* ~19.2 M */
    CHECK_EQ_INT(t.max_act, 16 * 38 * 55);
    /* the report's ROM: 555,898 floats + 448 folded bn floats = 2,225,384 bytes */
    CHECK_EQ_INT(4 * (t.n_weights + t.n_stats), 2225384);

    /* layout: contiguous, in layer order, weight bias gamma beta */
    size_t off = 0, soff = 0;
    int layout_ok = 1;
    for (int i = 0; i < t.n_layers; i++) {
        const kws_layer_spec *l = &t.layers[i];
        if (l->kind == KWS_LAYER_FLATTEN)
            continue;
        layout_ok &= l->weight_off == off && l->bias_off == off + l->n_weight;
        off += l->n_weight + l->n_bias;
        if (l->n_bn) {
            layout_ok &= l->gamma_off == off && l->beta_off == off + l->n_bn;
            layout_ok &= l->stat_off == soff;
            off += 2 * l->n_bn;
            soff += 2 * l->n_bn;
        }
    }
    CHECK(layout_ok);
    CHECK_EQ_INT(off, t.n_params);

    /* op order as written: relu, maxpool, bn on conv2d_1; dropout on dense */
    const kws_layer_spec *c1 = &t.layers[1];
    CHECK_EQ_INT(c1->n_post, 3);
    CHECK(c1->post[0] == KWS_POST_RELU && c1->post[1] == KWS_POST_MAXPOOL &&
          c1->post[2] == KWS_POST_BN);
    CHECK(kws_layer_has(&t.layers[7], KWS_POST_DROPOUT));
    CHECK_NEAR(t.layers[7].dropout, 0.3, 1e-7);
    CHECK_NEAR(t.layers[8].bn_eps, 1e-3, 1e-9);
    CHECK_NEAR(t.layers[8].bn_momentum, 0.1, 1e-7);

    char summary[8192];
    size_t n = kws_topology_summary(&t, summary, sizeof summary);
    CHECK(n < sizeof summary);
    CHECK(strstr(summary, "555,898") != NULL);
    CHECK(strstr(summary, "556,346") != NULL);
    CHECK(strstr(summary, "479,296") != NULL);
    CHECK(strstr(summary, "19,161,632") != NULL);

    /* the half variant is a quarter of the big dense layer */
    kws_topology h;
    if (CHECK(kws_topology_load(&h, fx_source_path("models/paper_half.kwsnet", path,
                                                   sizeof path),
                                NULL, &e) == KWS_OK)) {
        CHECK_EQ_INT(h.layers[7].n_weight, 3744 * 32);
        CHECK(h.n_params < t.n_params / 3);
    }
}

/* ---- canonical text round trip ---------------------------------------------- */

static int same_topology(const kws_topology *a, const kws_topology *b)
{
    if (a->in_c != b->in_c || a->in_h != b->in_h || a->in_w != b->in_w ||
        a->n_layers != b->n_layers || a->n_params != b->n_params || a->n_stats != b->n_stats)
        return 0;
    for (int i = 0; i < a->n_layers; i++) {
        const kws_layer_spec *x = &a->layers[i], *y = &b->layers[i];
        if (x->kind != y->kind || strcmp(x->name, y->name) != 0 || x->units != y->units ||
            x->kernel != y->kernel || x->time_valid != y->time_valid ||
            x->pool_h_only != y->pool_h_only || x->n_post != y->n_post || x->wq != y->wq ||
            x->aq != y->aq || x->dropout != y->dropout || x->bn_eps != y->bn_eps ||
            x->bn_momentum != y->bn_momentum || x->out_c != y->out_c || x->out_h != y->out_h ||
            x->out_w != y->out_w || x->weight_off != y->weight_off || x->stat_off != y->stat_off)
            return 0;
        for (int p = 0; p < x->n_post; p++)
            if (x->post[p] != y->post[p])
                return 0;
    }
    return 1;
}

static void test_round_trip(void)
{
    static const char *const texts[] = {
        "input 1 38 55\nconv2d 16 relu bn\nconv2d 16 kernel=5 bn relu maxpool=2 dropout=0.1\n"
        "flatten name=flat\ndense 64 relu dropout=0.3 w=int8 a=int8\n"
        "dense 64 bn bn_eps=1e-5 bn_momentum=0.1 relu w=binary a=binary\n"
        "dense 10 w=int4 name=logits\n",
        "input 3 8 8\nconv2d 4 kernel=1 dropout=0.123456789\nflatten\ndense 2\n",
        "input 1 38 55\nconv2d 16 kernel=3 time=valid relu maxpool=2x1 bn\n"
        "conv2d 8 kernel=5 time=same maxpool=2\nflatten\ndense 2\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        kws_topology a, b;
        if (!CHECK(fx_parse(&a, texts[i]) == KWS_OK))
            continue;
        size_t n = kws_topology_format(&a, NULL, 0);
        char *buf = malloc(n + 1);
        CHECK_EQ_INT(kws_topology_format(&a, buf, n + 1), n);
        CHECK_EQ_INT(strlen(buf), n);
        if (CHECK(fx_parse(&b, buf) == KWS_OK))
            CHECK(same_topology(&a, &b));
        /* a short buffer is truncated and terminated, the length unchanged */
        char small[16];
        CHECK_EQ_INT(kws_topology_format(&a, small, sizeof small), n);
        CHECK_EQ_INT(strlen(small), sizeof small - 1);
        free(buf);
    }
    /* the streaming keys: shapes and MACs by hand */
    kws_topology s;
    if (CHECK(fx_parse(&s, "input 1 38 55\nconv2d 16 kernel=3 time=valid relu maxpool=2x1 bn\n"
                           "conv2d 32 kernel=5 time=valid\nflatten\ndense 10\n") == KWS_OK)) {
        CHECK(s.layers[0].time_valid && s.layers[0].pool_h_only);
        CHECK_EQ_INT(s.layers[0].out_h, 19); /* 38 / 2 over frequency */
        CHECK_EQ_INT(s.layers[0].out_w, 53); /* 55 - 2 along time */
        CHECK_EQ_INT(s.layers[0].macs, 16ull * 38 * 53 * 9);
        CHECK_EQ_INT(s.layers[1].out_w, 49); /* 53 - 4 */
        CHECK_EQ_INT(s.layers[1].macs, 32ull * 19 * 49 * 16 * 25);
        CHECK_EQ_INT(s.layers[3].in_c, 32 * 19 * 49);
        /* the largest activation: conv2d's 'same' output before its crop */
        CHECK_EQ_INT(s.max_act, 16 * 38 * 55);
    }
    /* CRLF, tabs, no final newline, UTF-8 in comments */
    kws_topology t;
    CHECK(fx_parse(&t, "# \xc3\xa9t\xc3\xa9\r\ninput\t1 4 4\r\n\r\nflatten # x\r\ndense 2") ==
          KWS_OK);
    CHECK_EQ_INT(t.n_classes, 2);
    CHECK(strcmp(t.layers[1].name, "dense") == 0);
}

/* ---- bad descriptions --------------------------------------------------------- */

typedef struct {
    const char *text;
    int line;
    kws_status status;
    const char *msg; /* a part of the message */
} bad_case;

static const bad_case bad[] = {
    {"", 0, KWS_ERR_FORMAT, "no 'input"},
    {"# only a comment\n\n", 0, KWS_ERR_FORMAT, "no 'input"},
    {"conv2d 16\n", 1, KWS_ERR_FORMAT, "before the 'input'"},
    {"input 1 38 55\n", 0, KWS_ERR_FORMAT, "no layers"},
    {"input 1 38 55\ninput 1 38 55\n", 2, KWS_ERR_FORMAT, "second 'input'"},
    {"input 1 38\n", 1, KWS_ERR_FORMAT, "3 numbers"},
    {"input 1 38 x5\n", 1, KWS_ERR_FORMAT, "bad number 'x5'"},
    {"input 0 38 55\nflatten\n", 1, KWS_ERR_ARG, "out of range"},
    {"input 1 38 -55\nflatten\n", 1, KWS_ERR_ARG, "out of range"},
    {"input 2 4096 4096\nflatten\n", 1, KWS_ERR_ARG, "exceeds"},
    {"input 1 38 55\nconv2d 0 kernel=3\nflatten\ndense 2\n", 2, KWS_ERR_ARG, "channels 0"},
    {"input 1 38 55\nconv2d 5000\nflatten\ndense 2\n", 2, KWS_ERR_ARG, "out of range"},
    {"input 1 38 55\nconv2d 16 kernal=3\n", 2, KWS_ERR_FORMAT, "unknown key 'kernal'"},
    {"input 1 38 55\nconv2d 16 kernel=4\nflatten\ndense 2\n", 2, KWS_ERR_ARG, "odd"},
    {"input 1 38 55\nconv2d 16 kernel=17\nflatten\ndense 2\n", 2, KWS_ERR_ARG, "odd"},
    {"input 1 38 55\nconv2d 16 kernel=3x\n", 2, KWS_ERR_FORMAT, "bad number '3x'"},
    {"input 1 38 55\nconv2d 16 kernel=3 kernel=5\n", 2, KWS_ERR_FORMAT, "twice"},
    {"input 1 38 55\nconv2d kernel=3\n", 2, KWS_ERR_FORMAT, "channel count"},
    {"input 1 1 1\nconv2d 4 maxpool=2\nflatten\ndense 2\n", 2, KWS_ERR_SHAPE, "1x1"},
    {"input 1 4 9\nconv2d 4 maxpool=2\nconv2d 4 maxpool=2\nconv2d 4 maxpool=2\nflatten\n"
     "dense 2\n",
     4, KWS_ERR_SHAPE, "1x2"},
    {"input 1 38 55\nconv2d 4 maxpool=3\nflatten\ndense 2\n", 2, KWS_ERR_UNSUPPORTED,
     "maxpool=3"},
    {"input 1 38 55\nconv2d 4 time=causal\nflatten\ndense 2\n", 2, KWS_ERR_FORMAT,
     "time=causal"},
    {"input 1 38 55\nconv2d 4 time=valid time=same\nflatten\ndense 2\n", 2, KWS_ERR_FORMAT,
     "twice"},
    {"input 1 8 2\nconv2d 4 time=valid\nflatten\ndense 2\n", 2, KWS_ERR_SHAPE,
     "2 wide"},
    {"input 1 1 5\nconv2d 4 maxpool=2x1\nflatten\ndense 2\n", 2, KWS_ERR_SHAPE, "1x5"},
    {"input 1 8 8\nflatten\ndense 10 time=valid\n", 3, KWS_ERR_FORMAT, "unknown key 'time'"},
    {"input 1 38 55\nconv2d 4 maxpool=2x2\nflatten\ndense 2\n", 2, KWS_ERR_FORMAT,
     "bad number '2x2'"},
    {"input 1 8 8\ndense 10\n", 2, KWS_ERR_SHAPE, "add 'flatten'"},
    {"input 1 8 8\nflatten\nconv2d 4\nflatten\ndense 2\n", 3, KWS_ERR_SHAPE, "flat"},
    {"input 1 8 8\nflatten\nflatten\ndense 2\n", 3, KWS_ERR_SHAPE, "already flat"},
    {"input 1 8 8\nconv2d 4\n", 2, KWS_ERR_SHAPE, "must end flat"},
    {"input 1 8 8\nconv2d 4 relu bn relu\nflatten\ndense 2\n", 2, KWS_ERR_FORMAT, "twice"},
    {"input 1 8 8\nflatten\ndense 10 maxpool=2\n", 3, KWS_ERR_FORMAT, "unknown key 'maxpool'"},
    {"input 1 8 8\nflatten\ndense 10 kernel=3\n", 3, KWS_ERR_FORMAT, "unknown key 'kernel'"},
    {"input 1 8 8\nflatten\ndense 10 dropout=1\n", 3, KWS_ERR_ARG, "dropout"},
    {"input 1 8 8\nflatten\ndense 10 dropout=nan\n", 3, KWS_ERR_FORMAT, "bad number"},
    {"input 1 8 8\nflatten\ndense 10 dropout=1e99\n", 3, KWS_ERR_FORMAT, "bad number"},
    {"input 1 8 8\nflatten\ndense 10 dropout=\n", 3, KWS_ERR_FORMAT, "needs a value"},
    {"input 1 8 8\nflatten\ndense 10 bn bn_eps=0\n", 3, KWS_ERR_ARG, "bn_eps"},
    {"input 1 8 8\nflatten\ndense 10 bn bn_momentum=2\n", 3, KWS_ERR_ARG, "bn_momentum"},
    {"input 1 8 8\nflatten\ndense 10 w=int3\n", 3, KWS_ERR_FORMAT, "w=int3"},
    {"input 1 8 8\nflatten\ndense 10 a=int4\n", 3, KWS_ERR_FORMAT, "a=int4"},
    {"input 1 8 8\nflatten\ndense 10 w=int8 w=int8\n", 3, KWS_ERR_FORMAT, "twice"},
    {"input 1 8 8\nflatten\ndense 10 bn=1\n", 3, KWS_ERR_FORMAT, "no value"},
    {"input 1 8 8\nflatten\ndense 10 name=x\ndense 3 name=x\n", 4, KWS_ERR_FORMAT,
     "already used on line 3"},
    {"input 1 8 8\nflatten\ndense 10 name=dense_1\ndense 3\n", 4, KWS_ERR_FORMAT,
     "'dense_1' already used"},
    {"input 1 8 8\nflatten\ndense 10 name=a-b\n", 3, KWS_ERR_FORMAT, "bad name"},
    {"input 1 8 8\nflatten\ndense 10 name=abcdefghijabcdefghijabcdefghijabc\n", 3, KWS_ERR_ARG,
     "longer"},
    {"input 1 8 8\nflatten\ndense\n", 3, KWS_ERR_FORMAT, "unit count"},
    {"input 1 8 8\nflatten 3\ndense 2\n", 2, KWS_ERR_FORMAT, "for flatten"},
    {"input 1 8 8\nflatten relu\ndense 2\n", 2, KWS_ERR_FORMAT, "for flatten"},
    {"input 1 8 8\nfoo 3\n", 2, KWS_ERR_FORMAT, "unknown layer 'foo'"},
    {"input 1 8 8\n\n\n# c\nflatten\ndense 99999999999\n", 6, KWS_ERR_ARG, "out of range"},
    {"input 1 8 8\nflatten\ndense 70000\n", 3, KWS_ERR_ARG, "out of range"},
    {"input 1 64 64\nconv2d 1024 kernel=15\nconv2d 1024 kernel=15\nflatten\ndense 2\n", 3,
     KWS_ERR_ARG, "parameters"},
    {"input 1 8 8 # \n\x01 flatten\n", 2, KWS_ERR_FORMAT, "byte 0x01"},
    {"input 1 8 8\nflatten \xc3\xa9\n", 2, KWS_ERR_FORMAT, "byte 0xc3"},
};

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kws_topology t;
        kws_error e;
        kws_error_clear(&e);
        int line = -1;
        size_t len = strlen(bad[i].text);
        char *copy = malloc(len ? len : 1); /* no NUL: ASan catches over-reads */
        memcpy(copy, bad[i].text, len);
        kws_status st = kws_topology_parse(&t, copy, len, "bad.kwsnet", &line, &e);
        free(copy);
        int ok = st == bad[i].status && line == bad[i].line && strstr(e.msg, bad[i].msg) &&
                 e.status == st;
        if (bad[i].line > 0) {
            char where[32];
            snprintf(where, sizeof where, "bad.kwsnet:%d: ", bad[i].line);
            ok = ok && strncmp(e.msg, where, strlen(where)) == 0;
        }
        if (!CHECK(ok))
            fprintf(stderr, "     case %zu: status %d line %d \"%s\" (want %d, line %d, \"%s\")\n",
                    i, (int)st, line, e.msg, (int)bad[i].status, bad[i].line, bad[i].msg);
    }

    /* NUL inside the text, a long line, too many layers */
    kws_topology t;
    kws_error e;
    int line = -1;
    static const char with_nul[] = "input 1 8 8\nfla\0tten\ndense 2\n";
    CHECK_EQ_INT(kws_topology_parse(&t, with_nul, sizeof with_nul - 1, NULL, &line, &e),
                 KWS_ERR_FORMAT);
    CHECK_EQ_INT(line, 2);
    CHECK(strncmp(e.msg, "<memory>:2:", 11) == 0);

    char big[4096];
    int n = snprintf(big, sizeof big, "input 1 8 8\n%600s\n", "flatten");
    CHECK_EQ_INT(kws_topology_parse(&t, big, (size_t)n, NULL, &line, &e), KWS_ERR_ARG);
    CHECK_EQ_INT(line, 2);
    /* ...but a long comment is fine */
    n = snprintf(big, sizeof big, "input 1 8 8\nflatten #%1000s\ndense 2\n", "x");
    CHECK_EQ_INT(kws_topology_parse(&t, big, (size_t)n, NULL, &line, &e), KWS_OK);

    char *many = malloc(65 * 8 + 64);
    size_t len = (size_t)sprintf(many, "input 1 1 1\nflatten\n");
    for (int i = 0; i < 65; i++)
        len += (size_t)sprintf(many + len, "dense 1\n");
    CHECK_EQ_INT(kws_topology_parse(&t, many, len, NULL, &line, &e), KWS_ERR_ARG);
    CHECK_EQ_INT(line, 2 + KWS_TOPO_MAX_LAYERS);
    free(many);
}

/* ---- mutations: any status, never a crash or an over-read ------------------------ */

static void test_mutations(void)
{
    char path[1024];
    FILE *f = fopen(fx_source_path("models/paper.kwsnet", path, sizeof path), "rb");
    if (!CHECK(f != NULL))
        return;
    static char orig[8192];
    size_t len = fread(orig, 1, sizeof orig, f);
    fclose(f);
    static const char alphabet[] = "0123456789 =\n#-.abcdefghijklmnopqrstuvwxyz_\t\r\x01\xff";
    kws_rng r;
    kws_rng_seed(&r, 7);
    int accepted = 0;
    for (int it = 0; it < 3000; it++) {
        size_t n = len;
        char *buf = malloc(len + 64);
        memcpy(buf, orig, len);
        int edits = 1 + kws_rng_below(&r, 8);
        for (int k = 0; k < edits; k++) {
            int what = kws_rng_below(&r, 3);
            size_t at = n ? (size_t)kws_rng_below(&r, (int)n) : 0;
            if (what == 0 && n) { /* replace */
                buf[at] = alphabet[kws_rng_below(&r, (int)sizeof alphabet - 1)];
            } else if (what == 1 && n) { /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            } else if (n < len + 63) { /* insert */
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = alphabet[kws_rng_below(&r, (int)sizeof alphabet - 1)];
                n++;
            }
        }
        if (kws_rng_below(&r, 4) == 0)
            n = (size_t)kws_rng_below(&r, (int)n + 1); /* truncate */
        char *exact = malloc(n ? n : 1);
        memcpy(exact, buf, n);
        kws_topology t;
        kws_error e;
        kws_status st = kws_topology_parse(&t, exact, n, NULL, NULL, &e);
        if (st == KWS_OK) {
            accepted++;
            CHECK(t.n_params <= KWS_TOPO_MAX_PARAMS && t.max_act <= KWS_TOPO_MAX_ACT);
        }
        free(exact);
        free(buf);
    }
    printf("mutations: %d of 3000 still parse\n", accepted);
}

int main(void)
{
    test_shipped();
    test_paper();
    test_round_trip();
    test_bad();
    test_mutations();
    return test_summary("test_model_topology");
}
