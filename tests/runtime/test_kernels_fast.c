/* test_kernels_fast.c - the Cortex-M4 kernels (kws/runtime.h, ..._fast) are
 * the reference kernels, bit for bit; here on the host, through the plain C
 * definitions of src/runtime/simd_m4.h (the device_m4_kernels test runs the
 * same comparison with the real instructions under QEMU):
 *  - simd_m4.h's plain C instructions against hand-computed values (SMLAD
 *    wrap-around, SXTB16 / SXTAB16 lanes, QADD saturation, SSUB8+SEL max),
 *    and its 32-bit requantization against kws_requantize over every shift
 *    it takes, extreme accumulators and constructed ties;
 *  - conv2d: 400 random shapes (H, W 1..12, Cin 1, 2, 3, 5, 8, 16, 32, 64,
 *    ..., Cout odd and even, k 1, 3, 5, 7), the paper's six layer shapes,
 *    act_min 0 / -127 / -128 and act_max < 127, weights and inputs at
 *    +-127 / -128, multipliers over the whole range (channels with shift >=
 *    -1 and M = 0 take the 64-bit path), with and without bias; output
 *    canaries; scratch exactly kws_conv2d_s8_fast_scratch_size bytes (ASan
 *    sees any overrun);
 *  - conv2d by Winograd F(2x2, 3x3) (kws_conv2d_s8_winograd): 400 random
 *    shapes (odd and tiny H/W, Cout odd, chunks from 2 to Cout), the
 *    paper's five Cin % 4 == 0 layers, Cin 256 with extreme codes; its
 *    scratch sizes and chunks; what it refuses;
 *  - binary conv2d: 500 random shapes (Cin a multiple of 8, of 4 only, and
 *    neither; k 1 .. 7; images smaller than the kernel), the 3x3 ones with
 *    Cin % 4 == 0 by Winograd too, the binary convs of
 *    our networks, random padding bits, inputs at -128 with all weights +1
 *    or -1; scratch exactly kws_conv2d_binary_s8_fast_scratch_size (NULL
 *    when 0); error statuses;
 *  - dense (K odd, even, not a multiple of 4; N % 4 != 0), binary dense (K
 *    not a multiple of 8 or 32, random padding bits), maxpool (C % 4 == 0
 *    and not, odd H/W), channel affine (in place too), the same way;
 *  - the error statuses equal the reference's;
 *  - whole models: kws_imodel_run_kernels with KWS_KERNELS_FAST and
 *    KWS_KERNELS_REFERENCE give identical logits, on a hand-built model with
 *    odd shapes and on models/paper.kwsnet with random weights converted for
 *    int8, hybrid and binary-conv, with the fast and the small memory plan
 *    (arena sizes checked against a hand computation; every conv's work
 *    area holds its kernel's scratch, Winograd's with >= 16 channels a pass
 *    in the fast plan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/imodel.h"
#include "kws/net.h"
#include "kws/quant.h"
#include "kws/runtime.h"
#include "src/runtime/simd_m4.h"
#include "tests/runtime/runtime_util.h"
#include "tests/test.h"

/* ---- simd_m4.h: the plain C instructions ---------------------------------- */

static void test_intrinsics(void)
{
    /* SXTB16: bytes 0 and 2 (or 1 and 3) sign-extended into the halves */
    CHECK_EQ_INT(kws_sxtb16_c(0x80FF7F01u), 0xFFFF0001u);      /* (1, -1) */
    CHECK_EQ_INT(kws_sxtb16_ror8_c(0x80FF7F01u), 0xFF80007Fu); /* (127, -128) */
    CHECK_EQ_INT(kws_sxtb16(0x00800080u), 0xFF80FF80u);
    CHECK_EQ_INT(kws_sxtb16_ror8(0x12345678u), 0x00120056u);
    /* SXTAB16: per-half add, each mod 2^16 */
    CHECK_EQ_INT(kws_sxtab16_c(0x7FFF0001u, 0x00010080u), 0x8000FF81u); /* 1-128, 32767+1 */
    CHECK_EQ_INT(kws_sxtab16_c(0x00050005u, 0xFF00FF00u), 0x00050005u);
    CHECK_EQ_INT(kws_sxtab16_ror8_c(0x00050005u, 0xFF00FF00u), 0x00040004u);
    CHECK_EQ_INT(kws_sxtab16_c(0xFFFF0000u, 0x00010001u), 0x00000001u); /* -1 + 1 = 0 high */
    /* SMLAD: acc + lo*lo + hi*hi, wrapping at 2^32 */
    CHECK_EQ_INT(kws_smlad_c(0x00030002u, 0x00050004u, 10), 10 + 2 * 4 + 3 * 5);
    CHECK_EQ_INT(kws_smlad_c(0xFFFF8000u, 0x00028000u, 0), 32768 * 32768 - 2);
    CHECK_EQ_INT(kws_smlad_c(0x80008000u, 0x80008000u, 0), INT32_MIN); /* 2^31 wraps */
    CHECK_EQ_INT(kws_smlad_c(0x80008000u, 0x80008000u, -1), INT32_MAX);
    CHECK_EQ_INT(kws_smlad_c(0x00010001u, 0x00010001u, INT32_MAX), INT32_MIN + 1);
    CHECK_EQ_INT(kws_smlad(0xFFF6000Au, 0x00070003u, -5), -5 + 30 - 70);
    /* QADD saturates */
    CHECK_EQ_INT(kws_qadd_c(INT32_MAX, 1), INT32_MAX);
    CHECK_EQ_INT(kws_qadd_c(INT32_MIN, -1), INT32_MIN);
    CHECK_EQ_INT(kws_qadd_c(-7, 3), -4);
    /* saturation to int8 */
    CHECK_EQ_INT(kws_ssat8_c(200), 127);
    CHECK_EQ_INT(kws_ssat8_c(-200), -128);
    CHECK_EQ_INT(kws_ssat8_c(-5), -5);
    CHECK_EQ_INT(kws_usat7_c(-5), 0);
    CHECK_EQ_INT(kws_usat7_c(300), 127);
    CHECK_EQ_INT(kws_usat7_c(99), 99);
    /* per-byte signed max / min */
    CHECK_EQ_INT(kws_max_s8x4_c(0x80017FFEu, 0x7F0280FFu), 0x7F027FFFu);
    CHECK_EQ_INT(kws_min_s8x4_c(0x80017FFEu, 0x7F0280FFu), 0x800180FEu);
    CHECK_EQ_INT(kws_max_s8x4(0x00000000u, 0x81818181u), 0);
    /* SEL by bits 19:16 (MSR APSR_g), USADA8 */
    CHECK_EQ_INT(kws_sel_bits_c(0x00050000u, 0x11223344u, 0xAABBCCDDu), 0xAA22CC44u);
    CHECK_EQ_INT(kws_sel_bits_c(0xFFF0FFFFu, 0x11223344u, 0xAABBCCDDu), 0xAABBCCDDu);
    CHECK_EQ_INT(kws_sel_bits(0x000F0000u, 0x11223344u, 0xAABBCCDDu), 0x11223344u);
    CHECK_EQ_INT(kws_usada8_c(0x00FF0180u, 0x80000280u, 7), 7 + 128 + 255 + 1 + 0);
    CHECK_EQ_INT(kws_usada8(0xFFFFFFFFu, 0, 0xFFFFFFFFu), 1019u);
    /* ROR, packing, unaligned reads */
    CHECK_EQ_INT(kws_ror_c(0x12345678u, 8), 0x78123456u);
    CHECK_EQ_INT(kws_ror_c(0x12345678u, 0), 0x12345678u);
    CHECK_EQ_INT(kws_pack_s8x4(1, -1, 127, -128), 0x807FFF01u);
    CHECK_EQ_INT(kws_pack16_c(-2, 3), 0x0003FFFEu);
    const uint8_t bytes[6] = {1, 2, 3, 4, 5, 6};
    CHECK_EQ_INT(kws_read_u32(bytes + 1), 0x05040302u);
    uint32_t pair[2] = {7, 9}, lo = 0, hi = 0;
    CHECK(kws_ldrd_post(pair, &lo, &hi) == pair + 2);
    CHECK(lo == 7 && hi == 9);

    /* the generic definitions against the instructions' definitions on random words */
    rt_rng g = {0x5eed1234u};
    long bad = 0;
    for (int i = 0; i < 100000; i++) {
        uint32_t a = (uint32_t)rt_next(&g), b = (uint32_t)rt_next(&g), c = (uint32_t)rt_next(&g);
        int64_t want = (int64_t)(int32_t)c +
                       (int64_t)(int16_t)(a & 0xFFFF) * (int16_t)(b & 0xFFFF) +
                       (int64_t)(int16_t)(a >> 16) * (int16_t)(b >> 16);
        bad += (uint32_t)kws_smlad_c(a, b, (int32_t)c) != (uint32_t)want;
        uint32_t e = ((uint32_t)(uint16_t)((int16_t)(a & 0xFFFF) + (int8_t)(b & 0xFF))) |
                     ((uint32_t)(uint16_t)((int16_t)(a >> 16) + (int8_t)((b >> 16) & 0xFF)) << 16);
        bad += kws_sxtab16_c(a, b) != e;
        uint32_t mx = 0;
        for (int k = 0; k < 4; k++) {
            int8_t x = (int8_t)(a >> (8 * k)), y = (int8_t)(b >> (8 * k));
            mx |= (uint32_t)(uint8_t)(x > y ? x : y) << (8 * k);
        }
        bad += kws_max_s8x4_c(a, b) != mx;
    }
    CHECK_EQ_INT(bad, 0);
}

