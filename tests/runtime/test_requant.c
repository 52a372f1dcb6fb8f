/* test_requant.c - M -> {multiplier, shift} and kws_requantize():
 *  - kws_requant_from_scale: ranges, relative error <= 2^-31, edge cases;
 *  - kws_requantize equals an independent sign-magnitude integer formula
 *    (round half away from zero of acc * multiplier / 2^(31 - shift)) over
 *    random and extreme (multiplier, shift, acc), ties included;
 *  - against double precision: exact where the product fits 53 bits, and
 *    within 1 LSB of rhaz(acc * M) for the real M.
 */
#include <stdint.h>
#include <string.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/quant_params.h"

static void test_from_scale(void)
{
    kws_requant r;
    CHECK_EQ_INT(kws_requant_from_scale(1.0, &r), KWS_OK);
    CHECK_EQ_INT(r.multiplier, 1 << 30);
    CHECK_EQ_INT(r.shift, 1);
    CHECK_EQ_INT(kws_requant_from_scale(0.5, &r), KWS_OK);
    CHECK_EQ_INT(r.multiplier, 1 << 30);
    CHECK_EQ_INT(r.shift, 0);
    CHECK_EQ_INT(kws_requant_from_scale(0.75, &r), KWS_OK);
    CHECK_EQ_INT(r.multiplier, 3 << 29);
    CHECK_EQ_INT(r.shift, 0);
    CHECK_EQ_INT(kws_requant_from_scale(0.0, &r), KWS_OK);
    CHECK(r.multiplier == 0 && r.shift == 0);
    CHECK_EQ_INT(kws_requant_from_scale(ldexp(1.0, -33), &r), KWS_OK);
    CHECK(r.multiplier == 0 && r.shift == 0);
    CHECK_EQ_INT(kws_requant_from_scale(ldexp(1.0, -32), &r), KWS_OK);
    CHECK(r.multiplier == (1 << 30) && r.shift == -31);
    CHECK_EQ_INT(kws_requant_from_scale(ldexp(1.0, 30) * 0.75, &r), KWS_OK);
    CHECK(r.multiplier == (3 << 29) && r.shift == 30);
    /* 1 - 2^-40 rounds up to 2^31: carried to {2^30, shift + 1} */
    CHECK_EQ_INT(kws_requant_from_scale(1.0 - ldexp(1.0, -40), &r), KWS_OK);
    CHECK(r.multiplier == (1 << 30) && r.shift == 1);
    /* out of range */
    CHECK_EQ_INT(kws_requant_from_scale(ldexp(1.0, 30), &r), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_requant_from_scale(ldexp(1.0, 30) * (1.0 - ldexp(1.0, -40)), &r), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_requant_from_scale(-1e-3, &r), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_requant_from_scale(NAN, &r), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_requant_from_scale(INFINITY, &r), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_requant_from_scale(1.0, NULL), KWS_ERR_ARG);

    rt_rng g = {0x1234567ULL};
    double worst = 0;
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        double m = ldexp(0.5 + 0.5 * rt_unit(&g), (int)rt_int(&g, -31, 30));
        if (m >= ldexp(1.0, 30)) continue;
        if (kws_requant_from_scale(m, &r) != KWS_OK) { bad++; continue; }
        if (r.multiplier < (1 << 30) || r.shift < KWS_REQUANT_SHIFT_MIN ||
            r.shift > KWS_REQUANT_SHIFT_MAX)
            bad++;
        double rel = fabs(kws_requant_to_double(r) - m) / m;
        if (rel > worst) worst = rel;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(worst <= ldexp(1.0, -31));
    printf("from_scale: max relative error %.3g (bound 2^-31 = %.3g)\n", worst, ldexp(1.0, -31));
}

