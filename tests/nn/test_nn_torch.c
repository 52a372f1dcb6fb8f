/* test_nn_torch.c - the paper network chained from the kws_nn layers
 * (paper_net.h) against PyTorch: tests/reference/nn_reference.py wrote the
 * weights, a batch of 4 inputs, every block's output, the loss, the BN
 * running statistics and every gradient (tests/data/nn_torch.idx/.bin).
 *
 * Usage: test_nn_torch [DIR]   (DIR holding nn_torch.idx/.bin; default
 * $KWS_TEST_DATA). For each named tensor it prints the max abs difference
 * and that difference relative to the tensor's largest magnitude, and fails
 * when the relative figure exceeds the tolerance: 1e-4 for forward tensors,
 * 2e-4 for gradients (float32 on both sides, sums in a different order; the
 * gradients pass back through seven batch norms. Observed on x86-64 with
 * OpenBLAS: <= 7e-6 forward, <= 2e-5 backward).
 *
 * The biases of layers followed by a batch norm (conv0..5, dense1) have a
 * true gradient of 0 (the norm removes any constant shift), so both sides
 * hold rounding noise there; they are measured against the largest gradient
 * of the same layer's weight instead of their own. Exit status non-zero on
 * any failure or missing tensor.
 */
#include <stdint.h>
#include <string.h>
#include "tests/nn/paper_net.h"
#include "tests/test.h"

#define TOL_FORWARD 1e-4
#define TOL_GRAD 2e-4
#define MAX_T 128

typedef struct {
    char name[64], dtype[8];
    double scale;
    long stride, offset, count;
    size_t full; /* product of dims */
} entry;

static entry g_idx[MAX_T];
static int g_n;
static unsigned char *g_blob;
static long g_blob_len;

