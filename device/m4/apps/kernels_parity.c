/* kernels_parity.c - the fast kernels against the reference kernels on the
 * Cortex-M4, and the DSP instructions against their plain C definitions.
 *
 * 1. src/runtime/simd_m4.h: every wrapper (here the real SMLAD, SXTB16,
 *    SXTAB16, QADD, SSAT/USAT, SSUB8+SEL, MSR APSR_g+SEL, USADA8, BFI,
 *    SADD16/SSUB16, LDRD) against its *_c
 *    definition on pseudo-random words, and the SMLAL requantization
 *    against kws_requantize; one line per instruction:
 *
 *      I NAME CHECKED BAD
 *
 * 2. tests/device/kernel_cases.h: each case through the reference and the
 *    fast kernel, outputs compared byte for byte (with canaries past the
 *    end):
 *
 *      K NAME REF_FNV FAST_FNV SAME
 *
 *    and for each conv that kws_conv2d_s8_winograd takes, its output the
 *    same way:
 *
 *      W NAME REF_FNV WINOGRAD_FNV SAME
 *
 *    tests/device/kernels_parity_check.c recomputes REF_FNV on the host.
 *
 * Ends with "END"; exits 1 if anything differs, 2 on a kernel error.
 */
#include <stdint.h>
#include <string.h>

#include "kws/runtime.h"
#include "m4.h"
#include "semihost.h"
#include "src/runtime/simd_m4.h"
#include "tests/device/kernel_cases.h"

enum { CANARY = 16 };

static int8_t g_in[KC_MAX_IN];
static uint8_t g_w[KC_MAX_W];
static int32_t g_bias[KC_MAX_CH];
static int16_t g_mul[KC_MAX_CH];
static kws_requant g_rq[KC_MAX_CH];
static int8_t g_ref[KC_MAX_OUT + CANARY];
static int8_t g_fast[KC_MAX_OUT + CANARY];
static uint64_t g_scratch[KC_WINO_SCRATCH / 8];

static int g_bad;

static void report(const char *name, uint32_t checked, uint32_t bad)
{
    kws_m4_puts("I ");
    kws_m4_puts(name);
    kws_m4_putc(' ');
    kws_m4_put_u32(checked);
    kws_m4_putc(' ');
    kws_m4_put_u32(bad);
    kws_m4_putc('\n');
    g_bad += bad != 0;
}

/* The wrappers are inline: the volatile words keep the compiler from
 * folding them at compile time, so the instructions really run. */
static volatile uint32_t g_va, g_vb, g_vc;