/* kws_rq32_apply == kws_requantize wherever kws_rq32_init accepts */
static void test_rq32(void)
{
    rt_rng g = {42};
    long n = 0, bad = 0, refused = 0;
    const int32_t accs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30,
                            -(1 << 30), 12345, -12345};
    for (int shift = KWS_REQUANT_SHIFT_MIN; shift <= KWS_REQUANT_SHIFT_MAX; shift++) {
        for (int r = 0; r < 4000; r++) {
            kws_requant rq = {(int32_t)rt_int(&g, 1 << 30, INT32_MAX), shift};
            if (r == 0) rq.multiplier = 1 << 30;
            if (r == 1) rq.multiplier = INT32_MAX;
            kws_rq32 q;
            if (!kws_rq32_init(rq.multiplier, rq.shift, &q)) {
                refused++;
                continue;
            }
            int32_t acc;
            if (r < (int)(sizeof accs / sizeof accs[0])) {
                acc = accs[r];
            } else if (r % 3 == 0) {
                /* ties: acc * m = (2j + 1) * 2^(t-1) when m = 2^30 */
                const int t = 31 - shift;
                rq.multiplier = 1 << 30;
                q.mult = rq.multiplier;
                int64_t j = rt_int(&g, -1000, 1000);
                int64_t a = (2 * j + 1) * ((int64_t)1 << (t - 31));
                acc = (a > INT32_MAX || a < INT32_MIN) ? (int32_t)j : (int32_t)a;
            } else {
                acc = (int32_t)(uint32_t)rt_next(&g) >> (int)rt_int(&g, 0, 31);
            }
            n++;
            bad += kws_rq32_apply(acc, q.mult, q.round, q.sh) != kws_requantize(acc, rq);
        }
    }
    printf("rq32: %ld checked against kws_requantize, %ld differ, %ld refused (shift >= -1)\n",
           n, bad, refused);
    CHECK_EQ_INT(bad, 0);
    CHECK(n > 100000);
    /* kws_rq32_relu: the same as USAT of kws_rq32_apply, either sign of acc
     * (and SMMLA's C twin against a hand-computed high word) */
    long rbad = 0, rn = 0;
    for (int shift = -31; shift <= -2; shift++) {
        for (int r = 0; r < 3000; r++) {
            kws_rq32 q;
            CHECK(kws_rq32_init((int32_t)rt_int(&g, 1 << 30, INT32_MAX), shift, &q));
            int32_t acc = (int32_t)(uint32_t)rt_next(&g) >> (int)rt_int(&g, 0, 31);
            if (r < (int)(sizeof accs / sizeof accs[0]))
                acc = accs[r];
            rbad += kws_rq32_relu(acc, q.mult, q.round, q.sh) !=
                    kws_usat7_c(kws_rq32_apply(acc, q.mult, q.round, q.sh));
            rn++;
        }
    }
    printf("rq32_relu: %ld checked against USAT of rq32_apply, %ld differ\n", rn, rbad);
    CHECK_EQ_INT(rbad, 0);
    CHECK_EQ_INT(kws_smmla_c(1 << 16, 1 << 16, 5), 6);          /* 5 * 2^32 + 2^32 */
    CHECK_EQ_INT(kws_smmla_c(-1, 1, 0), -1);                     /* floor(-1 / 2^32) */
    CHECK_EQ_INT(kws_smmla_c(INT32_MIN, INT32_MIN, 0), 1 << 30); /* 2^62 / 2^32 */
    CHECK_EQ_INT(kws_smmla_c(INT32_MAX, 2, -3), -3); /* floor(-3 + (2^32 - 2) / 2^32) */
    kws_rq32 q;
    CHECK(!kws_rq32_init(0, 0, &q));           /* M = 0 */
    CHECK(!kws_rq32_init(1 << 30, -1, &q));    /* t = 32 */
    CHECK(kws_rq32_init(1 << 30, -2, &q) && q.sh == 1 && q.round == 1);
    CHECK(kws_rq32_init(1 << 30, -31, &q) && q.sh == 30 && q.round == 1 << 29);
}

/* ---- random quantization parameters ---------------------------------------- */

/* Per-channel multipliers: mostly conv-like (shift -4 .. -12), some across
 * the whole range, some M = 0 (64-bit path or zero output). */
static void fill_rq(rt_rng *g, kws_requant *rq, int n, int wide)
{
    for (int i = 0; i < n; i++) {
        int32_t shift = (int32_t)rt_int(g, -12, -4);
        if (wide && rt_int(g, 0, 3) == 0)
            shift = (int32_t)rt_int(g, KWS_REQUANT_SHIFT_MIN, 3);
        rq[i].multiplier = (int32_t)rt_int(g, 1 << 30, INT32_MAX);
        rq[i].shift = shift;
        if (wide && rt_int(g, 0, 15) == 0)
            rq[i].multiplier = rq[i].shift = 0;
    }
}

/* Values: uniform, or extremes only (+-127, -128), or small. */
static void fill_codes(rt_rng *g, int8_t *x, size_t n, int style)
{
    for (size_t i = 0; i < n; i++) {
        if (style == 1) {
            static const int8_t ext[4] = {127, -127, -128, 0};
            x[i] = ext[rt_int(g, 0, 3)];
        } else if (style == 2) {
            x[i] = (int8_t)rt_int(g, -3, 3);
        } else {
            x[i] = (int8_t)rt_int(g, -128, 127);
        }
    }
}

static void pick_bounds(rt_rng *g, int32_t *lo, int32_t *hi)
{
    switch (rt_int(g, 0, 4)) {
    case 0: *lo = 0; *hi = 127; break;
    case 1: *lo = -127; *hi = 127; break;
    case 2: *lo = -128; *hi = 127; break;
    case 3: *lo = -128; *hi = (int32_t)rt_int(g, -128, 126); break;
    default: *lo = (int32_t)rt_int(g, -100, 50); *hi = (int32_t)rt_int(g, *lo, 127); break;
    }
}

enum { CANARY = 16 };

/* ---- conv2d ----------------------------------------------------------------- */

static long g_conv_cases, g_conv_bad;

/* One random conv, the reference against kws_conv2d_s8_fast (wino = 0) or
 * kws_conv2d_s8_winograd (wino = 1: a random even chunk of output
 * channels, scratch exactly its size). */
