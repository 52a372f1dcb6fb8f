/* test_quant_fake.c - the fake quantizers of kws/quant.h on their own:
 * int8/int4 per-channel round trip (error at most half a step, the max
 * maps to the bound, idempotent codes), binary (+-mean |w| per channel),
 * the STE masks, int8/binary activations and the activation-range EMA. */
#include <math.h>
#include <string.h>
#include "kws/nn.h"
#include "kws/quant.h"
#include "tests/test.h"

enum { NOUT = 6, PER = 45 };

static void fill(float *w, kws_rng *r)
{
    for (int i = 0; i < NOUT * PER; i++)
        w[i] = 0.3f * kws_rng_normal(r);
    for (int i = 0; i < PER; i++) /* channel 2: all zero; channel 3: large */
        w[2 * PER + i] = 0.0f;
    for (int i = 0; i < PER; i++)
        w[3 * PER + i] *= 40.0f;
}

static void check_int(kws_wquant q, int b)
{
    kws_rng r;
    kws_rng_seed(&r, 5 + (uint64_t)b);
    float w[NOUT * PER], wq[NOUT * PER], wq2[NOUT * PER], s[NOUT], s2[NOUT];
    fill(w, &r);
    kws_quant_weights_f32(wq, s, w, NOUT, PER, q);
    kws_quant_weights_f32(wq2, s2, wq, NOUT, PER, q);
    int half_step = 1, on_grid = 1, max_ok = 1, idem = 1;
    for (int c = 0; c < NOUT; c++) {
        float m = kws_quant_absmax_f32(w + c * PER, PER);
        if (m == 0.0f)
            CHECK(s[c] == 1.0f);
        else
            CHECK(s[c] == m / (float)b);
        for (int i = 0; i < PER; i++) {
            float x = w[c * PER + i], y = wq[c * PER + i];
            float code = roundf(y / s[c]);
            half_step &= fabsf(x - y) <= 0.5f * s[c] * (1.0f + 1e-6f);
            on_grid &= fabsf(code) <= (float)b && y == s[c] * code;
            if (m > 0.0f && fabsf(x) == m)
                max_ok &= fabsf(code) == (float)b && (code > 0) == (x > 0);
            idem &= roundf(wq2[c * PER + i] / s2[c]) == code &&
                    fabsf(wq2[c * PER + i] - y) <= 1e-6f * fabsf(y);
        }
    }
    CHECK(half_step);
    CHECK(on_grid);
    CHECK(max_ok);
    CHECK(idem);
    CHECK_EQ_INT(kws_wquant_bound(q), b);
}