static void test_instructions(void)
{
    enum { N = 20000 };
    uint32_t s = 12345;
    uint32_t bad[16] = {0};
    for (int i = 0; i < N; i++) {
        g_va = kc_next(&s);
        g_vb = kc_next(&s);
        g_vc = kc_next(&s);
        if (i < 8) { /* extremes */
            static const uint32_t ext[8] = {0x80008000u, 0x7FFF7FFFu, 0xFFFFFFFFu, 0,
                                            0x80808080u, 0x7F7F7F7Fu, 0x00010001u, 0x8000FFFFu};
            g_va = ext[i];
            g_vb = ext[(i + 3) & 7];
            g_vc = i & 1 ? 0x7FFFFFFFu : 0x80000000u;
        }
        const uint32_t a = g_va, b = g_vb, c = g_vc;
        bad[0] += kws_smlad(a, b, (int32_t)c) != kws_smlad_c(a, b, (int32_t)c);
        bad[1] += kws_sxtb16(a) != kws_sxtb16_c(a);
        bad[2] += kws_sxtb16_ror8(a) != kws_sxtb16_ror8_c(a);
        bad[3] += kws_sxtab16(a, b) != kws_sxtab16_c(a, b);
        bad[4] += kws_sxtab16_ror8(a, b) != kws_sxtab16_ror8_c(a, b);
        bad[5] += kws_qadd((int32_t)a, (int32_t)b) != kws_qadd_c((int32_t)a, (int32_t)b);
        const int32_t v = (int32_t)a >> (c & 31);
        bad[6] += kws_ssat8(v) != kws_ssat8_c(v) || kws_usat7(v) != kws_usat7_c(v);
        bad[7] += kws_max_s8x4(a, b) != kws_max_s8x4_c(a, b) ||
                  kws_min_s8x4(a, b) != kws_min_s8x4_c(a, b);
        bad[8] += kws_ror(a, c & 31) != kws_ror_c(a, c & 31);
        /* BFI packing of values already in int8 range */
        const int32_t y0 = kws_byte_c(a, 0), y1 = kws_byte_c(a, 1), y2 = kws_byte_c(b, 2),
                      y3 = kws_byte_c(c, 3);
        bad[9] += kws_pack_s8x4(y0, y1, y2, y3) !=
                  (((uint32_t)y0 & 0xFFu) | ((uint32_t)y1 & 0xFFu) << 8 |
                   ((uint32_t)y2 & 0xFFu) << 16 | ((uint32_t)y3 & 0xFFu) << 24);
        /* LDRD with post-increment */
        uint32_t pair[2] __attribute__((aligned(8)));
        pair[0] = a;
        pair[1] = b;
        uint32_t lo = 0, hi = 0;
        const uint32_t *p = kws_ldrd_post(pair, &lo, &hi);
        bad[10] += lo != a || hi != b || p != pair + 2;
        bad[11] += kws_sel_bits(c, a, b) != kws_sel_bits_c(c, a, b) ||
                   kws_sel_bits(c << 16, a, b) != kws_sel_bits_c(c << 16, a, b);
        bad[12] += kws_usada8(a, b, c) != kws_usada8_c(a, b, c);
        bad[13] += kws_sadd16(a, b) != kws_sadd16_c(a, b) || kws_ssub16(a, b) != kws_ssub16_c(a, b);
        uint32_t strided[34] __attribute__((aligned(8)));
        strided[0] = a;
        strided[1] = b;
        p = kws_ldrd_step(strided, &lo, &hi, 32);
        bad[14] += lo != a || hi != b || p != strided + 32;
        uint32_t far[64] __attribute__((aligned(8)));
        far[0] = b;
        far[1] = c;
        p = kws_ldrd_step(far, &lo, &hi, 62);
        bad[15] += lo != b || hi != c || p != far + 62;
    }
    static const char *const names[16] = {"smlad", "sxtb16", "sxtb16_ror8", "sxtab16",
                                          "sxtab16_ror8", "qadd", "ssat8_usat7", "max_min_s8x4",
                                          "ror", "pack_s8x4_bfi", "ldrd_post", "msr_ge_sel",
                                          "usada8", "sadd16_ssub16", "ldrd_step32",
                                          "ldrd_step62"};
    for (int k = 0; k < 16; k++)
        report(names[k], N, bad[k]);

    /* SMLAL requantization: every shift it takes, random and extreme acc */
    uint32_t n = 0, rbad = 0;
    for (int32_t shift = -31; shift <= -2; shift++) {
        for (int r = 0; r < 600; r++) {
            kws_requant rq = {kc_int(&s, 1 << 30, 0x7FFFFFFF), shift};
            kws_rq32 q;
            if (!kws_rq32_init(rq.multiplier, rq.shift, &q)) {
                rbad++;
                continue;
            }
            int32_t acc = (int32_t)kc_next(&s) >> (kc_next(&s) & 31);
            if (r == 0) acc = INT32_MIN;
            if (r == 1) acc = INT32_MAX;
            if (r == 2) acc = -1;
            n++;
            rbad += kws_rq32_apply(acc, q.mult, q.round, q.sh) != kws_requantize(acc, rq);
        }
    }
    report("smlal_requant", n, rbad);

    /* SMMLA and the ReLU requantization built on it */
    uint32_t mbad = 0, qbad = 0;
    n = 0;
    for (int i = 0; i < 20000; i++) {
        g_va = kc_next(&s);
        g_vb = kc_next(&s);
        g_vc = kc_next(&s);
        const int32_t a = (int32_t)g_va, b = (int32_t)g_vb, c = (int32_t)g_vc;
        mbad += kws_smmla(a, b, c) != kws_smmla_c(a, b, c);
        kws_rq32 q;
        if (kws_rq32_init(kc_int(&s, 1 << 30, 0x7FFFFFFF), -2 - (int32_t)(g_vc & 15), &q)) {
            const int32_t acc = a >> (g_vb & 31);
            qbad += kws_rq32_relu(acc, q.mult, q.round, q.sh) !=
                    kws_usat7_c(kws_rq32_apply(acc, q.mult, q.round, q.sh));
            n++;
        }
    }
    report("smmla", 20000, mbad);
    report("smmla_relu_requant", n, qbad);
}

