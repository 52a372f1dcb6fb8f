/* topology.c - the .kwsnet description parser, shape inference, canonical
 * text and summary table (host C11).
 *
 * The parser reads a length-delimited buffer line by line, copies each line
 * into a bounded local buffer, and tokenizes it there; it never reads past
 * `len` and allocates nothing (it is fuzzed). Syntax errors come from the
 * parser; ranges, shapes and limits from kws_topology_resolve, so a
 * topology filled in code gets the same checks.
 */
#include "kws/topology.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 32
#define DEFAULT_BN_EPS 1e-3f
#define DEFAULT_BN_MOMENTUM 0.1f

const char *kws_layer_kind_str(kws_layer_kind k)
{
    switch (k) {
    case KWS_LAYER_CONV2D: return "conv2d";
    case KWS_LAYER_DENSE: return "dense";
    case KWS_LAYER_FLATTEN: return "flatten";
    }
    return "?";
}

const char *kws_wquant_str(kws_wquant q)
{
    switch (q) {
    case KWS_QW_FLOAT: return "float";
    case KWS_QW_INT8: return "int8";
    case KWS_QW_INT4: return "int4";
    case KWS_QW_BINARY: return "binary";
    }
    return "?";
}

const char *kws_aquant_str(kws_aquant q)
{
    switch (q) {
    case KWS_QA_FLOAT: return "float";
    case KWS_QA_INT8: return "int8";
    case KWS_QA_BINARY: return "binary";
    }
    return "?";
}

static const char *post_str(kws_post_op op)
{
    switch (op) {
    case KWS_POST_BN: return "bn";
    case KWS_POST_RELU: return "relu";
    case KWS_POST_MAXPOOL: return "maxpool";
    case KWS_POST_DROPOUT: return "dropout";
    }
    return "?";
}

int kws_layer_has(const kws_layer_spec *l, kws_post_op op)
{
    for (int i = 0; i < l->n_post && i < KWS_TOPO_MAX_POST; i++)
        if (l->post[i] == op)
            return 1;
    return 0;
}

/* ---- errors -------------------------------------------------------------- */

typedef struct {
    const char *source;
    int *err_line;
    kws_error *err;
} ctx;

__attribute__((format(printf, 4, 5)))
static kws_status fail(const ctx *c, kws_status st, int line, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->err_line)
        *c->err_line = line;
    if (line > 0)
        return kws_error_set(c->err, st, "%s:%d: %s", c->source, line, what);
    return kws_error_set(c->err, st, "%s: %s", c->source, what);
}

/* ---- shape inference ------------------------------------------------------ */

