/* test_gradcheck.c - every layer's backward against central finite
 * differences of its forward, on small random shapes.
 *
 * Each check builds a scalar loss L = sum(R * out) (R a fixed random tensor,
 * sum in double), so d L / d out = R is what backward receives; for
 * softmax-xent L is the loss itself. For every element x_i of the input and
 * of each parameter, the numeric derivative is
 *     (L(x_i + h) - L(x_i - h)) / ((float)(x_i + h) - (float)(x_i - h))
 * (the actual float step, not 2h) and is compared with the analytic one by
 *     err_i = |analytic - numeric| / max(|analytic|, |numeric|, 1e-2);
 * a check passes when max_i err_i <= tol. Tolerances: 1e-3 for the layers
 * that are linear in the perturbed value (conv, dense, dropout, ReLU and
 * max-pool away from their kinks; the error is float rounding of the
 * forward, so conv and dense use a large step h = 0.1 where the difference
 * is exact), 5e-3 for batch norm and softmax-xent (float forward, curvature
 * O(h^2) with h = 1e-2), 2e-2 for a small conv-BN-ReLU-pool-dense-xent chain
 * (h = 3e-3 to stay off the kinks; its loss is summed in double from the
 * float logits, but float rounding inside the chain, ~1e-7 of the loss,
 * leaves ~2e-5 absolute noise per derivative, up to ~5e-3 at the 1e-2
 * floor, falling as 1/h; every layer of it is checked tightly above and the
 * whole paper network against PyTorch at 2e-4 in test_nn_torch). ReLU inputs stay
 * >= 0.05 away from 0 and max-pool inputs are distinct by >= 0.01, so
 * h = 1e-3 never crosses a kink there.
 */
#include <stdint.h>
#include <string.h>
#include "kws/nn.h"
#include "tests/test.h"

#define TOL_LINEAR 1e-3
#define TOL_CURVED 5e-3

typedef double (*loss_fn)(void *ctx);

static kws_rng g_rng;

static float *rand_buf(size_t n, float scale)
{
    float *p = malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; i < n; i++)
        p[i] = scale * (2.0f * kws_rng_uniform(&g_rng) - 1.0f);
    return p;
}

static float *zero_buf(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* Compare analytic grad (n) of x (n) with finite differences of f. */
static void gradcheck(const char *what, loss_fn f, void *ctx, float *x, const float *analytic,
                      size_t n, float h, double tol)
{
    double worst = 0.0;
    size_t worst_i = 0;
    double worst_a = 0.0, worst_n = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float orig = x[i];
        const float xp = orig + h, xm = orig - h;
        x[i] = xp;
        const double lp = f(ctx);
        x[i] = xm;
        const double lm = f(ctx);
        x[i] = orig;
        const double num = (lp - lm) / ((double)xp - (double)xm);
        const double a = analytic[i];
        double den = fabs(a) > fabs(num) ? fabs(a) : fabs(num);
        if (den < 1e-2)
            den = 1e-2;
        const double err = fabs(a - num) / den;
        if (err > worst) {
            worst = err;
            worst_i = i;
            worst_a = a;
            worst_n = num;
        }
    }
    printf("  %-34s n=%-5zu max rel err %.2e (tol %.0e)\n", what, n, worst, tol);
    if (!CHECK(worst <= tol))
        fprintf(stderr, "     %s: element %zu analytic %.8g numeric %.8g\n", what, worst_i,
                worst_a, worst_n);
}

/* ---- conv2d ---------------------------------------------------------------- */
typedef struct {
    int B, Cin, Cout, H, W, k;
    float *in, *w, *b, *out, *R, *scratch;
} conv_ctx;

static double conv_loss(void *p)
{
    conv_ctx *c = p;
    kws_conv2d_forward_f32(c->out, c->in, c->w, c->b, c->B, c->Cin, c->Cout, c->H, c->W, c->k,
                           c->scratch);
    return dot_d(c->out, c->R, (size_t)c->B * c->Cout * c->H * c->W);
}