static int load(const char *dir)
{
    char path[1024];
    if (snprintf(path, sizeof path, "%s/nn_torch.idx", dir) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open (run tests/reference/nn_reference.py)\n", path);
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof line, f) && g_n < MAX_T) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        entry *e = &g_idx[g_n];
        int ndim, used;
        if (sscanf(line, "%63s %7s %lf %ld %ld %ld %d%n", e->name, e->dtype, &e->scale,
                   &e->stride, &e->offset, &e->count, &ndim, &used) != 7) {
            fprintf(stderr, "%s: malformed line: %s", path, line);
            fclose(f);
            return -1;
        }
        e->full = 1;
        const char *p = line + used;
        for (int d = 0; d < ndim; d++) {
            int dim, u;
            if (sscanf(p, "%d%n", &dim, &u) != 1) {
                fprintf(stderr, "%s: bad dims: %s", path, line);
                fclose(f);
                return -1;
            }
            e->full *= (size_t)dim;
            p += u;
        }
        g_n++;
    }
    fclose(f);
    if (snprintf(path, sizeof path, "%s/nn_torch.bin", dir) >= (int)sizeof path)
        return -1;
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    g_blob_len = ftell(f);
    fseek(f, 0, SEEK_SET);
    g_blob = malloc((size_t)g_blob_len);
    if (!g_blob || fread(g_blob, 1, (size_t)g_blob_len, f) != (size_t)g_blob_len) {
        fprintf(stderr, "%s: short read\n", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static const entry *find(const char *name)
{
    for (int i = 0; i < g_n; i++)
        if (strcmp(g_idx[i].name, name) == 0)
            return &g_idx[i];
    return NULL;
}

/* Values of entry e as doubles (count of them); NULL if missing/out of range. */
static double *values(const entry *e)
{
    const long bytes = e->count * (strcmp(e->dtype, "f32") == 0 ? 4 : 1);
    if (e->offset < 0 || e->offset + bytes > g_blob_len)
        return NULL;
    double *v = malloc(sizeof(double) * (size_t)(e->count ? e->count : 1));
    for (long i = 0; i < e->count; i++) {
        if (strcmp(e->dtype, "f32") == 0) {
            float x;
            memcpy(&x, g_blob + e->offset + 4 * i, 4); /* the file is little-endian */
            v[i] = x;
        } else {
            v[i] = (int8_t)g_blob[e->offset + i] * e->scale;
        }
    }
    return v;
}

/* Fill dst (n floats) from the named tensor; 0 on success. */
static int get(const char *name, float *dst, size_t n)
{
    const entry *e = find(name);
    double *v = e ? values(e) : NULL;
    if (!v || e->stride != 1 || (size_t)e->count != n) {
        fprintf(stderr, "FAIL golden tensor %s missing or of the wrong size\n", name);
        test_report(0, __FILE__, __LINE__, name);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)v[i];
    free(v);
    return 0;
}

/* Largest |value| of a golden tensor (0 if missing). */
static double golden_max(const char *name)
{
    const entry *e = find(name);
    double *v = e ? values(e) : NULL, m = 0.0;
    for (long i = 0; v && i < e->count; i++)
        m = fabs(v[i]) > m ? fabs(v[i]) : m;
    free(v);
    return m;
}

/* Compare our tensor c (n floats, full size) with the golden one: max abs
 * difference over max(max |golden|, floor) must be <= tol. */
static void compare(const char *name, const float *c, size_t n, double tol, double floor)
{
    const entry *e = find(name);
    double *v = e ? values(e) : NULL;
    if (!v || e->full != n) {
        fprintf(stderr, "FAIL golden tensor %s missing or of the wrong size\n", name);
        test_report(0, __FILE__, __LINE__, name);
        free(v);
        return;
    }
    double max_abs = 0.0, max_ref = 0.0;
    for (long i = 0; i < e->count; i++) {
        const double d = fabs((double)c[(size_t)i * e->stride] - v[i]);
        max_abs = d > max_abs ? d : max_abs;
        max_ref = fabs(v[i]) > max_ref ? fabs(v[i]) : max_ref;
    }
    const double den = max_ref > floor ? max_ref : floor;
    const double rel = den > 0.0 ? max_abs / den : max_abs;
    printf("  %-22s %7ld%s max|ref| %9.3e  max abs diff %9.3e  rel %9.3e%s %s\n", name,
           e->count, e->stride > 1 ? "*" : " ", max_ref, max_abs, rel, floor > max_ref ? "+" : " ",
           rel <= tol ? "ok" : "FAIL");
    test_report(rel <= tol, __FILE__, __LINE__, name);
    free(v);
}

int main(int argc, char **argv)
{
    char buf[1024];
    const char *dir = argc > 1 ? argv[1] : test_data_path("", buf, sizeof buf);
    if (load(dir) != 0) {
        test_report(0, __FILE__, __LINE__, "golden files load");
        return test_summary("test_nn_torch");
    }
    enum { B = 4 };
    paper_net pn;
    if (paper_net_init(&pn, B, 1) != 0) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    float *x = malloc(sizeof(float) * B * PN_H * PN_W), lab[B], eps, mom;
    int labels[B];
    get("input", x, (size_t)B * PN_H * PN_W);
    get("labels", lab, B);
    get("bn_eps", &eps, 1);
    get("bn_momentum", &mom, 1);
    for (int b = 0; b < B; b++)
        labels[b] = (int)lab[b];
    pn.eps = eps;
    pn.momentum = mom;
    for (int t = 0; t < PN_NPARAM; t++)
        get(pn_param_names[t], pn.p[t], pn.count[t]);

    paper_net_forward(&pn, x, labels);
    paper_net_backward(&pn, x, labels);

    printf("forward (tolerance %.0e relative to the tensor's max |value|):\n", TOL_FORWARD);
    for (int i = 0; i < PN_NCONV; i++) {
        char name[32];
        snprintf(name, sizeof name, "block%d", i);
        const size_t np = (size_t)B * pn_cout[i] * (pn.h[i] / 2) * (pn.w[i] / 2);
        compare(name, pn_pool[i] ? pn.pool[i] : pn.act[i], pn_pool[i] ? np : pn_act_size(&pn, i),
                TOL_FORWARD, 0.0);
    }
    compare("dense0", pn.d0, (size_t)B * PN_HID, TOL_FORWARD, 0.0);
    compare("dense1", pn.d1bn, (size_t)B * PN_HID, TOL_FORWARD, 0.0);
    compare("logits", pn.logits, (size_t)B * PN_CLASSES, TOL_FORWARD, 0.0);
    compare("loss", &pn.loss, 1, TOL_FORWARD, 0.0);
    for (int i = 0; i <= PN_NCONV; i++) {
        char name[48];
        const size_t C = (size_t)(i < PN_NCONV ? pn_cout[i] : PN_HID);
        snprintf(name, sizeof name, "bn%d.running_mean", i);
        compare(name, pn.run_mean[i], C, TOL_FORWARD, 0.0);
        snprintf(name, sizeof name, "bn%d.running_var", i);
        compare(name, pn.run_var[i], C, TOL_FORWARD, 0.0);
    }
    printf("backward (tolerance %.0e; * = every 11th element; + = relative to the layer's "
           "weight gradient):\n", TOL_GRAD);
    for (int t = 0; t < PN_NPARAM; t++) {
        char name[64], wname[64];
        snprintf(name, sizeof name, "grad.%s", pn_param_names[t]);
        double floor = 0.0;
        if ((t < PN_D0W && t % 4 == 1) || t == PN_D1B) { /* bias feeding a batch norm */
            snprintf(wname, sizeof wname, "grad.%s", pn_param_names[t - 1]);
            floor = golden_max(wname);
        }
        compare(name, pn.g[t], pn.count[t], TOL_GRAD, floor);
    }
    compare("grad.input", pn.g_input, (size_t)B * PN_H * PN_W, TOL_GRAD, 0.0);

    free(x);
    free(g_blob);
    paper_net_free(&pn);
    return test_summary("test_nn_torch");
}