static void conv_case(rt_rng *g, int H, int W, int C, int O, int K, int style, int wino)
{
    const size_t n_in = (size_t)H * W * C, n_w = (size_t)O * K * K * C, n_out = (size_t)H * W * O;
    int8_t *in = malloc(n_in), *wt = malloc(n_w);
    int8_t *ref = malloc(n_out + CANARY), *fast = malloc(n_out + CANARY);
    int32_t *bias = malloc(sizeof(int32_t) * O);
    kws_requant *rq = malloc(sizeof(kws_requant) * O);
    fill_codes(g, in, n_in, style);
    fill_codes(g, wt, n_w, style == 2 ? 0 : style);
    for (int o = 0; o < O; o++)
        bias[o] = (int32_t)rt_int(g, -50000, 50000);
    if (rt_int(g, 0, 9) == 0) /* beyond what the Winograd ReLU form takes (|b| < 2^28) */
        bias[0] = rt_int(g, 0, 1) ? (1 << 28) + 5 : -(1 << 28);
    fill_rq(g, rq, O, rt_int(g, 0, 2) == 0);
    kws_requant_out q = {rq, 0, 127};
    pick_bounds(g, &q.act_min, &q.act_max);
    kws_conv2d_dims d = {H, W, C, O, K, 0};
    const int32_t *b = rt_int(g, 0, 4) ? bias : NULL;

    const int chunk = 4 * (int)rt_int(g, 1, (O + 3) / 4);
    size_t ss = wino ? kws_conv2d_s8_winograd_scratch_size(&d, chunk)
                     : kws_conv2d_s8_fast_scratch_size(&d);
    uint64_t *scratch = malloc(ss ? ss : 1);
    memset(ref, 0x5A, n_out + CANARY);
    memset(fast, 0x5A, n_out + CANARY);
    kws_status s1 = kws_conv2d_s8(NULL, &d, &q, in, wt, b, ref);
    kws_status s2 = wino ? kws_conv2d_s8_winograd(scratch, ss, &d, &q, in, wt, b, fast)
                         : kws_conv2d_s8_fast(scratch, &d, &q, in, wt, b, fast);
    if (wino)
        CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&d, ss), chunk);
    CHECK_EQ_INT(s1, KWS_OK);
    CHECK_EQ_INT(s2, KWS_OK);
    int bad = memcmp(ref, fast, n_out + CANARY) != 0;
    if (bad && g_conv_bad < 5) {
        size_t i = 0;
        while (ref[i] == fast[i]) i++;
        fprintf(stderr, "     conv%s %dx%dx%d->%d k=%d [%d,%d] style %d: first diff at %zu: "
                "%d vs %d\n", wino ? " (Winograd)" : "", H, W, C, O, K, q.act_min, q.act_max,
                style, i, ref[i], fast[i]);
    }
    g_conv_cases++;
    g_conv_bad += bad;
    free(in); free(wt); free(ref); free(fast); free(bias); free(rq); free(scratch);
}

static void test_conv(void)
{
    rt_rng g = {20240611};
    /* the paper's layers (stride 1, 'same') */
    static const int paper[6][4] = {{38, 55, 1, 16}, {38, 55, 16, 16}, {19, 27, 16, 32},
                                    {19, 27, 32, 32}, {9, 13, 32, 64}, {9, 13, 64, 64}};
    for (int i = 0; i < 6; i++)
        for (int style = 0; style < 2; style++)
            conv_case(&g, paper[i][0], paper[i][1], paper[i][2], paper[i][3], 3, style, 0);
    static const int cins[] = {1, 1, 1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 20, 32, 64};
    static const int ks[] = {1, 3, 3, 3, 5, 7};
    for (int r = 0; r < 400; r++) {
        int C = cins[rt_int(&g, 0, sizeof cins / sizeof cins[0] - 1)];
        int K = ks[rt_int(&g, 0, sizeof ks / sizeof ks[0] - 1)];
        int H = (int)rt_int(&g, 1, C >= 32 ? 6 : 12), W = (int)rt_int(&g, 1, C >= 32 ? 6 : 12);
        int O = (int)rt_int(&g, 1, 13);
        conv_case(&g, H, W, C, O, K, (int)rt_int(&g, 0, 2), 0);
    }
    printf("conv2d: %ld cases, %ld differ from the reference\n", g_conv_cases, g_conv_bad);
    CHECK_EQ_INT(g_conv_bad, 0);

    /* scratch sizes: the paper's layers */
    kws_conv2d_dims d1 = {38, 55, 1, 16, 3, 0}, d5 = {9, 13, 64, 64, 3, 0}, dbad = {9, 13, 64, 64, 4, 0};
    printf("conv2d fast scratch: conv2d %zu B, conv2d_5 %zu B\n",
           kws_conv2d_s8_fast_scratch_size(&d1), kws_conv2d_s8_fast_scratch_size(&d5));
    CHECK_EQ_INT(kws_conv2d_s8_fast_scratch_size(&d5), 4608);
    CHECK(kws_conv2d_s8_fast_scratch_size(&d1) <= 1024);
    CHECK_EQ_INT(kws_conv2d_s8_fast_scratch_size(&dbad), 0);
    CHECK_EQ_INT(kws_conv2d_s8_fast_scratch_size(NULL), 0);
}

/* Winograd F(2x2, 3x3): exact, so bit-identical to the reference on every
 * shape it takes - odd H and W (tiles cut by the border), H or W of 1 or 2
 * (every tile a border tile), an odd tile count, Cout odd (a zero channel in
 * the last pair), chunks from 2 to all of Cout (the input transformed once
 * per chunk), Cin up to its bound 256 with extreme codes (|4Y| near 2^31),
 * requantization on both paths. */