static void check_conv(int B, int Cin, int Cout, int H, int W, int k)
{
    printf("conv2d B=%d Cin=%d Cout=%d H=%d W=%d k=%d\n", B, Cin, Cout, H, W, k);
    conv_ctx c = {B, Cin, Cout, H, W, k, 0, 0, 0, 0, 0, 0};
    const size_t nin = (size_t)B * Cin * H * W, nw = (size_t)Cout * Cin * k * k;
    const size_t nout = (size_t)B * Cout * H * W;
    c.in = rand_buf(nin, 1.0f);
    c.w = rand_buf(nw, 0.5f);
    c.b = rand_buf(Cout, 0.5f);
    c.out = zero_buf(nout);
    c.R = rand_buf(nout, 1.0f);
    c.scratch = zero_buf(kws_conv2d_scratch_size(B, Cin, Cout, H, W, k));
    float *gin = rand_buf(nin, 9.0f); /* garbage: backward must overwrite */
    float *gw = zero_buf(nw), *gb = zero_buf(Cout);
    conv_loss(&c);
    kws_conv2d_backward_f32(gin, gw, gb, c.R, c.in, c.w, B, Cin, Cout, H, W, k, c.scratch);
    gradcheck("conv2d d/d input", conv_loss, &c, c.in, gin, nin, 1e-1f, TOL_LINEAR);
    gradcheck("conv2d d/d weight", conv_loss, &c, c.w, gw, nw, 1e-1f, TOL_LINEAR);
    gradcheck("conv2d d/d bias", conv_loss, &c, c.b, gb, Cout, 1e-1f, TOL_LINEAR);

    /* accumulation: a second backward adds the same amount again */
    float *gw2 = malloc(sizeof(float) * nw);
    memcpy(gw2, gw, sizeof(float) * nw);
    kws_conv2d_backward_f32(NULL, gw2, NULL, c.R, c.in, c.w, B, Cin, Cout, H, W, k, c.scratch);
    double maxd = 0.0;
    for (size_t i = 0; i < nw; i++) {
        const double d = fabs(gw2[i] - 2.0f * gw[i]);
        maxd = d > maxd ? d : maxd;
    }
    CHECK(maxd <= 1e-4);
    free(gw2);
    free(c.in); free(c.w); free(c.b); free(c.out); free(c.R); free(c.scratch);
    free(gin); free(gw); free(gb);
}

/* ---- dense ----------------------------------------------------------------- */
typedef struct {
    int B, K, N;
    float *in, *w, *b, *out, *R;
} dense_ctx;

static double dense_loss(void *p)
{
    dense_ctx *c = p;
    kws_dense_forward_f32(c->out, c->in, c->w, c->b, c->B, c->K, c->N);
    return dot_d(c->out, c->R, (size_t)c->B * c->N);
}

static void check_dense(int B, int K, int N)
{
    printf("dense B=%d K=%d N=%d\n", B, K, N);
    dense_ctx c = {B, K, N, 0, 0, 0, 0, 0};
    c.in = rand_buf((size_t)B * K, 1.0f);
    c.w = rand_buf((size_t)N * K, 0.5f);
    c.b = rand_buf(N, 0.5f);
    c.out = zero_buf((size_t)B * N);
    c.R = rand_buf((size_t)B * N, 1.0f);
    float *gin = rand_buf((size_t)B * K, 9.0f), *gw = zero_buf((size_t)N * K), *gb = zero_buf(N);
    dense_loss(&c);
    kws_dense_backward_f32(gin, gw, gb, c.R, c.in, c.w, B, K, N);
    gradcheck("dense d/d input", dense_loss, &c, c.in, gin, (size_t)B * K, 1e-1f, TOL_LINEAR);
    gradcheck("dense d/d weight", dense_loss, &c, c.w, gw, (size_t)N * K, 1e-1f, TOL_LINEAR);
    gradcheck("dense d/d bias", dense_loss, &c, c.b, gb, N, 1e-1f, TOL_LINEAR);
    free(c.in); free(c.w); free(c.b); free(c.out); free(c.R); free(gin); free(gw); free(gb);
}

/* ---- max-pool -------------------------------------------------------------- */
typedef struct {
    int B, C, H, W;
    int h_only;                  /* 2x1 (over H) instead of 2x2 */
    float *in, *out, *R;
    int32_t *argmax;
} pool_ctx;

static double pool_loss(void *p)
{
    pool_ctx *c = p;
    if (c->h_only)
        kws_maxpool2x1_forward_f32(c->out, c->argmax, c->in, c->B, c->C, c->H, c->W);
    else
        kws_maxpool2x2_forward_f32(c->out, c->argmax, c->in, c->B, c->C, c->H, c->W);
    return dot_d(c->out, c->R, (size_t)c->B * c->C * (c->H / 2) * (c->h_only ? c->W : c->W / 2));
}

