/* test_analyze.c - kws_analyze against hand counts of the paper network
 * (docs/reference-model.md's layer table, docs/quantization.md's formats)
 * and of paper_pool.kwsnet; binary conv layout and w=float layers of an
 * integer model. That analyze equals the converted model's bytes for every
 * mode is tested in tests/convert/test_convert_paper.c. */
#include <stdlib.h>
#include <string.h>

#include "kws/analyze.h"
#include "kws/quant.h"
#include "kws/runtime.h"
#include "tests/test.h"

/* The paper net, by hand: weights and biases per conv2d/dense layer. */
static const struct {
    const char *name;
    long w, b;
} paper[] = {
    {"conv2d", 1 * 16 * 9, 16},       {"conv2d_1", 16 * 16 * 9, 16}, {"conv2d_2", 16 * 32 * 9, 32},
    {"conv2d_3", 32 * 32 * 9, 32},    {"conv2d_4", 32 * 64 * 9, 64}, {"conv2d_5", 64 * 64 * 9, 64},
    {"dense", 7488L * 64, 64},        {"dense_1", 64 * 64, 64},      {"dense_2", 64 * 10, 10},
};
#define N_PAPER 9
/* Unfoldable batch norms (ReLU/pool before them): channels. */
static const long bn_ch = 16 + 16 + 32 + 32 + 64 + 64; /* 224 */