static void test_conv_winograd(void)
{
    rt_rng g = {20261126};
    long before = g_conv_bad;
    g_conv_cases = 0;
    static const int paper[5][4] = {{38, 55, 16, 16}, {19, 27, 16, 32}, {19, 27, 32, 32},
                                    {9, 13, 32, 64}, {9, 13, 64, 64}};
    for (int i = 0; i < 5; i++)
        for (int style = 0; style < 2; style++)
            conv_case(&g, paper[i][0], paper[i][1], paper[i][2], paper[i][3], 3, style, 1);
    static const int cins[] = {4, 8, 12, 16, 20, 28, 32, 64};
    for (int r = 0; r < 400; r++) {
        int C = cins[rt_int(&g, 0, sizeof cins / sizeof cins[0] - 1)];
        int H = (int)rt_int(&g, 1, C >= 32 ? 7 : 12), W = (int)rt_int(&g, 1, C >= 32 ? 7 : 12);
        conv_case(&g, H, W, C, (int)rt_int(&g, 1, 13), 3, (int)rt_int(&g, 0, 2), 1);
    }
    for (int style = 0; style < 2; style++)
        conv_case(&g, 3, 4, 256, 3, 3, style == 0 ? 1 : 0, 1); /* Cin at the bound */
    printf("conv2d Winograd: %ld cases, %ld differ from the reference\n", g_conv_cases,
           g_conv_bad - before);
    CHECK_EQ_INT(g_conv_bad - before, 0);

    /* scratch: 80 * Cin + 512 + chunk * (32 * Cin + 24), chunks of 4 output
     * channels; the chunk a size holds */
    kws_conv2d_dims d5 = {9, 13, 64, 64, 3, 0};
    CHECK_EQ_INT(kws_conv2d_s8_winograd_scratch_size(&d5, 64), 80 * 64 + 512 + 64 * (32 * 64 + 24));
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&d5, 80 * 64 + 512 + 22 * (32 * 64 + 24) + 100), 20);
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&d5, 80 * 64 + 512 + 24 * (32 * 64 + 24)), 24);
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&d5, 80 * 64 + 512 + 24 * (32 * 64 + 24) - 1), 20);
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&d5, (size_t)1 << 30), 64);
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&d5, 80 * 64 + 512 + 4 * (32 * 64 + 24) - 1), 0);
    kws_conv2d_dims odd = {5, 5, 8, 7, 3, 0};
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&odd, (size_t)1 << 30), 8); /* Cout 7 -> 8 */
    kws_conv2d_dims odd9 = {5, 5, 8, 9, 3, 0};
    CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&odd9, (size_t)1 << 30), 12); /* Cout 9 -> 12 */
    CHECK_EQ_INT(kws_conv2d_s8_winograd_scratch_size(&d5, 2), 0);
    CHECK_EQ_INT(kws_conv2d_s8_winograd_scratch_size(&d5, 6), 0);
    CHECK_EQ_INT(kws_conv2d_s8_winograd_scratch_size(&d5, 0), 0);

    /* where it pays: the paper's convs with 16 channels a pass; not with a
     * single output channel, nor with 4 channels a pass over 64 outputs of 4
     * inputs (16 input transforms per tile); never for an unsupported shape */
    static const int wdims[5][4] = {{38, 55, 16, 16}, {19, 27, 16, 32}, {19, 27, 32, 32},
                                    {9, 13, 32, 64}, {9, 13, 64, 64}};
    for (int i = 0; i < 5; i++) {
        kws_conv2d_dims pd = {wdims[i][0], wdims[i][1], wdims[i][2], wdims[i][3], 3, 0};
        CHECK(kws_conv2d_s8_winograd_pays(&pd, 16));
    }
    kws_conv2d_dims one = {9, 9, 4, 1, 3, 0}, thin = {9, 9, 4, 64, 3, 0}, k5 = {9, 9, 16, 16, 5, 0};
    CHECK(!kws_conv2d_s8_winograd_pays(&one, 4));
    CHECK(!kws_conv2d_s8_winograd_pays(&thin, 4));
    CHECK(!kws_conv2d_s8_winograd_pays(&k5, 16));
    CHECK(!kws_conv2d_s8_winograd_pays(&d5, 2));

    /* what it refuses */
    int8_t in[4 * 4 * 8] = {0}, wt[2 * 9 * 8] = {0}, out[4 * 4 * 2];
    static uint64_t scratch[4096];
    kws_requant rq[2] = {{1 << 30, -8}, {1 << 30, -8}};
    kws_requant_out q = {rq, -127, 127};
    kws_conv2d_dims d = {4, 4, 8, 2, 3, 0};
    CHECK_EQ_INT(kws_conv2d_s8_winograd(scratch, sizeof scratch, &d, &q, in, wt, NULL, out), KWS_OK);
    CHECK_EQ_INT(kws_conv2d_s8_winograd(NULL, sizeof scratch, &d, &q, in, wt, NULL, out),
                 KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_winograd((char *)scratch + 4, sizeof scratch - 8, &d, &q, in, wt,
                                        NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_winograd(scratch, kws_conv2d_s8_winograd_scratch_size(&d, 4) - 1,
                                        &d, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_winograd(scratch, sizeof scratch, &d, NULL, in, wt, NULL, out),
                 KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_winograd(scratch, sizeof scratch, &d, &q, NULL, wt, NULL, out),
                 KWS_ERR_ARG);
    static const int bad_dims[][5] = {{4, 4, 8, 2, 5}, {4, 4, 6, 2, 3}, {4, 4, 260, 2, 3},
                                      {0, 4, 8, 2, 3}, {4, 4, 8, 0, 3}};
    for (int i = 0; i < 5; i++) {
        kws_conv2d_dims b = {bad_dims[i][0], bad_dims[i][1], bad_dims[i][2], bad_dims[i][3],
                             bad_dims[i][4], 0};
        CHECK_EQ_INT(kws_conv2d_s8_winograd_chunk(&b, sizeof scratch), 0);
        CHECK_EQ_INT(kws_conv2d_s8_winograd(scratch, sizeof scratch, &b, &q, in, wt, NULL, out),
                     KWS_ERR_ARG);
    }
    kws_requant_out qo = {rq, 5, 4};
    CHECK_EQ_INT(kws_conv2d_s8_winograd(scratch, sizeof scratch, &d, &qo, in, wt, NULL, out),
                 KWS_ERR_ARG);
}

static void test_conv_errors(void)
{
    int8_t in[4] = {0}, wt[9] = {0}, out[4];
    uint64_t scratch[64];
    kws_requant rq[1] = {{1 << 30, 0}};
    kws_requant_out q = {rq, -127, 127};
    kws_conv2d_dims d = {2, 2, 1, 1, 3, 0};
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, &q, in, wt, NULL, out), KWS_OK);
    CHECK_EQ_INT(kws_conv2d_s8_fast(NULL, &d, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_fast((char *)scratch + 4, &d, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, NULL, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, NULL, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, &q, NULL, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, &q, in, NULL, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, &q, in, wt, NULL, NULL), KWS_ERR_ARG);
    kws_conv2d_dims bad = d;
    bad.kernel = 2;
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    bad = d;
    bad.kernel = 17;
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    bad = d;
    bad.w = 0;
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    kws_requant rbad[1] = {{5, 0}}; /* multiplier below 2^30 */
    kws_requant_out qb = {rbad, -127, 127};
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, &qb, in, wt, NULL, out),
                 kws_conv2d_s8(NULL, &d, &qb, in, wt, NULL, out));
    kws_requant_out qo = {rq, 5, 4};
    CHECK_EQ_INT(kws_conv2d_s8_fast(scratch, &d, &qo, in, wt, NULL, out), KWS_ERR_ARG);
}

/* ---- conv2d with binary weights ------------------------------------------------- */

static long g_bconv_cases, g_bconv_bad, g_bconv_wino_cases, g_bconv_wino_bad;

/* kws_conv2d_binary_s8_fast against kws_conv2d_binary_s8 on random bits
 * (padding bits too): scratch exactly the size asked for (NULL when 0). */
static void bconv_case(rt_rng *g, int H, int W, int C, int O, int K, int style)
{
    const size_t n_in = (size_t)H * W * C, n_out = (size_t)H * W * O;
    const size_t n_w = kws_conv2d_binary_weight_bytes(O, K, C);
    int8_t *in = malloc(n_in), *ref = malloc(n_out + CANARY), *fast = malloc(n_out + CANARY);
    uint8_t *wb = malloc(n_w);
    int32_t *bias = malloc(sizeof(int32_t) * O);
    kws_requant *rq = malloc(sizeof(kws_requant) * O);
    fill_codes(g, in, n_in, style);
    for (size_t i = 0; i < n_w; i++)
        wb[i] = style == 1 ? (uint8_t)(rt_int(g, 0, 1) ? 0xFF : 0x00) : (uint8_t)rt_next(g);
    for (int o = 0; o < O; o++)
        bias[o] = (int32_t)rt_int(g, -50000, 50000);
    if (rt_int(g, 0, 9) == 0) /* beyond what the Winograd ReLU form takes (|b| < 2^28) */
        bias[0] = rt_int(g, 0, 1) ? (1 << 28) + 5 : -(1 << 28);
    fill_rq(g, rq, O, rt_int(g, 0, 2) == 0);
    kws_requant_out q = {rq, 0, 127};
    pick_bounds(g, &q.act_min, &q.act_max);
    kws_conv2d_dims d = {H, W, C, O, K, 0};
    const int32_t *b = rt_int(g, 0, 4) ? bias : NULL;

    const size_t ss = kws_conv2d_binary_s8_fast_scratch_size(&d);
    CHECK(ss == ((C % 4) ? 0 : (size_t)8 * K * K * C));
    uint64_t *scratch = ss ? malloc(ss) : NULL;
    memset(ref, 0x5A, n_out + CANARY);
    memset(fast, 0x5A, n_out + CANARY);
    kws_status s1 = kws_conv2d_binary_s8(&d, &q, in, wb, b, ref);
    kws_status s2 = kws_conv2d_binary_s8_fast(scratch, &d, &q, in, wb, b, fast);
    CHECK_EQ_INT(s1, KWS_OK);
    CHECK_EQ_INT(s2, KWS_OK);
    /* and by Winograd where it takes the shape (k 3, Cin % 4 == 0), a random chunk */
    if (K == 3 && C % 4 == 0 && C <= 256) {
        const int chunk = 4 * (int)rt_int(g, 1, (O + 3) / 4);
        const size_t ws = kws_conv2d_s8_winograd_scratch_size(&d, chunk);
        uint64_t *wsc = malloc(ws);
        int8_t *wout = malloc(n_out + CANARY);
        memset(wout, 0x5A, n_out + CANARY);
        CHECK_EQ_INT(kws_conv2d_binary_s8_winograd(wsc, ws, &d, &q, in, wb, b, wout), KWS_OK);
        const int wbad = memcmp(ref, wout, n_out + CANARY) != 0;
        if (wbad)
            fprintf(stderr, "     binary conv %dx%dx%d->%d by Winograd (chunk %d) differs\n", H,
                    W, C, O, chunk);
        g_bconv_wino_cases++;
        g_bconv_wino_bad += wbad;
        free(wsc);
        free(wout);
    }
    int bad = memcmp(ref, fast, n_out + CANARY) != 0;
    if (bad && g_bconv_bad < 5) {
        size_t i = 0;
        while (ref[i] == fast[i]) i++;
        fprintf(stderr, "     binary conv %dx%dx%d->%d k=%d [%d,%d] style %d: first diff at "
                "%zu: %d vs %d\n", H, W, C, O, K, q.act_min, q.act_max, style, i, ref[i],
                fast[i]);
    }
    g_bconv_cases++;
    g_bconv_bad += bad;
    free(in); free(wb); free(ref); free(fast); free(bias); free(rq); free(scratch);
}