static void check_maxpool(int B, int C, int H, int W, int h_only)
{
    printf("maxpool%s B=%d C=%d H=%d W=%d\n", h_only ? "2x1" : "2x2", B, C, H, W);
    const size_t nin = (size_t)B * C * H * W,
                 nout = (size_t)B * C * (H / 2) * (h_only ? W : W / 2);
    pool_ctx c = {B, C, H, W, h_only, 0, 0, 0, 0};
    /* distinct values 0.01 apart, shuffled: no ties, no kink within h */
    c.in = malloc(sizeof(float) * nin);
    for (size_t i = 0; i < nin; i++)
        c.in[i] = 0.01f * (float)i - 1.0f;
    for (size_t i = nin - 1; i > 0; i--) {
        const size_t j = (size_t)kws_rng_below(&g_rng, (int)i + 1);
        const float t = c.in[i];
        c.in[i] = c.in[j];
        c.in[j] = t;
    }
    c.out = zero_buf(nout);
    c.R = rand_buf(nout, 1.0f);
    c.argmax = malloc(sizeof(int32_t) * nout);
    float *gin = rand_buf(nin, 9.0f);
    pool_loss(&c);
    if (h_only)
        kws_maxpool2x1_backward_f32(gin, c.R, c.argmax, B, C, H, W);
    else
        kws_maxpool2x2_backward_f32(gin, c.R, c.argmax, B, C, H, W);
    gradcheck("maxpool d/d input", pool_loss, &c, c.in, gin, nin, 1e-3f, TOL_LINEAR);
    /* ties: the first in scan order wins (PyTorch) */
    float tie[4] = {2.0f, 2.0f, 2.0f, 2.0f}, o[2];
    int32_t am[2];
    kws_maxpool2x2_forward_f32(o, am, tie, 1, 1, 2, 2);
    CHECK_EQ_INT(am[0], 0);
    kws_maxpool2x1_forward_f32(o, am, tie, 1, 1, 2, 2); /* columns 0 and 1: rows 0 win */
    CHECK_EQ_INT(am[0], 0);
    CHECK_EQ_INT(am[1], 1);
    free(c.in); free(c.out); free(c.R); free(c.argmax); free(gin);
}

/* ---- crop along W (time=valid) ----------------------------------------------- */
typedef struct {
    int B, C, H, W, left, Wo;
    float *in, *out, *R;
} crop_ctx;

static double crop_loss(void *p)
{
    crop_ctx *c = p;
    kws_crop_w_forward_f32(c->out, c->in, c->B, c->C, c->H, c->W, c->left, c->Wo);
    return dot_d(c->out, c->R, (size_t)c->B * c->C * c->H * c->Wo);
}

static void check_crop(int B, int C, int H, int W, int left, int Wo)
{
    printf("crop_w B=%d C=%d H=%d W=%d [%d, %d)\n", B, C, H, W, left, left + Wo);
    const size_t nin = (size_t)B * C * H * W, nout = (size_t)B * C * H * Wo;
    crop_ctx c = {B, C, H, W, left, Wo, rand_buf(nin, 1.0f), zero_buf(nout), rand_buf(nout, 1.0f)};
    float *gin = rand_buf(nin, 9.0f);
    crop_loss(&c);
    kws_crop_w_backward_f32(gin, c.R, B, C, H, W, left, Wo);
    gradcheck("crop d/d input", crop_loss, &c, c.in, gin, nin, 1e-1f, TOL_LINEAR);
    /* by hand: the kept columns, in order */
    CHECK(c.out[0] == c.in[left] && c.out[Wo - 1] == c.in[left + Wo - 1]);
    CHECK(c.out[Wo] == c.in[W + left]); /* the next row */
    free(c.in); free(c.out); free(c.R); free(gin);
}

/* ---- ReLU ------------------------------------------------------------------ */
typedef struct {
    size_t n;
    float *in, *out, *R;
} relu_ctx;

static double relu_loss(void *p)
{
    relu_ctx *c = p;
    kws_relu_forward_f32(c->out, c->in, c->n);
    return dot_d(c->out, c->R, c->n);
}

static void check_relu(size_t n)
{
    printf("relu n=%zu\n", n);
    relu_ctx c = {n, rand_buf(n, 1.0f), zero_buf(n), rand_buf(n, 1.0f)};
    for (size_t i = 0; i < n; i++) /* keep |x| >= 0.05 */
        if (fabsf(c.in[i]) < 0.05f)
            c.in[i] = c.in[i] < 0.0f ? -0.05f - c.in[i] : 0.05f + c.in[i];
    float *gin = zero_buf(n);
    relu_loss(&c);
    kws_relu_backward_f32(gin, c.R, c.out, n);
    gradcheck("relu d/d input", relu_loss, &c, c.in, gin, n, 1e-3f, TOL_LINEAR);
    free(c.in); free(c.out); free(c.R); free(gin);
}

