/* test_train.c - end-to-end sanity of net + loss + Adam: a small CNN learns
 * four separable synthetic classes (a bright blob in one quadrant of a noisy
 * 8x8 image, at a jittered position) to > 95 % held-out accuracy in a few
 * hundred steps, and the trained net survives a save/load round trip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kws/model.h"
#include "kws/net.h"
#include "kws/nn.h"
#include "tests/model/model_fixtures.h"
#include "tests/test.h"

enum { H = 8, W = 8, K = 4, BATCH = 32, N_TRAIN = 1024, N_TEST = 512, EPOCHS = 6 };

int main(void)
{
    kws_topology t;
    if (!CHECK(fx_parse(&t, "input 1 8 8\n"
                            "conv2d 8 kernel=3 relu bn maxpool=2\n"
                            "flatten\n"
                            "dense 16 relu dropout=0.1\n"
                            "dense 4\n") == KWS_OK))
        return test_summary("test_model_train");
    kws_net net;
    kws_error e;
    if (!CHECK(kws_net_create(&net, &t, BATCH, &e) == KWS_OK))
        return test_summary("test_model_train");
    kws_net_init(&net, 2024);

    kws_rng r;
    kws_rng_seed(&r, 77);
    float *xtr = malloc(sizeof(float) * N_TRAIN * H * W);
    float *xte = malloc(sizeof(float) * N_TEST * H * W);
    int *ytr = malloc(sizeof(int) * N_TRAIN), *yte = malloc(sizeof(int) * N_TEST);
    fx_blob_data(xtr, ytr, N_TRAIN, &r);
    fx_blob_data(xte, yte, N_TEST, &r);
    float before = fx_blob_accuracy(&net, xte, yte, N_TEST, BATCH);

    kws_adam opt = {3e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 1, 0};
    float probs[BATCH * K], dlogits[BATCH * K];
    float first_loss = 0.0f, last_loss = 0.0f;
    for (int ep = 0; ep < EPOCHS; ep++) {
        double sum = 0.0;
        int batches = 0;
        for (int s = 0; s + BATCH <= N_TRAIN; s += BATCH) {
            kws_net_zero_grad(&net);
            kws_net_forward(&net, xtr + (size_t)s * H * W, BATCH, KWS_MODE_TRAIN);
            float loss = kws_softmax_xent_forward_f32(probs, net.logits, ytr + s, NULL, BATCH, K);
            kws_softmax_xent_backward_f32(dlogits, probs, ytr + s, NULL, BATCH, K);
            kws_net_backward(&net, dlogits);
            kws_adam_step(&opt, net.params, net.grads, net.adam_m, net.adam_v, net.decay_mask,
                          net.n_params);
            sum += loss;
            batches++;
        }
        if (ep == 0)
            first_loss = (float)(sum / batches);
        last_loss = (float)(sum / batches);
    }
    float after = fx_blob_accuracy(&net, xte, yte, N_TEST, BATCH);
    printf("train: loss %.4f -> %.4f, held-out accuracy %.1f %% -> %.1f %% (%ld steps)\n",
           (double)first_loss, (double)last_loss, 100.0 * before, 100.0 * after, opt.step);
    CHECK(after > 0.95f);
    CHECK(last_loss < 0.5f * first_loss);

    /* the trained model through the file format gives the same accuracy */
    float norm[2 * 64];
    kws_model m, back;
    fx_model(&m, &net, norm);
    uint8_t *bytes;
    size_t len;
    if (CHECK(kws_model_serialize(&m, &bytes, &len, &e) == KWS_OK)) {
        if (CHECK(kws_model_parse(&back, bytes, len, NULL, NULL, &e) == KWS_OK)) {
            kws_net n2;
            if (CHECK(kws_net_create(&n2, &back.topo, BATCH, &e) == KWS_OK)) {
                kws_net_set_params(&n2, back.params, back.bn_stats);
                CHECK(fx_blob_accuracy(&n2, xte, yte, N_TEST, BATCH) == after);
                kws_net_free(&n2);
            }
            kws_model_free(&back);
        }
        free(bytes);
    }
    free(xtr);
    free(xte);
    free(ytr);
    free(yte);
    kws_net_free(&net);
    return test_summary("test_model_train");
}