static void test_exact_integer(void)
{
    /* ties at M = 0.5: x.5 goes away from zero */
    kws_requant half = {1 << 30, 0};
    CHECK_EQ_INT(kws_requantize(1, half), 1);
    CHECK_EQ_INT(kws_requantize(-1, half), -1);
    CHECK_EQ_INT(kws_requantize(3, half), 2);
    CHECK_EQ_INT(kws_requantize(-3, half), -2);
    CHECK_EQ_INT(kws_requantize(2, half), 1);
    CHECK_EQ_INT(kws_requantize(0, half), 0);
    /* M = 0.25: 0.25 -> 0, 0.5 -> 1, 0.75 -> 1 and mirrored */
    kws_requant q = {1 << 30, -1};
    CHECK_EQ_INT(kws_requantize(1, q), 0);
    CHECK_EQ_INT(kws_requantize(2, q), 1);
    CHECK_EQ_INT(kws_requantize(3, q), 1);
    CHECK_EQ_INT(kws_requantize(-1, q), 0);
    CHECK_EQ_INT(kws_requantize(-2, q), -1);
    CHECK_EQ_INT(kws_requantize(-3, q), -1);
    /* clamp */
    kws_requant one = {1 << 30, 1};
    CHECK_EQ_INT(kws_requantize_s8(500, one, -127, 127), 127);
    CHECK_EQ_INT(kws_requantize_s8(-500, one, -127, 127), -127);
    CHECK_EQ_INT(kws_requantize_s8(-500, one, 0, 127), 0);
    CHECK_EQ_INT(kws_requantize_s8(-5, one, -128, 127), -5);
    CHECK_EQ_INT(kws_requantize_s8(INT32_MIN, one, -128, 127), -128);
    /* zero multiplier */
    kws_requant zero = {0, 0};
    CHECK_EQ_INT(kws_requantize(INT32_MIN, zero), 0);
    CHECK_EQ_INT(kws_requantize(INT32_MAX, zero), 0);

    /* random and extreme multipliers, shifts and accumulators */
    rt_rng g = {0xabcdefULL};
    const int32_t accs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, 127, -127, 1 << 30};
    const int32_t mults[] = {1 << 30, INT32_MAX, (1 << 30) + 1, 0x5A827999};
    long mism = 0, n = 0;
    for (int s = KWS_REQUANT_SHIFT_MIN; s <= KWS_REQUANT_SHIFT_MAX; s++) {
        for (size_t i = 0; i < sizeof accs / sizeof accs[0]; i++)
            for (size_t j = 0; j < sizeof mults / sizeof mults[0]; j++) {
                kws_requant r = {mults[j], s};
                mism += kws_requantize(accs[i], r) != rt_ref_requant(accs[i], mults[j], s);
                n++;
            }
        for (int i = 0; i < 20000; i++) {
            int32_t mult = (int32_t)rt_int(&g, 1 << 30, INT32_MAX);
            int32_t acc;
            switch (i % 4) {
            case 0: acc = (int32_t)rt_int(&g, INT32_MIN, INT32_MAX); break;
            case 1: acc = (int32_t)rt_int(&g, -70000, 70000); break;
            case 2: acc = (int32_t)rt_int(&g, -300, 300); break;
            default: /* an exact tie when t - 1 <= 30: acc * mult = odd * 2^(t-1) */
                mult = 1 << 30;
                acc = (int32_t)(rt_int(&g, -1000, 1000) | 1) * (INT32_C(1) << (s > 0 ? 0 : (s < -20 ? 20 : -s)));
            }
            kws_requant r = {mult, s};
            mism += kws_requantize(acc, r) != rt_ref_requant(acc, mult, s);
            n++;
        }
    }
    CHECK_EQ_INT(mism, 0);
    printf("integer reference: %ld (multiplier, shift, acc) triples, %ld mismatches\n", n, mism);
}

static void test_vs_double(void)
{
    rt_rng g = {0x5eedULL};
    long n = 0, exact_bad = 0, off1 = 0, off2 = 0;
    for (int i = 0; i < 400000; i++) {
        /* real multipliers of the kind the network has: 2^-20 .. 2^4 */
        double m = ldexp(0.5 + 0.5 * rt_unit(&g), (int)rt_int(&g, -20, 4));
        kws_requant r;
        if (kws_requant_from_scale(m, &r) != KWS_OK) { exact_bad++; continue; }
        int32_t acc = (int32_t)rt_int(&g, -(1 << 24), 1 << 24);
        if (i & 1) acc = (int32_t)rt_int(&g, -4096, 4096);
        int64_t got = kws_requantize(acc, r);
        /* 1) the stored multiplier, in double: |acc * mult| < 2^55, so split
         * the product to stay exact: value = acc * mult / 2^t */
        int t = 31 - r.shift;
        int64_t p = (int64_t)acc * r.multiplier;
        if (p > -(INT64_C(1) << 53) && p < (INT64_C(1) << 53)) {
            double v = ldexp((double)p, -t); /* exact */
            if ((double)got != rt_rhaz(v)) exact_bad++;
        }
        /* 2) the real M */
        double want = rt_rhaz((double)acc * m);
        double d = fabs((double)got - want);
        if (d > 0) off1++;
        if (d > 1) off2++;
        n++;
    }
    CHECK_EQ_INT(exact_bad, 0);
    CHECK_EQ_INT(off2, 0);
    printf("vs double: %ld pairs; %ld differ from rhaz(acc*M) by 1 LSB (Q31 rounding of M), "
           "%ld by more\n", n, off1, off2);
}

static void test_out_check(void)
{
    kws_requant rq[3] = {{1 << 30, 0}, {0, 0}, {INT32_MAX, 30}};
    kws_requant_out q = {rq, -127, 127};
    CHECK_EQ_INT(kws_requant_out_check(&q, 3), KWS_OK);
    q.act_min = -129;
    CHECK_EQ_INT(kws_requant_out_check(&q, 3), KWS_ERR_ARG);
    q.act_min = 5; q.act_max = 4;
    CHECK_EQ_INT(kws_requant_out_check(&q, 3), KWS_ERR_ARG);
    q.act_min = 0; q.act_max = 127;
    rq[1].multiplier = 12345;
    CHECK_EQ_INT(kws_requant_out_check(&q, 3), KWS_ERR_ARG);
    rq[1].multiplier = 1 << 30; rq[1].shift = 31;
    CHECK_EQ_INT(kws_requant_out_check(&q, 3), KWS_ERR_ARG);
    rq[1].shift = -32;
    CHECK_EQ_INT(kws_requant_out_check(&q, 3), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_requant_out_check(NULL, 3), KWS_ERR_ARG);
}

int main(void)
{
    test_from_scale();
    test_exact_integer();
    test_vs_double();
    test_out_check();
    return test_summary("test_runtime_requant");
}
