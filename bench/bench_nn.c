/* bench_nn.c - forward + backward throughput of the paper network built from
 * the kws_nn layers (tests/nn/paper_net.h), in samples/s at batch 64, then
 * the same network in PyTorch (bench/bench_nn_torch.py, 2 threads) so the
 * two numbers come from one run. Also times each conv layer alone.
 *
 * Usage: bench_nn [iters] [batch] [threads]   (defaults 10, 64, 2); threads
 * go to kws_nn_set_threads (OpenBLAS and OpenMP) and torch.set_num_threads.
 * On a machine shared with other busy processes, compare 1 and 2 threads:
 * thread pools that spin while a sibling is descheduled lose badly there
 * (OMP_WAIT_POLICY=passive helps OpenMP's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kws/net.h"
#include "kws/nn.h"
#include "kws/topology.h"
#include "tests/nn/paper_net.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

/* CPU time of all the process's threads: with other busy processes on the
 * machine, wall time per batch varies run to run, this much less. */
static double cpu_now(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* Each conv layer's forward and backward alone (the bulk of the work). */
static void conv_breakdown(paper_net *pn, const float *x, int iters)
{
    printf("per conv layer, ms per batch of %d (forward | backward incl. input grad):\n", pn->B);
    double tf_all = 0.0, tb_all = 0.0;
    for (int i = 0; i < PN_NCONV; i++) {
        const float *in = pn_conv_input(pn, i, x);
        double t0 = now();
        for (int it = 0; it < iters; it++)
            kws_conv2d_forward_f32(pn->conv[i], in, pn->p[4 * i], pn->p[4 * i + 1], pn->B,
                                   pn_cin[i], pn_cout[i], pn->h[i], pn->w[i], 3, pn->scratch);
        const double tf = (now() - t0) / iters;
        t0 = now();
        for (int it = 0; it < iters; it++)
            kws_conv2d_backward_f32(i ? pn_grad_input(pn, i) : NULL, pn->g[4 * i],
                                    pn->g[4 * i + 1], pn->g_act[i], in, pn->p[4 * i], pn->B,
                                    pn_cin[i], pn_cout[i], pn->h[i], pn->w[i], 3, pn->scratch);
        const double tb = (now() - t0) / iters;
        const double macs = (double)pn->B * pn_cout[i] * pn_cin[i] * 9 * pn->h[i] * pn->w[i];
        printf("  conv%d %2d->%2d %2dx%2d  %7.2f | %7.2f   (%.1f | %.1f GFLOP/s)\n", i, pn_cin[i],
               pn_cout[i], pn->h[i], pn->w[i], 1e3 * tf, 1e3 * tb, 2e-9 * macs / tf,
               (i ? 4e-9 : 2e-9) * macs / tb);
        tf_all += tf;
        tb_all += tb;
    }
    printf("  all convs             %7.2f | %7.2f\n", 1e3 * tf_all, 1e3 * tb_all);
}

int main(int argc, char **argv)
{
    const int iters = argc > 1 ? atoi(argv[1]) : 10;
    const int B = argc > 2 ? atoi(argv[2]) : 64;
    const int threads = argc > 3 ? atoi(argv[3]) : 2;
    if (iters <= 0 || B <= 0 || threads <= 0) {
        fprintf(stderr, "usage: bench_nn [iters] [batch] [threads]\n");
        return 2;
    }
    kws_nn_set_threads(threads);
    paper_net pn;
    if (paper_net_init(&pn, B, 0) != 0) {
        fprintf(stderr, "bench_nn: out of memory\n");
        return 1;
    }
    kws_rng r;
    kws_rng_seed(&r, 1);
    for (int t = 0; t < PN_NPARAM; t++) {
        const int is_weight =
            t == PN_D0W || t == PN_D1W || t == PN_D2W || (t < PN_D0W && t % 4 == 0);
        const int is_gamma = t == PN_BN6G || (t < PN_D0W && t % 4 == 2);
        const int fan_out = t < PN_D0W ? pn_cout[t / 4] : t == PN_D2W ? PN_CLASSES : PN_HID;
        if (is_weight)
            kws_init_he_normal(pn.p[t], pn.count[t], (int)(pn.count[t] / fan_out), &r);
        for (size_t k = 0; !is_weight && k < pn.count[t]; k++)
            pn.p[t][k] = is_gamma ? 1.0f : 0.0f;
    }
    float *x = malloc(sizeof(float) * B * PN_H * PN_W);
    int *labels = malloc(sizeof(int) * B);
    for (int i = 0; i < B * PN_H * PN_W; i++)
        x[i] = kws_rng_normal(&r);
    for (int b = 0; b < B; b++)
        labels[b] = kws_rng_below(&r, PN_CLASSES);

    paper_net_forward(&pn, x, labels); /* warm-up */
    paper_net_backward(&pn, x, labels);
    double tf = 0.0, tb = 0.0;
    const double c0 = cpu_now();
    for (int it = 0; it < iters; it++) {
        const double t0 = now();
        paper_net_forward(&pn, x, labels);
        const double t1 = now();
        paper_net_backward(&pn, x, labels);
        tf += t1 - t0;
        tb += now() - t1;
    }
    const double cpu = cpu_now() - c0;
    printf("kws_nn: B=%d threads=%d %d iters: forward %.1f ms + backward %.1f ms per batch, "
           "%.0f samples/s (forward + backward); CPU %.1f ms per batch\n",
           B, kws_nn_threads(), iters, 1e3 * tf / iters, 1e3 * tb / iters,
           (double)B * iters / (tf + tb), 1e3 * cpu / iters);
    conv_breakdown(&pn, x, iters);
    fflush(stdout);

    /* The trainer's own path: kws_net on models/paper.kwsnet, plus the Adam step. */
    kws_topology topo;
    kws_net net;
    kws_error err;
    if (kws_topology_load(&topo, KWS_SOURCE_DIR "/models/paper.kwsnet", NULL, &err) ||
        kws_net_create(&net, &topo, B, &err)) {
        fprintf(stderr, "bench_nn: %s\n", err.msg);
        return 1;
    }
    kws_net_init(&net, 1);
    float *probs = malloc(sizeof(float) * B * topo.n_classes);
    float *dlogits = malloc(sizeof(float) * B * topo.n_classes);
    kws_adam adam = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 0, 0};
    double t_step = 0.0;
    for (int it = -2; it < iters; it++) { /* two warm-up steps */
        const double t0 = now();
        kws_net_zero_grad(&net);
        kws_net_forward(&net, x, B, KWS_MODE_TRAIN);
        kws_softmax_xent_forward_f32(probs, net.logits, labels, NULL, B, topo.n_classes);
        kws_softmax_xent_backward_f32(dlogits, probs, labels, NULL, B, topo.n_classes);
        kws_net_backward(&net, dlogits);
        kws_adam_step(&adam, net.params, net.grads, net.adam_m, net.adam_v, net.decay_mask,
                      net.n_params);
        if (it >= 0)
            t_step += now() - t0;
    }
    printf("kws_net (models/paper.kwsnet, the trainer's path): B=%d threads=%d: %.1f ms per "
           "training step, %.0f samples/s (forward + backward + Adam)\n",
           B, kws_nn_threads(), 1e3 * t_step / iters, (double)B * iters / t_step);
    fflush(stdout);
    free(probs);
    free(dlogits);
    kws_net_free(&net);

    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 %s/bench/bench_nn_torch.py --batch %d --iters %d --threads %d",
             KWS_SOURCE_DIR, B, iters, threads);
    const int rc = system(cmd);
    if (rc != 0)
        printf("torch: not measured (bench_nn_torch.py exited with %d)\n", rc);

    free(x);
    free(labels);
    paper_net_free(&pn);
    return 0;
}
