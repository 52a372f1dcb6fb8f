/* test_optim.c - Adam/AdamW and SGD steps against known values for three
 * steps; learning-rate schedules at known epochs.
 *
 * Parameters p0 = (1, -2, 0.5, 0), decay mask (1, 1, 0, 1), gradients per
 * step below. Expected values are PyTorch's (torch.optim.Adam / AdamW / SGD
 * in float64, weight decay in a parameter group of the masked entries).
 * Step 1 by hand, Adam with L2 0.1, lr 0.01: g0 = 0.1 + 0.1*1 = 0.2,
 * m = 0.02, v = 4e-5, mhat = 0.2, vhat = 0.04, p = 1 - 0.01*0.2/(0.2+1e-8)
 * = 0.99; p3: g = 0 + 0.1*0 = 0, so it stays 0. AdamW step 1: p0 is shrunk
 * to 1*(1 - 0.01*0.1) = 0.999 and g0 = 0.1 gives 0.999 - 0.01 = 0.989.
 * SGD, lr 0.1, momentum 0.9, L2 0.1, step 1: g0 = 0.2, v = 0.2,
 * p = 1 - 0.02 = 0.98; Nesterov: d = 0.2 + 0.9*0.2 = 0.38, p = 0.962.
 */
#include "kws/nn.h"
#include "tests/test.h"

enum { NP = 4, STEPS = 3 };
static const float p0[NP] = {1.0f, -2.0f, 0.5f, 0.0f};
static const uint8_t mask[NP] = {1, 1, 0, 1};
static const float grads[STEPS][NP] = {
    {0.1f, -0.3f, 2.0f, 0.0f}, {0.2f, 0.1f, -1.0f, 0.5f}, {-0.4f, 0.3f, 0.5f, -0.25f}};

static const double adam_l2[STEPS][NP] = {
    {0.990000001, -1.99, 0.49, 0.0},
    {0.980089705, -1.98198112, 0.48733663, -0.00744136803},
    {0.978333015, -1.97715513, 0.483932338, -0.00971790678}};
static const double adamw[STEPS][NP] = {
    {0.989000001, -1.988, 0.49, 0.0},
    {0.978359181, -1.98200981, 0.48733663, -0.00744136803},
    {0.979318767, -1.98218322, 0.483932338, -0.00972033034}};
static const double sgd_mom[STEPS][NP] = {
    {0.98, -1.95, 0.3, 0.0}, {0.9322, -1.8955, 0.22, -0.05}, {0.919858, -1.857495, 0.098, -0.0695}};
static const double sgd_nest[STEPS][NP] = {{0.962, -1.905, 0.12, 0.0},
                                           {0.889522, -1.847305, 0.148, -0.095},
                                           {0.910048882, -1.82542571, -0.0118, -0.086195}};
static const double sgd_plain[STEPS][NP] = {
    {0.99, -1.97, 0.3, 0.0}, {0.97, -1.98, 0.4, -0.05}, {1.01, -2.01, 0.35, -0.025}};

static void check_adam(int w, const double expect[STEPS][NP])
{
    kws_adam opt = {0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, w, 0};
    float p[NP], m[NP] = {0}, v[NP] = {0};
    for (int i = 0; i < NP; i++)
        p[i] = p0[i];
    for (int s = 0; s < STEPS; s++) {
        kws_adam_step(&opt, p, grads[s], m, v, mask, NP);
        CHECK_EQ_INT(opt.step, s + 1);
        for (int i = 0; i < NP; i++)
            CHECK_NEAR(p[i], expect[s][i], 2e-6);
    }
}

static void check_sgd(float momentum, float wd, int nesterov, const double expect[STEPS][NP])
{
    kws_sgd opt = {0.1f, momentum, wd, nesterov};
    float p[NP], vel[NP] = {0};
    for (int i = 0; i < NP; i++)
        p[i] = p0[i];
    for (int s = 0; s < STEPS; s++) {
        kws_sgd_step(&opt, p, grads[s], momentum != 0.0f ? vel : NULL, mask, NP);
        for (int i = 0; i < NP; i++)
            CHECK_NEAR(p[i], expect[s][i], 2e-6);
    }
}

static void check_lr(void)
{
    kws_lr_schedule c = {.kind = KWS_LR_CONSTANT, .base_lr = 0.1f, .total_epochs = 30};
    CHECK_NEAR(kws_lr_at(&c, 0.0f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&c, 29.5f), 0.1, 1e-7);

    /* warm-up 5 epochs, per epoch: base/5 in epoch 0, base from epoch 4 */
    kws_lr_schedule w = {.kind = KWS_LR_CONSTANT, .base_lr = 0.1f, .warmup_epochs = 5,
                         .total_epochs = 30};
    CHECK_NEAR(kws_lr_at(&w, 0.0f), 0.02, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 0.5f), 0.02, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 2.0f), 0.06, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 4.0f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 4.5f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 10.0f), 0.1, 1e-7);
    /* per step, 4 steps an epoch: step s of the 20 warm-up steps has (s+1)/20 */
    w.steps_per_epoch = 4;
    CHECK_NEAR(kws_lr_at(&w, 0.0f), 0.1 / 20, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 0.25f), 0.1 * 2 / 20, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 2.5f), 0.1 * 11 / 20, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 4.75f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&w, 5.0f), 0.1, 1e-7);

    /* step: halve every 10 epochs */
    kws_lr_schedule st = {.kind = KWS_LR_STEP, .base_lr = 0.1f, .step_epochs = 10,
                          .step_gamma = 0.5f, .total_epochs = 30};
    CHECK_NEAR(kws_lr_at(&st, 0.0f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&st, 9.9f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&st, 10.0f), 0.05, 1e-7);
    CHECK_NEAR(kws_lr_at(&st, 25.0f), 0.025, 1e-7);
    /* with 2 warm-up epochs the steps count from epoch 2 */
    st.warmup_epochs = 2;
    CHECK_NEAR(kws_lr_at(&st, 0.0f), 0.05, 1e-7);
    CHECK_NEAR(kws_lr_at(&st, 11.9f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&st, 12.0f), 0.05, 1e-7);

    /* cosine from 0.1 to 0.001 over 30 epochs */
    kws_lr_schedule co = {.kind = KWS_LR_COSINE, .base_lr = 0.1f, .min_lr = 0.001f,
                          .total_epochs = 30};
    CHECK_NEAR(kws_lr_at(&co, 0.0f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 15.0f), 0.0505, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 7.5f), 0.001 + 0.099 * (1.0 + sqrt(0.5)) / 2.0, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 30.0f), 0.001, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 45.0f), 0.001, 1e-7);
    CHECK(kws_lr_at(&co, 29.0f) > 0.001f && kws_lr_at(&co, 29.0f) < kws_lr_at(&co, 28.0f));
    /* cosine after 3 warm-up epochs, over 33 */
    co.warmup_epochs = 3;
    co.total_epochs = 33;
    CHECK_NEAR(kws_lr_at(&co, 1.0f), 0.1 * 2.0 / 3.0, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 3.0f), 0.1, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 18.0f), 0.0505, 1e-7);
    CHECK_NEAR(kws_lr_at(&co, 33.0f), 0.001, 1e-7);
}

int main(void)
{
    check_adam(0, adam_l2);
    check_adam(1, adamw);
    check_sgd(0.9f, 0.1f, 0, sgd_mom);
    check_sgd(0.9f, 0.1f, 1, sgd_nest);
    check_sgd(0.0f, 0.0f, 0, sgd_plain);
    check_lr();
    return test_summary("test_optim");
}