static void test_conv_binary(void)
{
    rt_rng g = {20261126};
    /* the binary convs of our networks: 76 KB variant / binary-conv conv2d_4, conv2d_5 */
    for (int style = 0; style < 3; style++) {
        bconv_case(&g, 9, 13, 32, 64, 3, style);
        bconv_case(&g, 9, 13, 64, 64, 3, style);
    }
    /* Cin multiples of 8, of 4 only, and neither; images smaller than the kernel */
    static const int cins[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 20, 24, 28, 32, 36, 64};
    static const int ks[] = {1, 3, 3, 3, 5, 7};
    for (int r = 0; r < 500; r++) {
        int C = cins[rt_int(&g, 0, sizeof cins / sizeof cins[0] - 1)];
        int K = ks[rt_int(&g, 0, sizeof ks / sizeof ks[0] - 1)];
        int H = (int)rt_int(&g, 1, C >= 32 ? 7 : 12), W = (int)rt_int(&g, 1, C >= 32 ? 7 : 12);
        int O = (int)rt_int(&g, 1, 13);
        bconv_case(&g, H, W, C, O, K, (int)rt_int(&g, 0, 2));
    }
    printf("binary conv2d: %ld cases, %ld differ from the reference; by Winograd %ld, %ld differ\n",
           g_bconv_cases, g_bconv_bad, g_bconv_wino_cases, g_bconv_wino_bad);
    CHECK_EQ_INT(g_bconv_bad, 0);
    CHECK_EQ_INT(g_bconv_wino_bad, 0);
    CHECK(g_bconv_wino_cases >= 50);

    /* all inputs -128, all weights +1 / -1: the accumulator's extremes */
    for (int sign = 0; sign < 2; sign++) {
        enum { H = 5, W = 6, C = 64, O = 5, K = 7 };
        static int8_t in[H * W * C], ref[H * W * O], fast[H * W * O];
        static uint8_t wb[O * K * K * C / 8];
        static uint64_t scratch[K * K * C];
        kws_requant rq[O];
        for (int o = 0; o < O; o++)
            rq[o].multiplier = 1 << 30, rq[o].shift = -20 + o;
        memset(in, 0x80, sizeof in);
        memset(wb, sign ? 0xFF : 0x00, sizeof wb);
        kws_requant_out q = {rq, -128, 127};
        kws_conv2d_dims d = {H, W, C, O, K, 0};
        CHECK(kws_conv2d_binary_s8_fast_scratch_size(&d) <= sizeof scratch);
        CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, wb, NULL, ref), KWS_OK);
        CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &q, in, wb, NULL, fast), KWS_OK);
        CHECK(memcmp(ref, fast, sizeof ref) == 0);
    }

    /* scratch sizes; errors as the reference's */
    kws_conv2d_dims d4 = {9, 13, 32, 64, 3, 0}, d5 = {9, 13, 64, 64, 3, 0}, d3 = {9, 13, 3, 64, 3, 0};
    kws_conv2d_dims dbad = {9, 13, 32, 64, 4, 0};
    printf("binary conv2d fast scratch: 9x13x32->64 %zu B, 9x13x64->64 %zu B\n",
           kws_conv2d_binary_s8_fast_scratch_size(&d4),
           kws_conv2d_binary_s8_fast_scratch_size(&d5));
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast_scratch_size(&d4), 2304);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast_scratch_size(&d5), 4608);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast_scratch_size(&d3), 0);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast_scratch_size(&dbad), 0);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast_scratch_size(NULL), 0);

    int8_t in[2 * 2 * 4] = {0}, out[2 * 2 * 1];
    uint8_t wb[9] = {0};
    uint64_t scratch[64];
    kws_requant rq[1] = {{1 << 30, -8}};
    kws_requant_out q = {rq, -127, 127};
    kws_conv2d_dims d = {2, 2, 4, 1, 3, 0};
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &q, in, wb, NULL, out), KWS_OK);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(NULL, &d, &q, in, wb, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast((char *)scratch + 4, &d, &q, in, wb, NULL, out),
                 KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, NULL, &q, in, wb, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, NULL, in, wb, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &q, NULL, wb, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &q, in, NULL, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &q, in, wb, NULL, NULL), KWS_ERR_ARG);
    kws_conv2d_dims bad = d;
    bad.kernel = 2;
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &bad, &q, in, wb, NULL, out), KWS_ERR_ARG);
    bad = d;
    bad.h = 0;
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &bad, &q, in, wb, NULL, out), KWS_ERR_ARG);
    bad = d;
    bad.in_c = 1 << 21; /* k*k*Cin > 2^23: refused like the reference */
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &bad, &q, in, wb, NULL, out), KWS_ERR_ARG);
    bad = d;
    bad.in_c = 1; /* Cin % 4 != 0: the reference runs, no scratch needed */
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(NULL, &bad, &q, in, wb, NULL, out), KWS_OK);
    kws_requant rbad[1] = {{5, 0}}; /* multiplier below 2^30 */
    kws_requant_out qb = {rbad, -127, 127};
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &qb, in, wb, NULL, out),
                 kws_conv2d_binary_s8(&d, &qb, in, wb, NULL, out));
    kws_requant_out qo = {rq, 5, 4};
    CHECK_EQ_INT(kws_conv2d_binary_s8_fast(scratch, &d, &qo, in, wb, NULL, out),
                 kws_conv2d_binary_s8(&d, &qo, in, wb, NULL, out));
}

/* ---- dense, binary dense ----------------------------------------------------------- */

