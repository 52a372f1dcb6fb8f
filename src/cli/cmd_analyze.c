/* cmd_analyze.c - `kws analyze`: per-layer ROM, RAM and MACC of a network
 * for one quantization mode or all of them side by side, and whether it fits
 * the target (kws/analyze.h has the formulas). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kws/analyze.h"
#include "kws/model.h"
#include "kws/quant.h"
#include "kws/topology.h"

#define N_MODES 5

static void help(void)
{
    printf("usage: kws analyze (--model M.kwsm | --net FILE.kwsnet) [options]\n\n"
           "Per layer: output shape, MACC, ROM bytes (weights, biases, requant/batch-norm\n"
           "params in the integer formats of docs/quantization.md) and activation bytes\n"
           "with their shares; totals; peak RAM with ping-pong buffer reuse and without;\n"
           "and whether it fits the target. Code size is not included.\n\n"
           "options:\n"
           "  -m, --model FILE   a trained model (.kwsm): its topology and quantization spec\n"
           "  -n, --net FILE     a network description (.kwsnet)\n"
           "  -q, --quant MODE   float, int8, hybrid, int8-act, binary-conv, or all (side by\n"
           "                     side, TABLE2 format, with the paper's numbers);\n"
           "                     default: the spec as written in the model or description\n"
           "  -t, --target NAME  stm32l496 (default; 1 MiB flash, 320 KiB RAM)\n"
           "      --csv FILE     also write the report as CSV ('-': standard output)\n"
           "  -h, --help         this help\n");
}

/* t with every conv2d/dense layer float (mode "float": true FP32). */
static kws_status force_float(kws_topology *t, kws_error *err)
{
    for (int i = 0; i < t->n_layers; i++) {
        t->layers[i].wq = KWS_QW_FLOAT;
        t->layers[i].aq = KWS_QA_FLOAT;
    }
    return kws_topology_resolve(t, NULL, err);
}

static kws_status analyze_mode(const kws_topology *base, int mode, kws_topology *work,
                               kws_analysis *a, kws_error *err)
{
    *work = *base;
    kws_status st = KWS_OK;
    if (mode == KWS_QUANT_FLOAT)
        st = force_float(work, err);
    else if (mode >= 0)
        st = kws_quant_apply_mode(work, (kws_quant_mode)mode, err);
    if (st == KWS_OK)
        st = kws_analyze(work, a, err);
    return st;
}

int kws_cmd_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"net", required_argument, NULL, 'n'},
        {"quant", required_argument, NULL, 'q'}, {"target", required_argument, NULL, 't'},
        {"csv", required_argument, NULL, 'c'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *model_path = NULL, *net_path = NULL, *quant = NULL, *target_name = "stm32l496";
    const char *csv_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:n:q:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_path = optarg; break;
        case 'n': net_path = optarg; break;
        case 'q': quant = optarg; break;
        case 't': target_name = optarg; break;
        case 'c': csv_path = optarg; break;
        case 'h': help(); return 0;
        default: return kws_cli_fail("analyze", "see 'kws analyze --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("analyze", "unexpected argument '%s' (see --help)", argv[optind]);
    if (!model_path == !net_path)
        return kws_cli_fail("analyze", "give exactly one of --model or --net (see --help)");

    kws_error err;
    kws_error_clear(&err);
    kws_target target;
    if (kws_target_get(target_name, &target, &err) != KWS_OK)
        return kws_cli_fail_error("analyze", &err);

    /* -1: as written; 0..N_MODES-1: one mode; N_MODES: all */
    int mode = -1;
    if (quant && !strcmp(quant, "all")) {
        mode = N_MODES;
    } else if (quant) {
        kws_quant_mode qm;
        if (kws_quant_mode_parse(quant, &qm, &err) != KWS_OK)
            return kws_cli_fail("analyze", "--quant: %s, or all", err.msg);
        mode = (int)qm;
    }

    kws_topology *base = malloc(2 * sizeof *base);
    kws_analysis *an = malloc(N_MODES * sizeof *an);
    if (!base || !an) {
        free(base);
        free(an);
        return kws_cli_fail("analyze", "out of memory");
    }
    kws_topology *work = base + 1;
    const char *src = model_path ? model_path : net_path;
    int rc = 0;
    if (model_path) {
        kws_model m;
        if (kws_model_load(&m, model_path, NULL, &err) != KWS_OK) {
            rc = kws_cli_fail_error("analyze", &err);
        } else {
            *base = m.topo;
            kws_model_free(&m);
        }
    } else if (kws_topology_load(base, net_path, NULL, &err) != KWS_OK) {
        rc = kws_cli_fail_error("analyze", &err);
    }

    const char *labels[N_MODES];
    int n = 0;
    if (!rc) {
        int from = mode == N_MODES ? 0 : mode, to = mode == N_MODES ? N_MODES : mode + 1;
        for (int m = from; m < to && !rc; m++, n++) {
            labels[n] = m < 0 ? "as-written" : kws_quant_mode_str((kws_quant_mode)m);
            if (analyze_mode(base, m, work, &an[n], &err) != KWS_OK)
                rc = kws_cli_fail("analyze", "%s (mode %s): %s", src, labels[n], err.msg);
        }
    }
    if (!rc) {
        printf("kws analyze: %s, %d layers, input %dx%dx%d, target %s\n\n", src, base->n_layers,
               base->in_h, base->in_w, base->in_c, target.name);
        for (int m = 0; m < n; m++) {
            char label[96];
            snprintf(label, sizeof label, "mode %s", labels[m]);
            kws_analysis_print(stdout, &an[m], label, &target);
            printf("\n");
        }
        if (n > 1)
            kws_analysis_print_compare(stdout, an, labels, n, &target,
                                       kws_analyze_is_paper_net(base));
    }
    if (!rc && csv_path) {
        int to_stdout = !strcmp(csv_path, "-");
        if (!to_stdout && kws_cli_make_parent_dir("analyze", csv_path))
            rc = 1;
        FILE *f = rc ? NULL : to_stdout ? stdout : fopen(csv_path, "w");
        if (!rc && !f) {
            rc = kws_cli_fail("analyze", "%s: cannot write", csv_path);
        } else if (!rc) {
            for (int m = 0; m < n; m++)
                kws_analysis_csv(f, &an[m], labels[m], &target, m == 0);
            int bad = ferror(f) != 0;
            if (!to_stdout && fclose(f) != 0)
                bad = 1;
            if (bad)
                rc = kws_cli_fail("analyze", "%s: write failed", csv_path);
        }
    }
    if (fflush(stdout) != 0)
        rc = 1;
    free(base);
    free(an);
    return rc;
}