static kws_topology *load(const char *rel, int mode)
{
    static kws_topology t;
    char path[1024];
    const char *src = getenv("KWS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
    kws_error err;
    if (kws_topology_load(&t, path, NULL, &err) != KWS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    if (mode == KWS_QUANT_FLOAT) {
        for (int i = 0; i < t.n_layers; i++)
            t.layers[i].wq = KWS_QW_FLOAT, t.layers[i].aq = KWS_QA_FLOAT;
        CHECK(kws_topology_resolve(&t, NULL, &err) == KWS_OK);
    } else {
        CHECK(kws_quant_apply_mode(&t, (kws_quant_mode)mode, &err) == KWS_OK);
    }
    return &t;
}

static const kws_analyze_row *row(const kws_analysis *a, const char *name)
{
    for (int k = 0; k < a->n_rows; k++)
        if (!strcmp(a->rows[k].name, name))
            return &a->rows[k];
    fprintf(stderr, "no row %s\n", name);
    exit(1);
}

static uint64_t bn_macc(const kws_analysis *a)
{
    uint64_t s = 0;
    for (int k = 0; k < a->n_rows; k++)
        if (a->rows[k].kind == KWS_AOP_BN)
            s += a->rows[k].macc;
    return s;
}

static kws_analysis an; /* large: not on the stack */

static void test_float(const kws_target *tg)
{
    kws_topology *t = load("models/paper.kwsnet", KWS_QUANT_FLOAT);
    CHECK(kws_analyze_is_paper_net(t));
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    long wb = 0;
    for (int i = 0; i < N_PAPER; i++)
        wb += paper[i].w + paper[i].b;
    CHECK_EQ_INT(wb, 555898);
    CHECK_EQ_INT(an.weight_bytes + an.bias_bytes, 4 * 555898); /* 2,223,592 */
    CHECK_EQ_INT(an.param_bytes, 448 * 4);
    CHECK_EQ_INT(an.rom_bytes, 2225384);
    CHECK_EQ_INT(an.macc - bn_macc(&an), 19161632);
    /* bn values: 38x55x16, 19x27x16, 19x27x32, 9x13x32, 9x13x64, 64 */
    CHECK_EQ_INT(bn_macc(&an), 33440 + 8208 + 16416 + 3744 + 7488 + 64);
    for (int i = 0; i < N_PAPER; i++)
        CHECK_EQ_INT(row(&an, paper[i].name)->rom_bytes, 4 * (paper[i].w + paper[i].b));
    CHECK_EQ_INT(row(&an, "batch_normalization_5")->param_bytes, 64 * 8);
    CHECK(row(&an, "conv2d")->relu && !row(&an, "dense_2")->relu);
    /* rows: input, 9 conv/dense, 2 pools, 6 bn */
    CHECK_EQ_INT(an.n_rows, 1 + 9 + 2 + 6);

    /* RAM, float: input 38x55 floats, conv2d and conv2d_1 38x55x16 floats */
    CHECK_EQ_INT(an.window_bytes, 38 * 55 * 4);
    CHECK_EQ_INT(an.arena_bytes, 2 * 38 * 55 * 16 * 4); /* 267,520 at conv2d_1 */
    CHECK(!strcmp(an.rows[an.peak_row].name, "conv2d_1"));
    CHECK_EQ_INT(an.ram_bytes, 8360 + 267520);
    long sum = 4L * (38 * 55 + 2 * 38 * 55 * 16 + 19 * 27 * 16 + 2 * 19 * 27 * 32 + 9 * 13 * 32 +
                     2 * 9 * 13 * 64 + 64 + 64 + 10);
    CHECK_EQ_INT(an.act_sum, sum); /* 515,472 */
    CHECK_EQ_INT(an.ram_no_reuse, 8360 + sum);
    int rom_ok = -1, ram_ok = -1;
    CHECK(!kws_analysis_fits(&an, tg, &rom_ok, &ram_ok));
    CHECK(!rom_ok && ram_ok);
}

static long int8_conv_dense(int i) /* int8 weights, int32 bias, 8 B requant */
{
    return paper[i].w + 4 * paper[i].b + 8 * paper[i].b;
}

static void test_int8(const kws_target *tg)
{
    kws_topology *t = load("models/paper.kwsnet", KWS_QUANT_INT8);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(an.weight_bytes, 555898 - 362); /* 555,536 int8 weights */
    long rom = 0;
    for (int i = 0; i < N_PAPER; i++) {
        rom += int8_conv_dense(i);
        CHECK_EQ_INT(row(&an, paper[i].name)->rom_bytes, int8_conv_dense(i));
    }
    rom += bn_ch * (4 + 2 + 8); /* channel affine: b int32, m int16, requant */
    CHECK_EQ_INT(an.rom_bytes, rom); /* 563,016 */
    CHECK_EQ_INT(an.rom_bytes, 563016);
    CHECK_EQ_INT(an.bias_bytes, 4 * (362 + bn_ch));
    CHECK(kws_analysis_fits(&an, tg, NULL, NULL));
    /* the integer runtime keeps int8 tensors even though a=float: the peak is
     * conv2d -> conv2d_1, 2 x 38 x 55 x 16 bytes (kws_imodel's plan says the same) */
    CHECK_EQ_INT(an.arena_bytes, 2 * 38 * 55 * 16);
    CHECK_EQ_INT(an.macc - bn_macc(&an), 19161632);
}

static void test_hybrid(const kws_target *tg)
{
    kws_topology *t = load("models/paper.kwsnet", KWS_QUANT_HYBRID);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(row(&an, "dense")->weight_bytes, 59904);
    CHECK_EQ_INT(row(&an, "dense")->weight_bytes, kws_binary_weight_bytes(7488, 64));
    CHECK_EQ_INT(row(&an, "dense_1")->weight_bytes, 512);
    CHECK_EQ_INT(row(&an, "dense_1")->weight_bytes, kws_binary_weight_bytes(64, 64));
    CHECK_EQ_INT(row(&an, "dense_2")->weight_bytes, 640);
    CHECK(row(&an, "dense")->wq == KWS_QW_BINARY && row(&an, "dense_2")->wq == KWS_QW_INT8);
    long rom = 0;
    for (int i = 0; i < 6; i++)
        rom += int8_conv_dense(i);
    rom += 59904 + 12 * 64 + 512 + 12 * 64 + int8_conv_dense(8) + bn_ch * 14;
    CHECK_EQ_INT(an.rom_bytes, rom);
    /* the paper's own scheme: int8 convs (1 B per bias) + the binary dense */
    long conv = 0;
    for (int i = 0; i < 6; i++)
        conv += paper[i].w + paper[i].b;
    CHECK_EQ_INT(conv, 71792);
    CHECK(an.rom_bytes > (size_t)(conv + 59904)); /* 131,696 > 0.076 MiB */
    CHECK(conv + 59904 > (long)(0.076 * 1024 * 1024));
    CHECK(kws_analysis_fits(&an, tg, NULL, NULL));
}

static void test_int8_act(void)
{
    kws_topology *t = load("models/paper.kwsnet", KWS_QUANT_INT8_ACT);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(an.rows[0].act_bytes, 38 * 55); /* int8 input */
    /* ping-pong: the two largest adjacent activations, conv2d -> conv2d_1 */
    CHECK_EQ_INT(an.arena_bytes, 2 * 38 * 55 * 16); /* 66,880 */
    CHECK_EQ_INT(an.ram_bytes, 38 * 55 * 4 + 66880);
    long sum = 38 * 55 + 2 * 38 * 55 * 16 + 19 * 27 * 16 + 2 * 19 * 27 * 32 + 9 * 13 * 32 +
               2 * 9 * 13 * 64 + 64 + 64 + 10;
    CHECK_EQ_INT(an.act_sum, sum);
    CHECK_EQ_INT(an.rom_bytes, 563016); /* activations do not change ROM */

    t = load("models/paper.kwsnet", KWS_QUANT_BINARY_CONV);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(row(&an, "conv2d_4")->weight_bytes, 64 * 36);
    CHECK_EQ_INT(row(&an, "conv2d_5")->weight_bytes, 64 * 72);
    CHECK_EQ_INT(row(&an, "conv2d_5")->weight_bytes, kws_conv2d_binary_weight_bytes(64, 3, 64));
    CHECK_EQ_INT(an.rom_bytes, 91720); /* = the converter's (tests/convert) */

    /* paper_pool: dense 1536 x 64 */
    t = load("models/paper_pool.kwsnet", KWS_QUANT_BINARY_CONV);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(row(&an, "max_pooling2d_2")->act_bytes, 4 * 6 * 64);
    CHECK_EQ_INT(row(&an, "dense")->weight_bytes, kws_binary_weight_bytes(1536, 64));
    CHECK_EQ_INT(an.weight_bytes, 36624);
    CHECK_EQ_INT(an.rom_bytes, 44104);
    t = load("models/paper_pool.kwsnet", KWS_QUANT_HYBRID);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(an.weight_bytes, 85008);
    CHECK_EQ_INT(an.rom_bytes, 92488);
    /* the streaming net: time=valid convs narrow W by 2, 2x1 pools keep it */
    t = load("models/stream.kwsnet", KWS_QUANT_HYBRID);
    CHECK(kws_analyze(t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(row(&an, "conv2d")->out_w, 53);
    CHECK_EQ_INT(row(&an, "max_pooling2d")->out_h, 19);
    CHECK_EQ_INT(row(&an, "max_pooling2d")->out_w, 53);
    CHECK(row(&an, "max_pooling2d")->pool_h_only);
    CHECK_EQ_INT(row(&an, "conv2d_3")->act_bytes, 4 * 47 * 32);
    CHECK_EQ_INT(row(&an, "dense")->weight_bytes, kws_binary_weight_bytes(4 * 47 * 32, 64));
    CHECK_EQ_INT(an.arena_bytes, 38 * 53 * 16 + 19 * 53 * 16); /* conv2d out + its pool */
}

static void parse(kws_topology *t, const char *text)
{
    kws_error err;
    if (kws_topology_parse(t, text, strlen(text), "test", NULL, &err) != KWS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
}

static void test_fits(const kws_target *tg)
{
    static kws_topology t;
    int rom_ok, ram_ok;
    parse(&t, "input 64 9 13\nflatten\ndense 4096\ndense 10\n");
    CHECK(kws_analyze(&t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(an.rom_bytes, 4L * (7488 * 4096 + 4096 + 4096 * 10 + 10));
    CHECK(!kws_analysis_fits(&an, tg, &rom_ok, &ram_ok));
    CHECK(!rom_ok && ram_ok);
    parse(&t, "input 64 9 13\nflatten\ndense 16\ndense 10\n");
    CHECK(kws_analyze(&t, &an, NULL) == KWS_OK);
    CHECK(kws_analysis_fits(&an, tg, &rom_ok, &ram_ok) && rom_ok && ram_ok);
    /* RAM: 38x55x64 floats = 535,040 B of output alone */
    parse(&t, "input 1 38 55\nconv2d 64 relu\nconv2d 1\nflatten\ndense 2\n");
    CHECK(kws_analyze(&t, &an, NULL) == KWS_OK);
    CHECK(!kws_analysis_fits(&an, tg, &rom_ok, &ram_ok));
    CHECK(rom_ok && !ram_ok);
    CHECK_EQ_INT(an.arena_bytes, 38 * 55 * 4 + 38 * 55 * 64 * 4);
    /* a folded batch norm (directly after the conv) has no row and no bytes */
    parse(&t, "input 1 8 8\nconv2d 4 bn relu\nflatten\ndense 2\n");
    CHECK(kws_analyze(&t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(an.n_rows, 3);
    CHECK_EQ_INT(an.param_bytes, 0);
    CHECK(an.rows[1].relu);

    /* binary conv: each tap's Cin bits padded to a byte (the kernel's
     * layout), 4 x 3x3 taps x ceil(3/8) = 36 B; one quantized layer makes an
     * integer model, whose w=float layers the converter stores as int8 */
    parse(&t, "input 3 8 8\nconv2d 4 relu w=binary\nconv2d 2\nflatten\ndense 2\n");
    CHECK(kws_analyze(&t, &an, NULL) == KWS_OK);
    CHECK_EQ_INT(an.rows[1].weight_bytes, 36);
    CHECK_EQ_INT(an.rows[1].weight_bytes, kws_conv2d_binary_weight_bytes(4, 3, 3));
    CHECK(an.rows[2].integer && an.rows[2].wq == KWS_QW_INT8);
    CHECK_EQ_INT(an.rows[2].weight_bytes, 2 * 9 * 4);
    CHECK_EQ_INT(an.rows[3].weight_bytes, 2 * 128);
    CHECK_EQ_INT(an.rows[3].bias_bytes, 2 * 4);

    kws_target bad;
    kws_error err;
    CHECK(kws_target_get("stm32f4", &bad, &err) == KWS_ERR_ARG && strstr(err.msg, "stm32l496"));
    CHECK(kws_analyze(NULL, &an, &err) == KWS_ERR_ARG);
}

static void test_reports(const kws_target *tg)
{
    static kws_analysis all[3];
    static const int modes[3] = {KWS_QUANT_FLOAT, KWS_QUANT_INT8, KWS_QUANT_HYBRID};
    const char *labels[3] = {"float", "int8", "hybrid"};
    for (int m = 0; m < 3; m++)
        CHECK(kws_analyze(load("models/paper.kwsnet", modes[m]), &all[m], NULL) == KWS_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(f != NULL);
    if (!f)
        return;
    kws_analysis_print(f, &all[0], "mode float", tg);
    kws_analysis_print_compare(f, all, labels, 3, tg, 1);
    kws_analysis_csv(f, &all[2], "hybrid", tg, 1);
    fclose(f);
    CHECK(strstr(buf, "2,225,384") != NULL);
    CHECK(strstr(buf, "555,898 weights+biases = 2,223,592 B (+448 BN floats = 2,225,384 B") != NULL);
    CHECK(strstr(buf, "131,696 B") != NULL);
    CHECK(strstr(buf, "71,792 B") != NULL);
    CHECK(strstr(buf, "KWS proposal hybrid1-8 bit") != NULL);
    CHECK(strstr(buf, "DOES NOT FIT") != NULL);
    CHECK(strstr(buf, "layer,\"hybrid\",14,\"dense\",\"dense b1+relu\",64,479232,59904,256,512,") !=
          NULL);
    CHECK(strstr(buf, "\ntotal,\"hybrid\",") != NULL);
    free(buf);
}

int main(void)
{
    kws_target tg;
    CHECK(kws_target_get("stm32l496", &tg, NULL) == KWS_OK);
    CHECK_EQ_INT(tg.flash_bytes, 1048576);
    CHECK_EQ_INT(tg.ram_bytes, 327680);
    test_float(&tg);
    test_int8(&tg);
    test_hybrid(&tg);
    test_int8_act();
    test_fits(&tg);
    test_reports(&tg);
    return test_summary("test_analyze");
}