static int valid_name(const char *s)
{
    size_t n = strnlen(s, KWS_TOPO_NAME_MAX);
    if (n == 0 || n >= KWS_TOPO_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    return 1;
}

static kws_status resolve(kws_topology *t, const ctx *c)
{
    if (t->in_c < 1 || t->in_c > KWS_TOPO_MAX_CHANNELS)
        return fail(c, KWS_ERR_ARG, 0, "input channels %d out of range 1..%d", t->in_c,
                    KWS_TOPO_MAX_CHANNELS);
    if (t->in_h < 1 || t->in_h > KWS_TOPO_MAX_DIM || t->in_w < 1 || t->in_w > KWS_TOPO_MAX_DIM)
        return fail(c, KWS_ERR_ARG, 0, "input size %dx%d out of range 1..%d", t->in_h, t->in_w,
                    KWS_TOPO_MAX_DIM);
    if (t->n_layers < 1)
        return fail(c, KWS_ERR_FORMAT, 0, "no layers after 'input'");
    if (t->n_layers > KWS_TOPO_MAX_LAYERS)
        return fail(c, KWS_ERR_ARG, 0, "%d layers, at most %d", t->n_layers, KWS_TOPO_MAX_LAYERS);

    uint64_t act = (uint64_t)t->in_c * (uint64_t)t->in_h * (uint64_t)t->in_w;
    if (act > KWS_TOPO_MAX_ACT)
        return fail(c, KWS_ERR_ARG, 0, "input of %llu floats exceeds %d", (unsigned long long)act,
                    KWS_TOPO_MAX_ACT);
    uint64_t max_act = act, n_params = 0, n_weights = 0, n_affine = 0, n_stats = 0, macs = 0;
    int C = t->in_c, H = t->in_h, W = t->in_w, flat = 0;
    int count[3] = {0, 0, 0};

    for (int i = 0; i < t->n_layers; i++) {
        kws_layer_spec *l = &t->layers[i];
        int ln = l->line;
        const char *kind = kws_layer_kind_str(l->kind);
        if (l->kind != KWS_LAYER_CONV2D && l->kind != KWS_LAYER_DENSE &&
            l->kind != KWS_LAYER_FLATTEN)
            return fail(c, KWS_ERR_ARG, ln, "layer %d has an unknown kind", i);

        /* name: default Keras style, counted per kind */
        int nth = count[l->kind]++;
        if (l->name[0] == '\0') {
            if (nth == 0)
                snprintf(l->name, sizeof l->name, "%s", kind);
            else
                snprintf(l->name, sizeof l->name, "%s_%d", kind, nth);
        }
        if (!valid_name(l->name))
            return fail(c, KWS_ERR_FORMAT, ln,
                        "bad name (1..%d characters of A-Z a-z 0-9 _)", KWS_TOPO_NAME_MAX - 1);
        for (int j = 0; j < i; j++)
            if (strcmp(t->layers[j].name, l->name) == 0) {
                if (t->layers[j].line > 0)
                    return fail(c, KWS_ERR_FORMAT, ln, "name '%s' already used on line %d",
                                l->name, t->layers[j].line);
                return fail(c, KWS_ERR_FORMAT, ln, "name '%s' already used", l->name);
            }

        if (l->wq < KWS_QW_FLOAT || l->wq > KWS_QW_BINARY || l->aq < KWS_QA_FLOAT ||
            l->aq > KWS_QA_BINARY)
            return fail(c, KWS_ERR_ARG, ln, "%s: unknown quantization", l->name);
        if (l->n_post < 0 || l->n_post > KWS_TOPO_MAX_POST)
            return fail(c, KWS_ERR_ARG, ln, "%s: %d post operations, at most %d", l->name,
                        l->n_post, KWS_TOPO_MAX_POST);
        for (int p = 0; p < l->n_post; p++) {
            if (l->post[p] < KWS_POST_BN || l->post[p] > KWS_POST_DROPOUT)
                return fail(c, KWS_ERR_ARG, ln, "%s: unknown post operation", l->name);
            for (int q = 0; q < p; q++)
                if (l->post[q] == l->post[p])
                    return fail(c, KWS_ERR_FORMAT, ln, "%s: '%s' given twice", l->name,
                                post_str(l->post[p]));
        }

        l->in_c = C;
        l->in_h = H;
        l->in_w = W;
        l->flat_in = flat;
        l->n_weight = l->n_bias = l->n_bn = 0;
        l->weight_off = l->bias_off = l->gamma_off = l->beta_off = (size_t)n_params;
        l->stat_off = (size_t)n_stats;
        l->macs = 0;

        if (l->kind == KWS_LAYER_FLATTEN) {
            if (flat)
                return fail(c, KWS_ERR_SHAPE, ln, "flatten: the input is already flat (%d)", C);
            if (l->n_post > 0 || l->units != 0 || l->kernel != 0 || l->wq != KWS_QW_FLOAT ||
                l->aq != KWS_QA_FLOAT)
                return fail(c, KWS_ERR_FORMAT, ln, "flatten takes no keys but name=");
            C = C * H * W;
            H = W = 1;
            flat = 1;
        } else {
            uint64_t nw;
            if (l->kind == KWS_LAYER_CONV2D) {
                if (flat)
                    return fail(c, KWS_ERR_SHAPE, ln,
                                "conv2d needs a (C, H, W) input, but the input here is flat (%d)",
                                C);
                if (l->units < 1 || l->units > KWS_TOPO_MAX_CHANNELS)
                    return fail(c, KWS_ERR_ARG, ln, "conv2d output channels %d out of range 1..%d",
                                l->units, KWS_TOPO_MAX_CHANNELS);
                if (l->kernel < 1 || l->kernel > KWS_TOPO_MAX_KERNEL || l->kernel % 2 == 0)
                    return fail(c, KWS_ERR_ARG, ln, "kernel=%d: must be odd, 1..%d", l->kernel,
                                KWS_TOPO_MAX_KERNEL);
                if (l->time_valid && W < l->kernel)
                    return fail(c, KWS_ERR_SHAPE, ln,
                                "time=valid needs at least %d columns (kernel=%d), but the "
                                "input here is %d wide",
                                l->kernel, l->kernel, W);
                uint64_t k2 = (uint64_t)l->kernel * (uint64_t)l->kernel;
                const int w_out = l->time_valid ? W - (l->kernel - 1) : W;
                nw = (uint64_t)l->units * (uint64_t)C * k2;
                l->macs = (uint64_t)l->units * (uint64_t)H * (uint64_t)w_out * (uint64_t)C * k2;
                C = l->units;
            } else {
                if (!flat)
                    return fail(c, KWS_ERR_SHAPE, ln,
                                "dense needs a flat input, but the input here is %dx%dx%d "
                                "(add 'flatten' before it)",
                                C, H, W);
                if (l->units < 1 || l->units > KWS_TOPO_MAX_UNITS)
                    return fail(c, KWS_ERR_ARG, ln, "dense units %d out of range 1..%d", l->units,
                                KWS_TOPO_MAX_UNITS);
                if (l->kernel != 0)
                    return fail(c, KWS_ERR_FORMAT, ln, "kernel= is for conv2d");
                nw = (uint64_t)l->units * (uint64_t)C;
                l->macs = (uint64_t)l->units * (uint64_t)C;
                C = l->units;
            }
            act = (uint64_t)C * (uint64_t)H * (uint64_t)W;
            if (act > KWS_TOPO_MAX_ACT)
                return fail(c, KWS_ERR_ARG, ln, "%s output of %llu floats exceeds %d", l->name,
                            (unsigned long long)act, KWS_TOPO_MAX_ACT);
            if (act > max_act)
                max_act = act; /* a time=valid conv's 'same' output before the crop */
            if (l->kind == KWS_LAYER_CONV2D && l->time_valid)
                W -= l->kernel - 1;
            if (nw > KWS_TOPO_MAX_PARAMS ||
                n_params + nw + (uint64_t)l->units > KWS_TOPO_MAX_PARAMS)
                return fail(c, KWS_ERR_ARG, ln, "%s: network exceeds %d parameters", l->name,
                            KWS_TOPO_MAX_PARAMS);
            l->n_weight = (size_t)nw;
            l->n_bias = (size_t)l->units;
            l->weight_off = (size_t)n_params;
            n_params += l->n_weight;
            l->bias_off = (size_t)n_params;
            n_params += l->n_bias;
            n_weights += (uint64_t)l->n_weight + (uint64_t)l->n_bias;
            macs += l->macs;

            for (int p = 0; p < l->n_post; p++) {
                switch (l->post[p]) {
                case KWS_POST_BN:
                    if (!(l->bn_eps > 0.0f && l->bn_eps <= 1.0f))
                        return fail(c, KWS_ERR_ARG, ln, "bn_eps=%g: must be in (0, 1]",
                                    (double)l->bn_eps);
                    if (!(l->bn_momentum >= 0.0f && l->bn_momentum <= 1.0f))
                        return fail(c, KWS_ERR_ARG, ln, "bn_momentum=%g: must be in [0, 1]",
                                    (double)l->bn_momentum);
                    l->n_bn = (size_t)C;
                    break;
                case KWS_POST_RELU:
                    break;
                case KWS_POST_MAXPOOL:
                    if (l->kind != KWS_LAYER_CONV2D)
                        return fail(c, KWS_ERR_SHAPE, ln, "maxpool is for conv2d layers");
                    if (H < 2 || (W < 2 && !l->pool_h_only))
                        return fail(c, KWS_ERR_SHAPE, ln,
                                    "maxpool=%s needs at least %s, but the input here is %dx%d",
                                    l->pool_h_only ? "2x1" : "2", l->pool_h_only ? "2x1" : "2x2",
                                    H, W);
                    H /= 2;
                    if (!l->pool_h_only)
                        W /= 2;
                    break;
                case KWS_POST_DROPOUT:
                    if (!(l->dropout >= 0.0f && l->dropout < 1.0f))
                        return fail(c, KWS_ERR_ARG, ln, "dropout=%g: must be in [0, 1)",
                                    (double)l->dropout);
                    break;
                }
            }
            if (l->n_bn) {
                if (n_params + 2 * (uint64_t)l->n_bn > KWS_TOPO_MAX_PARAMS)
                    return fail(c, KWS_ERR_ARG, ln, "%s: network exceeds %d parameters", l->name,
                                KWS_TOPO_MAX_PARAMS);
                l->gamma_off = (size_t)n_params;
                n_params += l->n_bn;
                l->beta_off = (size_t)n_params;
                n_params += l->n_bn;
                n_affine += 2 * (uint64_t)l->n_bn;
                l->stat_off = (size_t)n_stats;
                n_stats += 2 * (uint64_t)l->n_bn;
            } else {
                l->gamma_off = l->beta_off = (size_t)n_params;
            }
        }
        /* an int8 output keeps its activation range (QAT, kws/quant.h) after the bn stats */
        l->act_off = (size_t)n_stats;
        if (l->aq == KWS_QA_INT8)
            n_stats += 1;
        l->out_c = C;
        l->out_h = H;
        l->out_w = W;
    }

    const kws_layer_spec *last = &t->layers[t->n_layers - 1];
    if (!flat)
        return fail(c, KWS_ERR_SHAPE, last->line,
                    "the network must end flat (flatten or dense), but %s gives %dx%dx%d",
                    last->name, C, H, W);
    t->n_classes = C;
    t->n_params = (size_t)n_params;
    t->n_weights = (size_t)n_weights;
    t->n_bn_affine = (size_t)n_affine;
    t->n_stats = (size_t)n_stats;
    t->max_act = (size_t)max_act;
    t->macs = macs;
    return KWS_OK;
}

kws_status kws_topology_resolve(kws_topology *t, int *err_line, kws_error *err)
{
    ctx c = {"<topology>", err_line, err};
    if (!t)
        return kws_error_set(err, KWS_ERR_ARG, "kws_topology_resolve: NULL topology");
    return resolve(t, &c);
}

/* ---- parser --------------------------------------------------------------- */

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Integer token: optional '-', digits; saturates far outside every limit so
 * resolve() reports "out of range" instead of wrapping. */
static int parse_int(const char *s, int *out)
{
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (*s == '\0')
        return 0;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        if (v < 1000000000LL)
            v = v * 10 + (*s - '0');
    }
    if (v > INT_MAX / 2)
        v = INT_MAX / 2;
    *out = neg ? -(int)v : (int)v;
    return 1;
}