static void test_dense(void)
{
    rt_rng g = {777};
    long cases = 0, bad = 0, bad_bin = 0;
    static const int ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 63, 64, 65, 255, 256, 257,
                             1000, 7488};
    for (int r = 0; r < 300; r++) {
        int K = ks[rt_int(&g, 0, sizeof ks / sizeof ks[0] - 1)];
        if (r % 5 == 4)
            K = (int)rt_int(&g, 1, 3000);
        int N = (int)rt_int(&g, 1, 13);
        if (r == 0) K = 7488, N = 64; /* the paper's dense */
        if (r == 1) K = 64, N = 64;
        if (r == 2) K = 64, N = 10;
        const int style = (int)rt_int(&g, 0, 2);
        int8_t *in = malloc((size_t)K), *wt = malloc((size_t)K * N);
        size_t rb = kws_binary_weight_bytes(K, N);
        uint8_t *wb = malloc(rb);
        int8_t ref[64 + CANARY], fast[64 + CANARY];
        int32_t bias[64];
        kws_requant rq[64];
        fill_codes(&g, in, (size_t)K, style);
        if (r % 3 == 1) /* a ReLU's output, no negative input: the binary kernel's unbiased path */
            for (int k = 0; k < K; k++)
                in[k] = (int8_t)(in[k] < 0 ? -(in[k] + 1) : in[k]);
        fill_codes(&g, wt, (size_t)K * N, style == 2 ? 0 : style);
        for (size_t i = 0; i < rb; i++)
            wb[i] = (uint8_t)rt_next(&g); /* padding bits random: must be ignored */
        for (int n = 0; n < N; n++)
            bias[n] = (int32_t)rt_int(&g, -100000, 100000);
        fill_rq(&g, rq, N, rt_int(&g, 0, 2) == 0);
        kws_requant_out q = {rq, 0, 127};
        pick_bounds(&g, &q.act_min, &q.act_max);
        kws_dense_dims d = {K, N};
        const int32_t *b = rt_int(&g, 0, 4) ? bias : NULL;

        memset(ref, 0x5A, sizeof ref);
        memset(fast, 0x5A, sizeof fast);
        CHECK_EQ_INT(kws_dense_s8(&d, &q, in, wt, b, ref), KWS_OK);
        CHECK_EQ_INT(kws_dense_s8_fast(&d, &q, in, wt, b, fast), KWS_OK);
        bad += memcmp(ref, fast, sizeof ref) != 0;

        memset(ref, 0x5A, sizeof ref);
        memset(fast, 0x5A, sizeof fast);
        CHECK_EQ_INT(kws_dense_binary_s8(&d, &q, in, wb, b, ref), KWS_OK);
        CHECK_EQ_INT(kws_dense_binary_s8_fast(&d, &q, in, wb, b, fast), KWS_OK);
        if (memcmp(ref, fast, sizeof ref) != 0) {
            if (bad_bin < 3)
                fprintf(stderr, "     dense_binary K=%d N=%d differs\n", K, N);
            bad_bin++;
        }
        cases++;
        free(in); free(wt); free(wb);
    }
    printf("dense: %ld cases, %ld int8 and %ld binary differ from the reference\n", cases, bad,
           bad_bin);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(bad_bin, 0);

    /* errors: the reference's statuses */
    int8_t in[8] = {0}, wt[8] = {0}, out[1];
    uint8_t wb[1] = {0};
    kws_requant rq[1] = {{1 << 30, -3}};
    kws_requant_out q = {rq, -127, 127};
    kws_dense_dims d = {8, 1}, d0 = {0, 1}, dn = {8, 0}, dbig = {(1 << 23) + 1, 1};
    CHECK_EQ_INT(kws_dense_s8_fast(NULL, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_s8_fast(&d, NULL, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_s8_fast(&d, &q, NULL, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_s8_fast(&d0, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_s8_fast(&dn, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_binary_s8_fast(&d, &q, in, NULL, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_binary_s8_fast(&dbig, &q, in, wb, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_binary_s8_fast(&d, &q, in, wb, NULL, NULL), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_binary_s8_fast(&d, &q, in, wb, NULL, out), KWS_OK);
}

/* ---- maxpool, channel affine -------------------------------------------------------- */

static void test_pool_affine(void)
{
    rt_rng g = {99};
    long cases = 0, bad_pool = 0, bad_aff = 0, bad_inplace = 0;
    static const int cs[] = {1, 2, 3, 4, 5, 8, 12, 16, 17, 20, 32, 36, 64};
    for (int r = 0; r < 300; r++) {
        int C = cs[rt_int(&g, 0, sizeof cs / sizeof cs[0] - 1)];
        int H = (int)rt_int(&g, 2, 11), W = (int)rt_int(&g, 2, 11);
        if (r % 6 == 5) /* >= 256 positions: the affine's table path */
            H = (int)rt_int(&g, 32, 40), W = (int)rt_int(&g, 32, 40);
        if (r == 0) H = 38, W = 55, C = 16;
        if (r == 1) H = 19, W = 27, C = 32;
        const size_t n = (size_t)H * W * C, no = (size_t)(H / 2) * (W / 2) * C;
        int8_t *in = malloc(n), *ref = malloc(n + CANARY), *fast = malloc(n + CANARY);
        fill_codes(&g, in, n, (int)rt_int(&g, 0, 1));

        kws_pool_dims pd = {H, W, C};
        memset(ref, 0x5A, n + CANARY);
        memset(fast, 0x5A, n + CANARY);
        CHECK_EQ_INT(kws_maxpool2d_s8(&pd, in, ref), KWS_OK);
        CHECK_EQ_INT(kws_maxpool2d_s8_fast(&pd, in, fast), KWS_OK);
        bad_pool += memcmp(ref, fast, no + CANARY) != 0;

        int16_t *m = malloc(sizeof(int16_t) * C);
        int32_t *b = malloc(sizeof(int32_t) * C);
        kws_requant *rq = malloc(sizeof(kws_requant) * C);
        for (int c = 0; c < C; c++) {
            m[c] = (int16_t)(rt_int(&g, 0, 3) ? (rt_int(&g, 0, 1) ? 16384 : -16384)
                                               : rt_int(&g, -32768, 32767));
            b[c] = (int32_t)rt_int(&g, -(1 << 30), 1 << 30);
            if (rt_int(&g, 0, 1))
                b[c] /= 10000;
        }
        /* affine multipliers: M ~ s_m = 2^-14 scale, sometimes anything */
        fill_rq(&g, rq, C, rt_int(&g, 0, 3) == 0);
        for (int c = 0; c < C; c++)
            if (rq[c].multiplier && rt_int(&g, 0, 1))
                rq[c].shift = (int32_t)rt_int(&g, -22, -12);
        kws_requant_out q = {rq, 0, 127};
        pick_bounds(&g, &q.act_min, &q.act_max);
        const int count = H * W;
        const int32_t *bb = rt_int(&g, 0, 4) ? b : NULL;
        memset(ref, 0x5A, n + CANARY);
        memset(fast, 0x5A, n + CANARY);
        CHECK_EQ_INT(kws_channel_affine_s8(&q, count, C, in, m, bb, ref), KWS_OK);
        CHECK_EQ_INT(kws_channel_affine_s8_fast(&q, count, C, in, m, bb, fast), KWS_OK);
        bad_aff += memcmp(ref, fast, n + CANARY) != 0;
        memcpy(fast, in, n); /* in place */
        CHECK_EQ_INT(kws_channel_affine_s8_fast(&q, count, C, fast, m, bb, fast), KWS_OK);
        bad_inplace += memcmp(ref, fast, n) != 0;
        cases++;
        free(in); free(ref); free(fast); free(m); free(b); free(rq);
    }
    printf("maxpool / affine: %ld cases, %ld / %ld differ (%ld in place)\n", cases, bad_pool,
           bad_aff, bad_inplace);
    CHECK_EQ_INT(bad_pool, 0);
    CHECK_EQ_INT(bad_aff, 0);
    CHECK_EQ_INT(bad_inplace, 0);

    int8_t in[16] = {0}, out[16];
    int16_t m[4] = {1, 1, 1, 1};
    kws_requant rq[4] = {{1 << 30, -3}, {1 << 30, -3}, {1 << 30, -3}, {1 << 30, -3}};
    kws_requant_out q = {rq, -127, 127};
    kws_pool_dims pd = {4, 4, 1}, p1 = {1, 4, 4};
    CHECK_EQ_INT(kws_maxpool2d_s8_fast(&p1, in, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_maxpool2d_s8_fast(NULL, in, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_maxpool2d_s8_fast(&pd, in, NULL), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_channel_affine_s8_fast(&q, 0, 4, in, m, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_channel_affine_s8_fast(&q, 4, 4, in, NULL, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_channel_affine_s8_fast(NULL, 4, 4, in, m, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_channel_affine_s8_fast(&q, 4, 4, in, m, NULL, out), KWS_OK);
}

/* ---- whole models ----------------------------------------------------------------- */

/* Both kernel sets on the same input; 1 if the logits are identical. */
static int same_logits(const kws_imodel *m, const int8_t *x, int verbose)
{
    size_t an = kws_imodel_arena_size(m);
    uint64_t *a1 = calloc(an / 8 + 1, 8), *a2 = calloc(an / 8 + 1, 8);
    int32_t l1[64], l2[64];
    kws_status s1 = kws_imodel_run_kernels(m, KWS_KERNELS_REFERENCE, a1, an, x, l1);
    kws_status s2 = kws_imodel_run_kernels(m, KWS_KERNELS_FAST, a2, an, x, l2);
    CHECK_EQ_INT(s1, KWS_OK);
    CHECK_EQ_INT(s2, KWS_OK);
    int same = s1 == KWS_OK && s2 == KWS_OK &&
               memcmp(l1, l2, sizeof(int32_t) * (size_t)m->n_classes) == 0;
    if (verbose) {
        printf("  logits:");
        for (int n = 0; n < m->n_classes; n++)
            printf(" %d", l1[n]);
        printf("%s\n", same ? " (both kernel sets)" : " (reference; fast differs)");
    }
    free(a1);
    free(a2);
    return same;
}

/* A hand-built model with odd shapes: conv 3 -> 5 (k=3), affine, conv 5 -> 8
 * (k=5), pool, affine, conv 8 -> 12 (k=3), dense 240 -> 7, binary dense 7 ->
 * 9, dense 9 -> 6 with int32 output. Tensors get separate arena regions. */
static void test_model_hand(void)
{
    enum { MAXW = 4096 };
    rt_rng g = {31337};
    static kws_iop ops[9];
    static int8_t w[6][MAXW];
    static uint8_t wb[64];
    static int32_t bias[9][16];
    static int16_t mul[2][16];
    static kws_requant rq[9][16];
    memset(ops, 0, sizeof ops);
    const int shapes[9][7] = {
        /* kind, in h, w, c, out c, k, act_min */
        {KWS_IOP_CONV2D, 7, 10, 3, 5, 3, 0},   {KWS_IOP_AFFINE, 7, 10, 5, 5, 0, -127},
        {KWS_IOP_CONV2D, 7, 10, 5, 8, 5, 0},   {KWS_IOP_MAXPOOL, 7, 10, 8, 8, 0, 0},
        {KWS_IOP_AFFINE, 3, 5, 8, 8, 0, -127}, {KWS_IOP_CONV2D, 3, 5, 8, 12, 3, -127},
        {KWS_IOP_DENSE, 1, 1, 180, 7, 0, 0},   {KWS_IOP_DENSE_BIN, 1, 1, 7, 9, 0, -127},
        {KWS_IOP_DENSE, 1, 1, 9, 6, 0, -127},
    };
    size_t off = 0;
    int nw = 0, na = 0;
    for (int i = 0; i < 9; i++) {
        kws_iop *op = &ops[i];
        op->kind = (kws_iop_kind)shapes[i][0];
        op->in_h = shapes[i][1];
        op->in_w = shapes[i][2];
        op->in_c = shapes[i][3];
        op->out_c = shapes[i][4];
        op->kernel = shapes[i][5];
        op->act_min = shapes[i][6];
        op->act_max = 127;
        op->out_h = op->kind == KWS_IOP_MAXPOOL ? op->in_h / 2 : op->in_h;
        op->out_w = op->kind == KWS_IOP_MAXPOOL ? op->in_w / 2 : op->in_w;
        snprintf(op->name, sizeof op->name, "op%d", i);
        size_t in_n = (size_t)op->in_h * op->in_w * op->in_c;
        size_t out_n = (size_t)op->out_h * op->out_w * op->out_c * (i == 8 ? 4 : 1);
        op->in_off = i == 0 ? 0 : ops[i - 1].out_off;
        if (op->kind == KWS_IOP_AFFINE) {
            op->out_off = op->in_off;
        } else {
            off += (in_n + 7) & ~(size_t)7;
            op->out_off = off;
        }
        if (i == 8)
            off += out_n;
        fill_rq(&g, rq[i], op->out_c, 0);
        for (int c = 0; c < op->out_c; c++) {
            rq[i][c].shift = (int32_t)rt_int(&g, op->kind == KWS_IOP_AFFINE ? -20 : -10,
                                             op->kind == KWS_IOP_AFFINE ? -14 : -5);
            bias[i][c] = (int32_t)rt_int(&g, -3000, 3000);
        }
        op->rq = rq[i];
        op->bias = bias[i];
        if (op->kind == KWS_IOP_CONV2D || op->kind == KWS_IOP_DENSE) {
            size_t nwt = (size_t)op->out_c * (op->kernel ? op->kernel * op->kernel : 1) * op->in_c;
            CHECK(nwt <= MAXW);
            fill_codes(&g, w[nw], nwt, 0);
            op->weight = w[nw++];
            op->weight_bits = 8;
        } else if (op->kind == KWS_IOP_DENSE_BIN) {
            for (size_t k = 0; k < sizeof wb; k++)
                wb[k] = (uint8_t)rt_next(&g);
            op->wbits = wb;
            op->weight_bits = 1;
        } else if (op->kind == KWS_IOP_AFFINE) {
            for (int c = 0; c < op->out_c; c++)
                mul[na][c] = (int16_t)(rt_int(&g, 0, 1) ? 16384 : -16384);
            op->mul = mul[na++];
        } else {
            op->rq = NULL;
            op->bias = NULL;
        }
    }
    ops[8].out_s32 = 1;
    CHECK(ops[6].in_c == ops[5].out_c * 15);
    kws_imodel m;
    memset(&m, 0, sizeof m);
    m.in_h = 7, m.in_w = 10, m.in_c = 3, m.in_scale = 0.05f;
    m.n_classes = 6, m.out_s32 = 1, m.out_scale = 1e-3f;
    m.n_ops = 9;
    m.ops = ops;
    m.act_peak = (off + 7) & ~(size_t)7;
    m.scratch_off = m.act_peak;
    for (int i = 0; i < 9; i++)
        if (ops[i].kind == KWS_IOP_CONV2D) {
            kws_conv2d_dims d = {ops[i].in_h, ops[i].in_w, ops[i].in_c, ops[i].out_c,
                                 ops[i].kernel, 0};
            size_t s = kws_conv2d_s8_fast_scratch_size(&d);
            if (s > m.scratch_size)
                m.scratch_size = s;
        }
    m.arena_size = m.scratch_off + m.scratch_size;

    int8_t x[7 * 10 * 3];
    int differ = 0;
    for (int r = 0; r < 20; r++) {
        fill_codes(&g, x, sizeof x, r % 3);
        differ += !same_logits(&m, x, r == 0);
    }
    printf("hand-built model (odd shapes): %d of 20 inputs differ between kernel sets\n", differ);
    CHECK_EQ_INT(differ, 0);

    /* a plan without the fast scratch still runs (reference convs), same logits */
    m.scratch_size = 0;
    m.arena_size = m.scratch_off;
    CHECK(same_logits(&m, x, 0));
    /* unknown kernel set */
    uint64_t arena[1024];
    int32_t lg[8];
    CHECK(m.arena_size <= sizeof arena);
    CHECK_EQ_INT(kws_imodel_run_kernels(&m, (kws_kernel_set)7, arena, sizeof arena, x, lg),
                 KWS_ERR_ARG);
}

/* models/paper.kwsnet with random weights, converted for int8, hybrid and
 * binary-conv. */
static void test_model_paper(kws_quant_mode mode)
{
    char path[1024];
    const char *src = getenv("KWS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/models/paper.kwsnet", src ? src : ".");
    kws_topology t;
    kws_error e;
    if (!CHECK(kws_topology_load(&t, path, NULL, &e) == KWS_OK) ||
        !CHECK(kws_quant_apply_mode(&t, mode, &e) == KWS_OK)) {
        fprintf(stderr, "     %s\n", e.msg);
        return;
    }
    enum { NC = 2, IN_N = 38 * 55 };
    kws_net net;
    if (!CHECK(kws_net_create(&net, &t, NC, &e) == KWS_OK))
        return;
    kws_net_init(&net, 5);
    float *x = malloc(sizeof(float) * NC * IN_N);
    kws_rng r;
    kws_rng_seed(&r, 3);
    for (int i = 0; i < NC * IN_N; i++)
        x[i] = kws_rng_normal(&r);
    kws_imodel m;
    kws_convert_options opt = kws_convert_options_default();
    kws_status st = kws_imodel_convert(&m, &net.topo, net.params, net.bn_stats, x, NC, &opt, &e);
    kws_imodel small;
    memset(&small, 0, sizeof small);
    kws_convert_options sopt = opt;
    sopt.plan = KWS_PLAN_SMALL;
    if (CHECK(st == KWS_OK) &&
        CHECK(kws_imodel_convert(&small, &net.topo, net.params, net.bn_stats, x, NC, &sopt,
                                 &e) == KWS_OK)) {
        /* the plans (kws/imodel.h), by hand: the peak pair of live tensors is
         * conv2d_1's 38x55x16 in and out (2 x 33,440 B); every other conv's
         * kernels fit the gap beside its tensors. Small: conv2d_1's direct
         * fast kernel wants 8 * 9 * 16 = 1,152 B. Fast: Winograd for its 16
         * output channels, 80 * 16 + 512 + 16 * (32 * 16 + 24) = 10,368 B. */
        const size_t peak = 2 * 38 * 55 * 16;
        printf("paper, %s: arena %zu B with the fast plan, %zu B with the small one\n",
               kws_quant_mode_str(mode), m.arena_size, small.arena_size);
        CHECK_EQ_INT(m.scratch_size, 0);
        CHECK_EQ_INT(small.arena_size, peak + 1152);
        CHECK_EQ_INT(m.arena_size, peak + 10368);
        for (int i = 0; i < m.n_ops; i++) {
            const kws_iop *op = &m.ops[i];
            kws_conv2d_dims d = {op->in_h, op->in_w, op->in_c, op->out_c, op->kernel, 0};
            size_t have;
            kws_iop_work_area(&m, op, &have);
            if (op->kind == KWS_IOP_CONV2D) {
                CHECK(have >= kws_conv2d_s8_fast_scratch_size(&d));
                if (op->in_c % 4 == 0) /* Winograd runs with >= 16 channels a pass */
                    CHECK(kws_conv2d_s8_winograd_chunk(&d, have) >= 16);
            } else if (op->kind == KWS_IOP_CONV2D_BIN) {
                CHECK(have >= kws_conv2d_binary_s8_fast_scratch_size(&d));
            }
        }
        int8_t xq[IN_N];
        int differ = 0;
        for (int i = 0; i < NC; i++) {
            kws_imodel_quantize_input(&m, x + (size_t)i * IN_N, xq);
            differ += !same_logits(&m, xq, 1);
            differ += !same_logits(&small, xq, 0);
        }
        /* extreme inputs */
        for (int i = 0; i < IN_N; i++)
            xq[i] = (int8_t)((i * 7919) % 3 == 0 ? 127 : (i % 2 ? -127 : -128));
        differ += !same_logits(&m, xq, 1);
        differ += !same_logits(&small, xq, 0);
        CHECK_EQ_INT(differ, 0);
        kws_imodel_free(&small);
        kws_imodel_free(&m);
    } else {
        fprintf(stderr, "     %s\n", e.msg);
    }
    free(x);
    kws_net_free(&net);
}

/* The column kernels of kws/stream.h: for random (H, k, Cin, Cout) the
 * reference column, the fast column and kws_conv2d_s8 with valid_w on the
 * k-column input (its one output column) agree byte for byte; the window
 * is that input with P zero rows above and below. */
static void test_conv_column(void)
{
    rt_rng g = {777};
    long cases = 0, bad = 0, fast_path = 0;
    static const int cins[] = {1, 2, 3, 4, 8, 12, 16, 32};
    for (int r = 0; r < 300; r++) {
        const int C = cins[rt_int(&g, 0, sizeof cins / sizeof cins[0] - 1)];
        const int K = rt_int(&g, 0, 3) ? 3 : (int)rt_int(&g, 0, 1) * 2 + 1 + 4 * (int)rt_int(&g, 0, 1);
        const int H = (int)rt_int(&g, 1, 20), O = (int)rt_int(&g, 1, 9), P = (K - 1) / 2;
        const size_t n_in = (size_t)H * K * C, row = (size_t)K * C;
        int8_t *in = malloc(n_in), *win = calloc((size_t)(H + 2 * P) * row, 1);
        int8_t *wt = malloc((size_t)O * K * K * C);
        int8_t *ref = malloc((size_t)H * O), *col = malloc((size_t)H * O), *fast = malloc((size_t)H * O);
        int32_t *bias = malloc(sizeof(int32_t) * O);
        kws_requant *rq = malloc(sizeof(kws_requant) * O);
        fill_codes(&g, in, n_in, (int)rt_int(&g, 0, 2));
        fill_codes(&g, wt, (size_t)O * K * K * C, 0);
        for (int o = 0; o < O; o++)
            bias[o] = (int32_t)rt_int(&g, -30000, 30000);
        fill_rq(&g, rq, O, rt_int(&g, 0, 3) == 0);
        kws_requant_out q = {rq, 0, 127};
        pick_bounds(&g, &q.act_min, &q.act_max);
        memcpy(win + (size_t)P * row, in, n_in); /* (H, K, C) rows are the window's rows */
        kws_conv2d_dims d = {H, K, C, O, K, 1};
        CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, wt, bias, ref), KWS_OK);
        CHECK_EQ_INT(kws_conv2d_s8_column(&d, &q, win, wt, bias, col), KWS_OK);
        const size_t ss = kws_conv2d_s8_column_scratch_size(&d);
        const size_t ws = kws_conv2d_s8_column_weights_size(&d);
        fast_path += ((size_t)K * C) % 4 != 0; /* rows padded to words */
        uint64_t *scratch = malloc(ss), *prep = malloc(ws);
        CHECK_EQ_INT(kws_conv2d_s8_column_prepare(&d, wt, (uint32_t *)prep), KWS_OK);
        CHECK_EQ_INT(kws_conv2d_s8_column_fast(scratch, &d, &q, win, (const uint32_t *)prep,
                                               bias, fast),
                     KWS_OK);
        free(prep);
        bad += memcmp(ref, col, (size_t)H * O) != 0 || memcmp(ref, fast, (size_t)H * O) != 0;
        cases++;
        free(in); free(win); free(wt); free(ref); free(col); free(fast); free(bias); free(rq);
        free(scratch);
    }
    printf("conv2d column: %ld cases (%ld with rows padded to words), %ld differ from "
           "kws_conv2d_s8 valid_w\n", cases, fast_path, bad);
    CHECK_EQ_INT(bad, 0);
    CHECK(fast_path > 50);
    kws_conv2d_dims bad_k = {4, 4, 4, 4, 4, 1};
    int8_t b[64] = {0};
    kws_requant brq[4] = {{1 << 30, -8}, {1 << 30, -8}, {1 << 30, -8}, {1 << 30, -8}};
    kws_requant_out bq = {brq, 0, 127};
    CHECK_EQ_INT(kws_conv2d_s8_column(&bad_k, &bq, b, b, NULL, b), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8_column_scratch_size(&bad_k), 0);
}

int main(void)
{
    test_intrinsics();
    test_conv_column();
    test_rq32();
    test_conv();
    test_conv_winograd();
    test_conv_errors();
    test_conv_binary();
    test_dense();
    test_pool_affine();
    test_model_hand();
    test_model_paper(KWS_QUANT_INT8);
    test_model_paper(KWS_QUANT_HYBRID);
    test_model_paper(KWS_QUANT_BINARY_CONV);
    return test_summary("test_kernels_fast");
}