/* ---- dropout (the mask is fixed by re-seeding its rng every forward) ------- */
typedef struct {
    size_t n;
    float p;
    float *in, *out, *mask, *R;
} drop_ctx;

static double drop_loss(void *p)
{
    drop_ctx *c = p;
    kws_rng r;
    kws_rng_seed(&r, 1234);
    kws_dropout_forward_f32(c->out, c->mask, c->in, c->n, c->p, &r);
    return dot_d(c->out, c->R, c->n);
}

static void check_dropout(size_t n, float p)
{
    printf("dropout n=%zu p=%.2f\n", n, p);
    drop_ctx c = {n, p, rand_buf(n, 1.0f), zero_buf(n), zero_buf(n), rand_buf(n, 1.0f)};
    float *gin = zero_buf(n);
    drop_loss(&c);
    size_t dropped = 0;
    for (size_t i = 0; i < n; i++) {
        dropped += c.mask[i] == 0.0f;
        CHECK(c.mask[i] == 0.0f || fabsf(c.mask[i] - 1.0f / (1.0f - p)) < 1e-6f);
    }
    CHECK(p == 0.0f ? dropped == 0 : (dropped > 0 && dropped < n));
    kws_dropout_backward_f32(gin, c.R, c.mask, n);
    gradcheck("dropout d/d input", drop_loss, &c, c.in, gin, n, 1e-2f, TOL_LINEAR);
    free(c.in); free(c.out); free(c.mask); free(c.R); free(gin);
}

/* ---- batch norm, training mode ---------------------------------------------- */
typedef struct {
    int B, C, HW;
    float *in, *gamma, *beta, *out, *mean, *invstd, *R;
} bn_ctx;

static double bn_loss(void *p)
{
    bn_ctx *c = p;
    kws_batchnorm_forward_train_f32(c->out, c->mean, c->invstd, NULL, NULL, c->in, c->gamma,
                                    c->beta, c->B, c->C, c->HW, 0.1f, 1e-3f);
    return dot_d(c->out, c->R, (size_t)c->B * c->C * c->HW);
}

static void check_batchnorm(int B, int C, int HW)
{
    printf("batchnorm (train) B=%d C=%d HW=%d\n", B, C, HW);
    const size_t n = (size_t)B * C * HW;
    bn_ctx c = {B, C, HW, rand_buf(n, 1.0f), rand_buf(C, 1.0f), rand_buf(C, 1.0f), zero_buf(n),
                zero_buf(C), zero_buf(C), rand_buf(n, 1.0f)};
    for (size_t i = 0; i < n; i++) /* an offset and a spread per sample */
        c.in[i] = 0.5f + 2.0f * c.in[i];
    float *gin = rand_buf(n, 9.0f), *gg = zero_buf(C), *gb = zero_buf(C);
    bn_loss(&c);
    kws_batchnorm_backward_f32(gin, gg, gb, c.R, c.in, c.mean, c.invstd, c.gamma, B, C, HW);
    gradcheck("batchnorm d/d input", bn_loss, &c, c.in, gin, n, 1e-2f, TOL_CURVED);
    gradcheck("batchnorm d/d gamma", bn_loss, &c, c.gamma, gg, C, 1e-2f, TOL_CURVED);
    gradcheck("batchnorm d/d beta", bn_loss, &c, c.beta, gb, C, 1e-2f, TOL_CURVED);
    /* in place: grad_in == grad_out gives the same result */
    float *g2 = malloc(sizeof(float) * n);
    memcpy(g2, c.R, sizeof(float) * n);
    kws_batchnorm_backward_f32(g2, NULL, NULL, g2, c.in, c.mean, c.invstd, c.gamma, B, C, HW);
    CHECK(memcmp(g2, gin, sizeof(float) * n) == 0);
    free(g2);
    free(c.in); free(c.gamma); free(c.beta); free(c.out); free(c.mean); free(c.invstd); free(c.R);
    free(gin); free(gg); free(gb);
}

/* ---- softmax + cross-entropy ------------------------------------------------ */
typedef struct {
    int B, N;
    float *logits, *probs, *w;
    int *labels;
} sx_ctx;