int main(void)
{
    /* round half away from zero */
    CHECK(kws_quant_round(2.5f) == 3.0f);
    CHECK(kws_quant_round(-2.5f) == -3.0f);
    CHECK(kws_quant_round(0.5f) == 1.0f);
    CHECK(kws_quant_round(-0.49f) == 0.0f);

    check_int(KWS_QW_INT8, 127);
    check_int(KWS_QW_INT4, 7);

    /* a grid on powers of two quantizes exactly: the identity */
    {
        float w[2 * 4] = {127.0f / 128, -3.0f / 128, 0.0f, 64.0f / 128,
                          -127.0f / 16, 1.0f / 16, 5.0f / 16, -2.0f / 16};
        float wq[8];
        kws_quant_weights_f32(wq, NULL, w, 2, 4, KWS_QW_INT8);
        CHECK(memcmp(w, wq, sizeof w) == 0);
    }

    /* binary: +-alpha_c with alpha_c = mean |w_c|, sign of w (0 -> +) */
    {
        kws_rng r;
        kws_rng_seed(&r, 9);
        float w[NOUT * PER], wq[NOUT * PER], wq2[NOUT * PER], a[NOUT];
        fill(w, &r);
        w[7] = 0.0f;
        kws_quant_weights_f32(wq, a, w, NOUT, PER, KWS_QW_BINARY);
        int ok = 1;
        for (int c = 0; c < NOUT; c++) {
            double sum = 0.0;
            for (int i = 0; i < PER; i++)
                sum += fabs((double)w[c * PER + i]);
            CHECK_NEAR(a[c], sum / PER, 1e-6 * (sum / PER));
            for (int i = 0; i < PER; i++)
                ok &= wq[c * PER + i] == (w[c * PER + i] >= 0.0f ? a[c] : -a[c]);
        }
        CHECK(ok);
        CHECK(wq[7] == a[0]);
        kws_quant_weights_f32(wq2, NULL, wq, NOUT, PER, KWS_QW_BINARY);
        CHECK(memcmp(wq, wq2, sizeof wq) == 0); /* exactly idempotent */
    }

    /* weight STE: identity for int8/int4/float, clipped at |w| <= 1 for binary */
    {
        float w[6] = {-2.0f, -1.0f, -0.5f, 0.0f, 1.0f, 1.5f};
        float g[6] = {1, 2, 3, 4, 5, 6}, g0[6];
        memcpy(g0, g, sizeof g);
        kws_quant_weights_ste_f32(g, w, 6, KWS_QW_INT8);
        CHECK(memcmp(g, g0, sizeof g) == 0);
        kws_quant_weights_ste_f32(g, w, 6, KWS_QW_INT4);
        CHECK(memcmp(g, g0, sizeof g) == 0);
        kws_quant_weights_ste_f32(g, w, 6, KWS_QW_BINARY);
        float want[6] = {0, 2, 3, 4, 5, 0};
        CHECK(memcmp(g, want, sizeof g) == 0);
    }

    /* int8 activations: half a step inside the range, clamped outside; STE mask */
    {
        enum { N = 401 };
        float x[N], y[N], g[N], gi[N];
        float range = 3.0f, s = range / 127.0f;
        for (int i = 0; i < N; i++) {
            x[i] = -4.0f + 8.0f * (float)i / (N - 1);
            g[i] = 1.0f + (float)i;
        }
        kws_quant_act_forward_f32(y, x, N, range, KWS_QA_INT8);
        kws_quant_act_backward_f32(gi, g, x, N, range, KWS_QA_INT8);
        int in_ok = 1, out_ok = 1, ste_ok = 1;
        for (int i = 0; i < N; i++) {
            if (fabsf(x[i]) <= range)
                in_ok &= fabsf(y[i] - x[i]) <= 0.5f * s * (1.0f + 1e-6f);
            else
                out_ok &= y[i] == (x[i] > 0 ? 127.0f : -127.0f) * s;
            ste_ok &= gi[i] == (fabsf(x[i]) <= range ? g[i] : 0.0f);
        }
        CHECK(in_ok);
        CHECK(out_ok);
        CHECK(ste_ok);
        /* in place */
        memcpy(gi, x, sizeof x);
        kws_quant_act_forward_f32(gi, gi, N, range, KWS_QA_INT8);
        CHECK(memcmp(gi, y, sizeof y) == 0);
        /* range 0: scale 1, integers in [-127, 127] */
        float z[3] = {0.4f, 2.6f, -300.0f}, zq[3];
        kws_quant_act_forward_f32(zq, z, 3, 0.0f, KWS_QA_INT8);
        CHECK(zq[0] == 0.0f && zq[1] == 3.0f && zq[2] == -127.0f);
    }

    /* binary activations: sign (0 -> +1), STE where |x| <= 1 */
    {
        float x[5] = {-2.0f, -1.0f, 0.0f, 0.5f, 1.5f}, y[5], g[5] = {1, 2, 3, 4, 5}, gi[5];
        kws_quant_act_forward_f32(y, x, 5, 0.0f, KWS_QA_BINARY);
        float wy[5] = {-1, -1, 1, 1, 1}, wg[5] = {0, 2, 3, 4, 0};
        CHECK(memcmp(y, wy, sizeof y) == 0);
        kws_quant_act_backward_f32(gi, g, x, 5, 0.0f, KWS_QA_BINARY);
        CHECK(memcmp(gi, wg, sizeof gi) == 0);
        kws_quant_act_backward_f32(gi, g, x, 5, 0.0f, KWS_QA_FLOAT);
        CHECK(memcmp(gi, g, sizeof gi) == 0);
    }

    /* activation range: the first batch sets it, then an EMA */
    {
        float m = KWS_ACT_RANGE_MOMENTUM;
        CHECK(kws_quant_range_update(0.0f, 3.0f, m) == 3.0f);
        CHECK(kws_quant_range_update(3.0f, 5.0f, m) == (1.0f - m) * 3.0f + m * 5.0f);
        float r = 3.0f;
        for (int i = 0; i < 2000; i++)
            r = kws_quant_range_update(r, 5.0f, m);
        CHECK_NEAR(r, 5.0f, 1e-4);
        float x[4] = {1.0f, -7.5f, 2.0f, 0.0f};
        CHECK(kws_quant_absmax_f32(x, 4) == 7.5f);
        CHECK(kws_quant_absmax_f32(x, 0) == 0.0f);
    }
    return test_summary("test_quant_fake");
}