static int parse_float(const char *s, float *out)
{
    if (*s == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' ||
              *p == 'E'))
            return 0; /* decimal only: no "nan", "inf", hex */
    char *end = NULL;
    errno = 0;
    float v = strtof(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static kws_status add_post(const ctx *c, int ln, kws_layer_spec *l, kws_post_op op)
{
    for (int i = 0; i < l->n_post; i++)
        if (l->post[i] == op)
            return fail(c, KWS_ERR_FORMAT, ln, "'%s' given twice", post_str(op));
    if (l->kind != KWS_LAYER_CONV2D && op == KWS_POST_MAXPOOL)
        return fail(c, KWS_ERR_FORMAT, ln, "maxpool is for conv2d layers");
    l->post[l->n_post++] = op; /* at most one of each of 4: cannot overflow */
    return KWS_OK;
}

static kws_status parse_layer(const ctx *c, int ln, kws_layer_spec *l, char **tok, int ntok)
{
    const char *kind = tok[0];
    int first = 1;
    int seen_kernel = 0, seen_name = 0, seen_w = 0, seen_a = 0, seen_eps = 0, seen_mom = 0;
    int seen_time = 0;
    if (l->kind != KWS_LAYER_FLATTEN) {
        if (ntok < 2 || strchr(tok[1], '=') != NULL)
            return fail(c, KWS_ERR_FORMAT, ln, "%s needs %s first", kind,
                        l->kind == KWS_LAYER_CONV2D ? "an output channel count"
                                                    : "a unit count");
        if (!parse_int(tok[1], &l->units))
            return fail(c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for %s", tok[1],
                        l->kind == KWS_LAYER_CONV2D ? "channels" : "units");
        first = 2;
    }
    for (int i = first; i < ntok; i++) {
        char *key = tok[i];
        char *eq = strchr(key, '=');
        char *val = NULL;
        if (eq) {
            *eq = '\0';
            val = eq + 1;
        }
        int is_flag = (strcmp(key, "bn") == 0 || strcmp(key, "relu") == 0);
        int known = is_flag || strcmp(key, "kernel") == 0 || strcmp(key, "maxpool") == 0 ||
                    strcmp(key, "time") == 0 ||
                    strcmp(key, "dropout") == 0 || strcmp(key, "bn_eps") == 0 ||
                    strcmp(key, "bn_momentum") == 0 || strcmp(key, "name") == 0 ||
                    strcmp(key, "w") == 0 || strcmp(key, "a") == 0;
        if (!known || (l->kind == KWS_LAYER_FLATTEN && strcmp(key, "name") != 0) ||
            (l->kind == KWS_LAYER_DENSE && (strcmp(key, "kernel") == 0 ||
                                            strcmp(key, "maxpool") == 0 ||
                                            strcmp(key, "time") == 0))) {
            if (l->kind == KWS_LAYER_FLATTEN)
                return fail(c, KWS_ERR_FORMAT, ln, "unknown key '%.40s' for flatten (takes name=)",
                            key);
            return fail(c, KWS_ERR_FORMAT, ln,
                        "unknown key '%.40s' for %s (takes %sbn, relu, %sdropout=, bn_eps=, "
                        "bn_momentum=, name=, w=, a=)",
                        key, kind, l->kind == KWS_LAYER_CONV2D ? "kernel=, time=, " : "",
                        l->kind == KWS_LAYER_CONV2D ? "maxpool=2|2x1, " : "");
        }
        if (is_flag) {
            if (val)
                return fail(c, KWS_ERR_FORMAT, ln, "'%s' takes no value", key);
            kws_status st = add_post(c, ln, l, key[0] == 'b' ? KWS_POST_BN : KWS_POST_RELU);
            if (st != KWS_OK)
                return st;
            continue;
        }
        if (!val || *val == '\0')
            return fail(c, KWS_ERR_FORMAT, ln, "'%s' needs a value (%s=...)", key, key);
        if (strcmp(key, "kernel") == 0) {
            if (seen_kernel++)
                return fail(c, KWS_ERR_FORMAT, ln, "'kernel' given twice");
            if (!parse_int(val, &l->kernel))
                return fail(c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for kernel", val);
        } else if (strcmp(key, "time") == 0) {
            if (seen_time++)
                return fail(c, KWS_ERR_FORMAT, ln, "'time' given twice");
            if (strcmp(val, "valid") == 0)
                l->time_valid = 1;
            else if (strcmp(val, "same") == 0)
                l->time_valid = 0;
            else
                return fail(c, KWS_ERR_FORMAT, ln, "time=%.40s: valid or same", val);
        } else if (strcmp(key, "maxpool") == 0) {
            int p = 0;
            if (strcmp(val, "2x1") == 0) {
                l->pool_h_only = 1;
                p = 2;
            } else if (!parse_int(val, &p)) {
                return fail(c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for maxpool", val);
            }
            if (p != 2)
                return fail(c, KWS_ERR_UNSUPPORTED, ln,
                            "maxpool=%d: only maxpool=2 (2x2) and maxpool=2x1 are supported", p);
            kws_status st = add_post(c, ln, l, KWS_POST_MAXPOOL);
            if (st != KWS_OK)
                return st;
        } else if (strcmp(key, "dropout") == 0) {
            if (!parse_float(val, &l->dropout))
                return fail(c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for dropout", val);
            kws_status st = add_post(c, ln, l, KWS_POST_DROPOUT);
            if (st != KWS_OK)
                return st;
        } else if (strcmp(key, "bn_eps") == 0) {
            if (seen_eps++)
                return fail(c, KWS_ERR_FORMAT, ln, "'bn_eps' given twice");
            if (!parse_float(val, &l->bn_eps))
                return fail(c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for bn_eps", val);
        } else if (strcmp(key, "bn_momentum") == 0) {
            if (seen_mom++)
                return fail(c, KWS_ERR_FORMAT, ln, "'bn_momentum' given twice");
            if (!parse_float(val, &l->bn_momentum))
                return fail(c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for bn_momentum", val);
        } else if (strcmp(key, "name") == 0) {
            if (seen_name++)
                return fail(c, KWS_ERR_FORMAT, ln, "'name' given twice");
            if (strlen(val) >= KWS_TOPO_NAME_MAX)
                return fail(c, KWS_ERR_ARG, ln, "name longer than %d characters",
                            KWS_TOPO_NAME_MAX - 1);
            memcpy(l->name, val, strlen(val) + 1);
            if (!valid_name(l->name))
                return fail(c, KWS_ERR_FORMAT, ln, "bad name '%.40s' (A-Z a-z 0-9 _)", val);
        } else if (strcmp(key, "w") == 0) {
            if (seen_w++)
                return fail(c, KWS_ERR_FORMAT, ln, "'w' given twice");
            if (strcmp(val, "float") == 0)
                l->wq = KWS_QW_FLOAT;
            else if (strcmp(val, "int8") == 0)
                l->wq = KWS_QW_INT8;
            else if (strcmp(val, "int4") == 0)
                l->wq = KWS_QW_INT4;
            else if (strcmp(val, "binary") == 0)
                l->wq = KWS_QW_BINARY;
            else
                return fail(c, KWS_ERR_FORMAT, ln,
                            "unknown weight quantization w=%.40s (float, int8, int4, binary)", val);
        } else { /* a */
            if (seen_a++)
                return fail(c, KWS_ERR_FORMAT, ln, "'a' given twice");
            if (strcmp(val, "float") == 0)
                l->aq = KWS_QA_FLOAT;
            else if (strcmp(val, "int8") == 0)
                l->aq = KWS_QA_INT8;
            else if (strcmp(val, "binary") == 0)
                l->aq = KWS_QA_BINARY;
            else
                return fail(c, KWS_ERR_FORMAT, ln,
                            "unknown activation quantization a=%.40s (float, int8, binary)", val);
        }
    }
    if (l->kind == KWS_LAYER_CONV2D && !seen_kernel)
        l->kernel = 3;
    return KWS_OK;
}

kws_status kws_topology_parse(kws_topology *t, const char *text, size_t len, const char *source,
                              int *err_line, kws_error *err)
{
    ctx c = {source ? source : "<memory>", err_line, err};
    if (err_line)
        *err_line = 0;
    if (!t || (!text && len > 0))
        return kws_error_set(err, KWS_ERR_ARG, "kws_topology_parse: NULL argument");
    memset(t, 0, sizeof *t);
    if (len > KWS_TOPO_MAX_TEXT)
        return fail(&c, KWS_ERR_ARG, 0, "description of %zu bytes exceeds %d", len,
                    KWS_TOPO_MAX_TEXT);

    char line[KWS_TOPO_MAX_LINE + 1];
    char *tok[MAX_TOKENS];
    int have_input = 0, ln = 0;
    size_t pos = 0;
    while (pos < len) {
        ln++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t n = end - pos;
        size_t next = end < len ? end + 1 : end;
        /* cut the comment before measuring: long comments are fine */
        size_t code = 0;
        while (code < n && text[pos + code] != '#')
            code++;
        if (code > KWS_TOPO_MAX_LINE)
            return fail(&c, KWS_ERR_ARG, ln, "line longer than %d characters", KWS_TOPO_MAX_LINE);
        for (size_t i = 0; i < code; i++) {
            unsigned char ch = (unsigned char)text[pos + i];
            if (!(ch == '\t' || ch == '\r' || (ch >= 0x20 && ch < 0x7f)))
                return fail(&c, KWS_ERR_FORMAT, ln, "unexpected byte 0x%02x", ch);
        }
        memcpy(line, text + pos, code);
        line[code] = '\0';
        pos = next;

        int ntok = 0;
        char *p = line;
        while (*p) {
            while (is_space(*p))
                p++;
            if (!*p)
                break;
            if (ntok == MAX_TOKENS)
                return fail(&c, KWS_ERR_FORMAT, ln, "more than %d fields", MAX_TOKENS);
            tok[ntok++] = p;
            while (*p && !is_space(*p))
                p++;
            if (*p)
                *p++ = '\0';
        }
        if (ntok == 0)
            continue;

        if (strcmp(tok[0], "input") == 0) {
            if (have_input)
                return fail(&c, KWS_ERR_FORMAT, ln, "second 'input' line");
            if (ntok != 4)
                return fail(&c, KWS_ERR_FORMAT, ln, "input takes 3 numbers: C H W");
            int v[3];
            for (int i = 0; i < 3; i++)
                if (!parse_int(tok[1 + i], &v[i]))
                    return fail(&c, KWS_ERR_FORMAT, ln, "bad number '%.40s' for input", tok[1 + i]);
            if (v[0] < 1 || v[0] > KWS_TOPO_MAX_CHANNELS)
                return fail(&c, KWS_ERR_ARG, ln, "input channels %d out of range 1..%d", v[0],
                            KWS_TOPO_MAX_CHANNELS);
            if (v[1] < 1 || v[1] > KWS_TOPO_MAX_DIM || v[2] < 1 || v[2] > KWS_TOPO_MAX_DIM)
                return fail(&c, KWS_ERR_ARG, ln, "input size %dx%d out of range 1..%d", v[1], v[2],
                            KWS_TOPO_MAX_DIM);
            if ((uint64_t)v[0] * (uint64_t)v[1] * (uint64_t)v[2] > KWS_TOPO_MAX_ACT)
                return fail(&c, KWS_ERR_ARG, ln, "input of %dx%dx%d exceeds %d floats", v[0], v[1],
                            v[2], KWS_TOPO_MAX_ACT);
            t->in_c = v[0];
            t->in_h = v[1];
            t->in_w = v[2];
            have_input = 1;
            continue;
        }

        kws_layer_kind kind;
        if (strcmp(tok[0], "conv2d") == 0)
            kind = KWS_LAYER_CONV2D;
        else if (strcmp(tok[0], "dense") == 0)
            kind = KWS_LAYER_DENSE;
        else if (strcmp(tok[0], "flatten") == 0)
            kind = KWS_LAYER_FLATTEN;
        else
            return fail(&c, KWS_ERR_FORMAT, ln,
                        "unknown layer '%.40s' (input, conv2d, flatten, dense)", tok[0]);
        if (!have_input)
            return fail(&c, KWS_ERR_FORMAT, ln, "%s before the 'input' line", tok[0]);
        if (t->n_layers == KWS_TOPO_MAX_LAYERS)
            return fail(&c, KWS_ERR_ARG, ln, "more than %d layers", KWS_TOPO_MAX_LAYERS);
        kws_layer_spec *l = &t->layers[t->n_layers];
        memset(l, 0, sizeof *l);
        l->kind = kind;
        l->line = ln;
        l->bn_eps = DEFAULT_BN_EPS;
        l->bn_momentum = DEFAULT_BN_MOMENTUM;
        kws_status st = parse_layer(&c, ln, l, tok, ntok);
        if (st != KWS_OK)
            return st;
        t->n_layers++;
    }
    if (!have_input)
        return fail(&c, KWS_ERR_FORMAT, 0, "no 'input C H W' line");
    return resolve(t, &c);
}

kws_status kws_topology_load(kws_topology *t, const char *path, int *err_line, kws_error *err)
{
    if (err_line)
        *err_line = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(KWS_TOPO_MAX_TEXT + 1);
    if (!buf) {
        fclose(f);
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, KWS_TOPO_MAX_TEXT + 1, f);
    int bad = ferror(f);
    fclose(f);
    kws_status st;
    if (bad)
        st = kws_error_set(err, KWS_ERR_IO, "%s: read error", path);
    else if (n > KWS_TOPO_MAX_TEXT)
        st = kws_error_set(err, KWS_ERR_ARG, "%s: larger than %d bytes", path, KWS_TOPO_MAX_TEXT);
    else
        st = kws_topology_parse(t, buf, n, path, err_line, err);
    free(buf);
    return st;
}

/* ---- text output ---------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t size, len;
} out_buf;

__attribute__((format(printf, 2, 3)))
static void put(out_buf *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->len < o->size ? o->buf + o->len : NULL;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* Shortest %g text that reads back as exactly v. */
static void fmt_float(char *b, size_t n, float v)
{
    for (int p = 1; p <= 9; p++) {
        snprintf(b, n, "%.*g", p, (double)v);
        if (strtof(b, NULL) == v)
            return;
    }
}

size_t kws_topology_format(const kws_topology *t, char *buf, size_t size)
{
    out_buf o = {buf, size, 0};
    if (buf && size)
        buf[0] = '\0';
    put(&o, "input %d %d %d\n", t->in_c, t->in_h, t->in_w);
    for (int i = 0; i < t->n_layers && i < KWS_TOPO_MAX_LAYERS; i++) {
        const kws_layer_spec *l = &t->layers[i];
        char f[32];
        put(&o, "%s", kws_layer_kind_str(l->kind));
        if (l->kind != KWS_LAYER_FLATTEN)
            put(&o, " %d", l->units);
        if (l->kind == KWS_LAYER_CONV2D)
            put(&o, " kernel=%d", l->kernel);
        if (l->kind == KWS_LAYER_CONV2D && l->time_valid)
            put(&o, " time=valid");
        for (int p = 0; p < l->n_post && p < KWS_TOPO_MAX_POST; p++) {
            switch (l->post[p]) {
            case KWS_POST_BN: put(&o, " bn"); break;
            case KWS_POST_RELU: put(&o, " relu"); break;
            case KWS_POST_MAXPOOL: put(&o, l->pool_h_only ? " maxpool=2x1" : " maxpool=2"); break;
            case KWS_POST_DROPOUT:
                fmt_float(f, sizeof f, l->dropout);
                put(&o, " dropout=%s", f);
                break;
            }
        }
        if (kws_layer_has(l, KWS_POST_BN)) {
            if (l->bn_eps != DEFAULT_BN_EPS) {
                fmt_float(f, sizeof f, l->bn_eps);
                put(&o, " bn_eps=%s", f);
            }
            if (l->bn_momentum != DEFAULT_BN_MOMENTUM) {
                fmt_float(f, sizeof f, l->bn_momentum);
                put(&o, " bn_momentum=%s", f);
            }
        }
        if (l->wq != KWS_QW_FLOAT)
            put(&o, " w=%s", kws_wquant_str(l->wq));
        if (l->aq != KWS_QA_FLOAT)
            put(&o, " a=%s", kws_aquant_str(l->aq));
        put(&o, " name=%.*s\n", KWS_TOPO_NAME_MAX - 1, l->name);
    }
    return o.len;
}

/* 1234567 -> "1,234,567" */
static const char *grouped(char *b, size_t n, uint64_t v)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t j = 0;
    for (int i = 0; i < len && j + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            b[j++] = ',';
        b[j++] = tmp[i];
    }
    b[j] = '\0';
    return b;
}

size_t kws_topology_summary(const kws_topology *t, char *buf, size_t size)
{
    out_buf o = {buf, size, 0};
    char g1[32], g2[32], g3[32], g4[32], shape[48], ops[80];
    if (buf && size)
        buf[0] = '\0';
    put(&o, "%-14s %-34s %-12s %12s %8s %13s\n", "layer", "ops", "output", "w + b", "bn",
        "MACs");
    snprintf(shape, sizeof shape, "%dx%dx%d", t->in_c, t->in_h, t->in_w);
    put(&o, "%-14s %-34s %-12s %12s %8s %13s\n", "input", "", shape, "", "", "");
    for (int i = 0; i < t->n_layers && i < KWS_TOPO_MAX_LAYERS; i++) {
        const kws_layer_spec *l = &t->layers[i];
        out_buf ob = {ops, sizeof ops, 0};
        ops[0] = '\0';
        if (l->kind == KWS_LAYER_CONV2D)
            put(&ob, "conv2d %dx%d", l->kernel, l->kernel);
        else
            put(&ob, "%s", kws_layer_kind_str(l->kind));
        for (int p = 0; p < l->n_post && p < KWS_TOPO_MAX_POST; p++) {
            if (l->post[p] == KWS_POST_DROPOUT)
                put(&ob, ", dropout %.2g", (double)l->dropout);
            else
                put(&ob, ", %s", post_str(l->post[p]));
        }
        if (l->wq != KWS_QW_FLOAT || l->aq != KWS_QA_FLOAT)
            put(&ob, " [w=%s a=%s]", kws_wquant_str(l->wq), kws_aquant_str(l->aq));
        if (l->out_h == 1 && l->out_w == 1 && (l->kind != KWS_LAYER_CONV2D))
            snprintf(shape, sizeof shape, "%d", l->out_c);
        else
            snprintf(shape, sizeof shape, "%dx%dx%d", l->out_c, l->out_h, l->out_w);
        int flat = l->kind == KWS_LAYER_FLATTEN;
        put(&o, "%-14.31s %-34s %-12s %12s %8s %13s\n", l->name, ops, shape,
            flat ? "" : grouped(g1, sizeof g1, (uint64_t)l->n_weight + l->n_bias),
            l->n_bn ? grouped(g2, sizeof g2, 2 * (uint64_t)l->n_bn) : "",
            flat ? "" : grouped(g3, sizeof g3, l->macs));
    }
    put(&o, "weights and biases: %s\n", grouped(g1, sizeof g1, t->n_weights));
    put(&o, "bn gamma and beta:  %s\n", grouped(g2, sizeof g2, t->n_bn_affine));
    put(&o, "trainable:          %s\n", grouped(g3, sizeof g3, t->n_params));
    put(&o, "non-trainable:      %s (bn running mean and variance)\n",
        grouped(g4, sizeof g4, t->n_stats));
    put(&o, "MACs per sample:    %s (conv and dense)\n", grouped(g1, sizeof g1, t->macs));
    return o.len;
}