static double sx_loss(void *p)
{
    sx_ctx *c = p;
    return kws_softmax_xent_forward_f32(c->probs, c->logits, c->labels, c->w, c->B, c->N);
}

static void check_softmax_xent(int B, int N, int weighted)
{
    printf("softmax-xent B=%d N=%d %s\n", B, N, weighted ? "sample weights" : "unweighted");
    sx_ctx c = {B, N, rand_buf((size_t)B * N, 3.0f), zero_buf((size_t)B * N), NULL, NULL};
    c.labels = malloc(sizeof(int) * B);
    for (int b = 0; b < B; b++)
        c.labels[b] = kws_rng_below(&g_rng, N);
    if (weighted) {
        c.w = malloc(sizeof(float) * B);
        for (int b = 0; b < B; b++)
            c.w[b] = 0.25f + 2.0f * kws_rng_uniform(&g_rng);
    }
    float *g = zero_buf((size_t)B * N);
    const double loss = sx_loss(&c);
    /* the loss by hand, in double */
    double ref = 0.0, ws = 0.0;
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int i = 0; i < N; i++)
            s += exp((double)c.logits[b * N + i]);
        const double wb = weighted ? c.w[b] : 1.0;
        ref += wb * (log(s) - c.logits[b * N + c.labels[b]]);
        ws += wb;
    }
    CHECK_NEAR(loss, ref / ws, 1e-5 * fabs(ref / ws));
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int i = 0; i < N; i++)
            s += c.probs[b * N + i];
        CHECK_NEAR(s, 1.0, 1e-5);
    }
    kws_softmax_xent_backward_f32(g, c.probs, c.labels, c.w, B, N);
    gradcheck("softmax-xent d/d logits", sx_loss, &c, c.logits, g, (size_t)B * N, 1e-2f,
              TOL_CURVED);
    free(c.logits); free(c.probs); free(c.w); free(c.labels); free(g);
}

/* ---- a small chain: conv -> BN -> ReLU -> pool -> dense -> softmax-xent ------ */
typedef struct {
    int B;
    float *x, *cw, *cb, *c1, *gam, *bet, *bn, *mean, *invstd, *pool, *dw, *db, *logits, *probs;
    float *scratch;
    int32_t *am;
    int labels[3];
} chain_ctx;

enum { CH_C = 3, CH_H = 4, CH_W = 6, CH_N = 4 };

static double chain_loss(void *p)
{
    chain_ctx *c = p;
    const int B = c->B, HW = CH_H * CH_W, K = CH_C * (CH_H / 2) * (CH_W / 2);
    kws_conv2d_forward_f32(c->c1, c->x, c->cw, c->cb, B, 1, CH_C, CH_H, CH_W, 3, c->scratch);
    kws_batchnorm_forward_train_f32(c->bn, c->mean, c->invstd, NULL, NULL, c->c1, c->gam, c->bet,
                                    B, CH_C, HW, 0.1f, 1e-3f);
    kws_relu_forward_f32(c->bn, c->bn, (size_t)B * CH_C * HW);
    kws_maxpool2x2_forward_f32(c->pool, c->am, c->bn, B, CH_C, CH_H, CH_W);
    kws_dense_forward_f32(c->logits, c->pool, c->dw, c->db, B, K, CH_N);
    kws_softmax_xent_forward_f32(c->probs, c->logits, c->labels, NULL, B, CH_N);
    /* the loss again in double: the float one would be the noise floor of
     * the finite differences at this small h */
    double loss = 0.0;
    for (int b = 0; b < B; b++) {
        const float *z = c->logits + b * CH_N;
        double s = 0.0;
        for (int i = 0; i < CH_N; i++)
            s += exp((double)z[i]);
        loss += log(s) - z[c->labels[b]];
    }
    return loss / B;
}