/* "TAG NAME REF_FNV OUT_FNV SAME" for n output bytes of g_ref and g_fast. */
static void report_case(const char *tag, const char *name, size_t n, int same)
{
    kws_m4_puts(tag);
    kws_m4_puts(name);
    kws_m4_putc(' ');
    kws_m4_put_hex32(kc_fnv1a(g_ref, n));
    kws_m4_putc(' ');
    kws_m4_put_hex32(kc_fnv1a(g_fast, n));
    kws_m4_putc(' ');
    kws_m4_put_i32(same);
    kws_m4_putc('\n');
    g_bad += !same;
}

static int test_kernels(void)
{
    const kc_data d = {g_in, g_w, g_bias, g_mul, g_rq};
    for (int i = 0; i < KC_N_CASES; i++) {
        const kc_case *c = &kc_cases[i];
        if (!kc_fits(c) || kc_scratch_bytes(c) > sizeof g_scratch) {
            kws_m4_puts("ERROR case ");
            kws_m4_puts(c->name);
            kws_m4_puts(" does not fit the buffers\n");
            return KWS_M4_EXIT_SETUP;
        }
        kc_generate(c, &d);
        const size_t n = kc_out_bytes(c);
        memset(g_ref, 0x5A, n + CANARY);
        memset(g_fast, 0x5A, n + CANARY);
        kws_status s1 = kc_run(c, &d, 0, g_scratch, g_ref);
        memset(g_scratch, 0xA5, sizeof g_scratch); /* the fast kernel must not rely on it */
        kws_status s2 = kc_run(c, &d, 1, g_scratch, g_fast);
        if (s1 != KWS_OK || s2 != KWS_OK) {
            kws_m4_puts("ERROR case ");
            kws_m4_puts(c->name);
            kws_m4_puts(": ");
            kws_m4_puts(kws_status_str(s1 != KWS_OK ? s1 : s2));
            kws_m4_putc('\n');
            return KWS_M4_EXIT_SETUP;
        }
        report_case("K ", c->name, n, memcmp(g_ref, g_fast, n + CANARY) == 0);
        if (!kc_winograd_takes(c))
            continue;
        memset(g_fast, 0x5A, n + CANARY);
        memset(g_scratch, 0xA5, sizeof g_scratch);
        kws_status s3 = kc_run_winograd(c, &d, g_scratch, sizeof g_scratch, g_fast);
        report_case("W ", c->name, n, s3 == KWS_OK && memcmp(g_ref, g_fast, n + CANARY) == 0);
    }
    return KWS_M4_EXIT_OK;
}

int main(void)
{
    test_instructions();
    int rc = test_kernels();
    if (rc != KWS_M4_EXIT_OK)
        return rc;
    kws_m4_puts("stack used ");
    kws_m4_put_u32(kws_m4_stack_used());
    kws_m4_puts(" of ");
    kws_m4_put_u32(kws_m4_stack_size());
    kws_m4_puts("\nEND\n");
    return g_bad ? KWS_M4_EXIT_CHECK : KWS_M4_EXIT_OK;
}