static void check_chain(void)
{
    printf("chain conv-bn-relu-pool-dense-xent\n");
    const int B = 3, HW = CH_H * CH_W, K = CH_C * (CH_H / 2) * (CH_W / 2);
    chain_ctx c = {0};
    c.B = B;
    c.x = rand_buf((size_t)B * HW, 1.0f);
    c.cw = rand_buf(CH_C * 9, 0.5f);
    c.cb = rand_buf(CH_C, 0.5f);
    c.c1 = zero_buf((size_t)B * CH_C * HW);
    c.gam = rand_buf(CH_C, 1.0f);
    c.bet = rand_buf(CH_C, 1.0f);
    c.bn = zero_buf((size_t)B * CH_C * HW);
    c.mean = zero_buf(CH_C);
    c.invstd = zero_buf(CH_C);
    c.pool = zero_buf((size_t)B * K);
    c.dw = rand_buf((size_t)CH_N * K, 0.5f);
    c.db = rand_buf(CH_N, 0.5f);
    c.logits = zero_buf((size_t)B * CH_N);
    c.probs = zero_buf((size_t)B * CH_N);
    c.scratch = zero_buf(kws_conv2d_scratch_size(B, 1, CH_C, CH_H, CH_W, 3));
    c.am = malloc(sizeof(int32_t) * (size_t)B * K);
    c.labels[0] = 1; c.labels[1] = 3; c.labels[2] = 0;
    chain_loss(&c);
    float *glog = zero_buf((size_t)B * CH_N), *gpool = zero_buf((size_t)B * K);
    float *gbn = zero_buf((size_t)B * CH_C * HW), *gc1 = zero_buf((size_t)B * CH_C * HW);
    float *gx = zero_buf((size_t)B * HW), *gcw = zero_buf(CH_C * 9), *gcb = zero_buf(CH_C);
    float *ggam = zero_buf(CH_C), *gbet = zero_buf(CH_C), *gdw = zero_buf((size_t)CH_N * K);
    float *gdb = zero_buf(CH_N);
    kws_softmax_xent_backward_f32(glog, c.probs, c.labels, NULL, B, CH_N);
    kws_dense_backward_f32(gpool, gdw, gdb, glog, c.pool, c.dw, B, K, CH_N);
    kws_maxpool2x2_backward_f32(gbn, gpool, c.am, B, CH_C, CH_H, CH_W);
    kws_relu_backward_f32(gbn, gbn, c.bn, (size_t)B * CH_C * HW);
    kws_batchnorm_backward_f32(gc1, ggam, gbet, gbn, c.c1, c.mean, c.invstd, c.gam, B, CH_C, HW);
    kws_conv2d_backward_f32(gx, gcw, gcb, gc1, c.x, c.cw, B, 1, CH_C, CH_H, CH_W, 3, c.scratch);
    /* h = 3e-3: small enough not to cross the ReLU and max-pool kinks here,
     * large enough to keep the float rounding noise at ~5e-3 */
    gradcheck("chain d/d input", chain_loss, &c, c.x, gx, (size_t)B * HW, 3e-3f, 2e-2);
    gradcheck("chain d/d conv weight", chain_loss, &c, c.cw, gcw, CH_C * 9, 3e-3f, 2e-2);
    gradcheck("chain d/d bn gamma", chain_loss, &c, c.gam, ggam, CH_C, 3e-3f, 2e-2);
    gradcheck("chain d/d dense weight", chain_loss, &c, c.dw, gdw, (size_t)CH_N * K, 3e-3f, 2e-2);
    float *bufs[] = {c.x, c.cw, c.cb, c.c1, c.gam, c.bet, c.bn, c.mean, c.invstd, c.pool, c.dw,
                     c.db, c.logits, c.probs, c.scratch, glog, gpool, gbn, gc1, gx, gcw, gcb,
                     ggam, gbet, gdw, gdb};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(c.am);
}

int main(void)
{
    kws_rng_seed(&g_rng, 42);
    check_conv(2, 3, 4, 5, 6, 3);
    check_conv(1, 2, 3, 4, 7, 5);
    check_conv(2, 3, 2, 3, 4, 1);
    check_conv(2, 1, 3, 6, 5, 3);
    check_conv(2, 2, 2, 2, 3, 5); /* plane smaller than the kernel's reach */
    check_dense(3, 7, 5);
    check_dense(1, 13, 4);
    check_maxpool(2, 2, 4, 6, 0);
    check_maxpool(1, 3, 5, 7, 0);
    check_relu(57);
    check_dropout(64, 0.5f);
    check_dropout(16, 0.0f);
    check_batchnorm(3, 4, 5);
    check_batchnorm(6, 5, 1);
    check_softmax_xent(4, 10, 0);
    check_softmax_xent(5, 7, 1);
    check_chain();
    /* after the chain: the generator's earlier draws stay what they were */
    check_maxpool(2, 2, 4, 6, 1);
    check_maxpool(1, 3, 5, 3, 1);
    check_crop(2, 3, 4, 7, 1, 5);
    check_crop(1, 2, 3, 9, 2, 5);
    return test_summary("test_gradcheck");
}
