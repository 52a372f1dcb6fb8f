/* export.c - writes a model as C source for the device (kws/export.h):
 * N.h (macros, summary, declaration) and N.c (parameter arrays, op table,
 * integer model, front-end configuration, normalization, class names, test
 * clips, the kws_deployed_model).
 *
 * Output is meant to be read: every array has a comment naming its op,
 * layer, shape and meaning; numbers are aligned, 16 to a line for bytes.
 * Floats are written with 9 significant digits, which read back as the same
 * float (C's strtof and the compiler agree), so the device sees exactly the
 * host's scales and normalization.
 */
#include "kws/export.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/mfcc.h"
#include "kws/stream.h"

/* ---- small writers ------------------------------------------------------- */

typedef struct {
    FILE *f;
    const kws_export_spec *s;
    const char *n;      /* name: symbols */
    char u[KWS_EXPORT_NAME_MAX + 1]; /* NAME: macros */
    size_t param_bytes;
    int n_arrays;
} gen;

/* A float as a C literal that reads back bit for bit: "0.0123456791f",
 * "20.0f", "1e-06f". */
static void put_f32(FILE *f, float v)
{
    char b[48];
    snprintf(b, sizeof b, "%.9g", (double)v);
    if (!strpbrk(b, ".eEn"))
        strcat(b, ".0");
    fprintf(f, "%sf", b);
}

/* Text inside a C comment: no "*" followed by "/", no line breaks. */
static void put_comment_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else if (*s == '*' && s[1] == '/')
            fputs("* ", f);
        else
            fputc(*s, f);
    }
}

/* A C string literal: printable ASCII as is, '"', '\\' and '?' (trigraphs)
 * escaped, everything else as a 3-digit octal escape. */
static void put_cstring(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            fprintf(f, "\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7f)
            fputc(*p, f);
        else
            fprintf(f, "\\%03o", *p);
    }
    fputc('"', f);
}

/* Element i of an integer array of the given kind, as text. */
typedef enum { E_I8, E_U8, E_I16, E_I32 } elem_kind;

static void put_int_array(FILE *f, elem_kind k, const void *data, size_t n)
{
    int per = k == E_I32 ? 8 : 16;
    for (size_t i = 0; i < n; i++) {
        if (i % (size_t)per == 0)
            fputs("    ", f);
        switch (k) {
        case E_I8: fprintf(f, "%4d,", ((const int8_t *)data)[i]); break;
        case E_U8: fprintf(f, "0x%02x,", ((const uint8_t *)data)[i]); break;
        case E_I16: fprintf(f, "%6d,", ((const int16_t *)data)[i]); break;
        case E_I32: fprintf(f, "%11ld,", (long)((const int32_t *)data)[i]); break;
        }
        fputc(i % (size_t)per == (size_t)per - 1 || i == n - 1 ? '\n' : ' ', f);
    }
}

static void put_f32_array(FILE *f, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 6 == 0)
            fputs("    ", f);
        put_f32(f, x[i]);
        fputc(',', f);
        fputc(i % 6 == 5 || i == n - 1 ? '\n' : ' ', f);
    }
}

/* ---- checks ---------------------------------------------------------------- */

int kws_export_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > KWS_EXPORT_NAME_MAX || s[0] == '_' || isdigit((unsigned char)s[0]) ||
        strncmp(s, "kws_deployed", 12) == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static kws_status check_spec(const kws_export_spec *s, kws_error *err)
{
    if (!s || !s->model || !s->net)
        return kws_error_set(err, KWS_ERR_ARG, "export: no model");
    if (!kws_export_name_ok(s->name))
        return kws_error_set(err, KWS_ERR_ARG,
                             "export: name '%s' is not a C identifier of at most %d characters "
                             "(letters, digits, '_'; not starting with '_' or a digit)",
                             s->name ? s->name : "", KWS_EXPORT_NAME_MAX);
    const kws_model *m = s->model;
    const kws_imodel *net = s->net;
    int bad = -1;
    kws_status st = kws_imodel_check(net, net->arena_size, &bad);
    if (st != KWS_OK)
        return kws_error_set(err, st, "export: the integer model fails its check at op %d: %s",
                             bad, kws_status_str(st));
    int frames = kws_mfcc_num_frames(&m->mfcc, (size_t)(s->clip_samples > 0 ? s->clip_samples : 0));
    if (net->in_c != 1 || net->in_h != m->mfcc.n_mfcc || s->window_first < 0 ||
        s->window_first + net->in_w > frames)
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "export: network input %dx%dx%d is not a window of %d MFCC frames "
                             "(%d coefficients) from frame %d",
                             net->in_c, net->in_h, net->in_w, frames, m->mfcc.n_mfcc,
                             s->window_first);
    if (net->n_classes != m->n_classes)
        return kws_error_set(err, KWS_ERR_SHAPE, "export: %d network outputs, %d class names",
                             net->n_classes, m->n_classes);
    if (m->n_norm != net->in_h && m->n_norm != net->in_h * net->in_w)
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "export: %d normalization pairs for a %dx%d input", m->n_norm,
                             net->in_h, net->in_w);
    if (s->n_clips < 0 || s->n_clips > KWS_EXPORT_MAX_CLIPS ||
        (s->n_clips > 0 && (!s->clips || !s->clip_names)))
        return kws_error_set(err, KWS_ERR_ARG, "export: %d clips (at most %d)", s->n_clips,
                             KWS_EXPORT_MAX_CLIPS);
    return KWS_OK;
}

/* ---- N.h ----------------------------------------------------------------------- */

static void write_header(gen *g)
{
    FILE *f = g->f;
    const kws_export_spec *s = g->s;
    const kws_model *m = s->model;
    const kws_imodel *net = s->net;
    fprintf(f, "/* %s.h - model \"%s\" for the kws device runtime.\n"
               " * Generated by `kws export`", g->n, g->n);
    if (s->source) {
        fputs(" from ", f);
        put_comment_text(f, s->source);
    }
    fputs(". Do not edit: regenerate.\n *\n", f);
    fprintf(f, " * classes (%d):", m->n_classes);
    for (int c = 0; c < m->n_classes; c++) {
        fputs(c % 8 == 0 && c ? "\n *  " : " ", f);
        put_comment_text(f, m->class_names[c]);
    }
    fprintf(f, "\n * input: MFCC frames %d..%d of a %d-sample clip (%d Hz, frame %d, hop %d,\n"
               " *        %d mels, %d coefficients), normalized, int8 at scale %.6g\n",
            s->window_first, s->window_first + net->in_w - 1, s->clip_samples,
            m->mfcc.sample_rate, m->mfcc.frame_len, m->mfcc.hop_len, m->mfcc.n_mels,
            m->mfcc.n_mfcc, (double)net->in_scale);
    fprintf(f, " * output: %s logits, real logit = %.6g * code\n *\n",
            net->out_s32 ? "int32" : "int8", (double)net->out_scale);
    size_t len = kws_imodel_summary(net, NULL, 0);
    char *sum = (char *)malloc(len + 1);
    if (sum) {
        kws_imodel_summary(net, sum, len + 1);
        fputs(" * ", f);
        for (const char *p = sum; *p; p++) {
            if (*p == '\n')
                fputs(p[1] ? "\n * " : "\n", f);
            else if (*p == '*' && p[1] == '/')
                fputs("* ", f);
            else
                fputc(*p, f);
        }
        free(sum);
    }
    fprintf(f, " */\n#ifndef %s_GENERATED_H\n#define %s_GENERATED_H\n\n", g->u, g->u);
    fputs("#include \"kws/deployed.h\"\n\n", f);
    fputs("/* Sizes for static buffers (bytes or counts). */\n", f);
    fprintf(f, "#define %s_ARENA_SIZE %zu /* kws_imodel_run's arena, 8-byte aligned */\n", g->u,
            net->arena_size);
    fprintf(f, "#define %s_MFCC_ARENA_SIZE %zu /* kws_mfcc_init's arena */\n", g->u,
            kws_mfcc_arena_size(&m->mfcc));
    fprintf(f,
            "#define %s_STREAM_SIZE %zu /* kws_stream_init's memory (kws/stream.h); 0: the "
            "model does not stream */\n",
            g->u, kws_stream_size(net));
    fprintf(f, "#define %s_IN_C %d\n#define %s_IN_H %d\n#define %s_IN_W %d\n", g->u, net->in_c,
            g->u, net->in_h, g->u, net->in_w);
    fprintf(f, "#define %s_N_MFCC %d\n#define %s_N_CLASSES %d\n", g->u, m->mfcc.n_mfcc, g->u,
            m->n_classes);
    fprintf(f, "#define %s_CLIP_SAMPLES %d\n#define %s_N_CLIPS %d\n", g->u, s->clip_samples,
            g->u, s->n_clips);
    fprintf(f, "#define %s_PARAM_BYTES %zu /* weights + biases + requant + affine */\n", g->u,
            g->param_bytes);
    fprintf(f, "#define %s_PARAM_CRC 0x%08lxu /* kws_deployed_param_crc */\n\n", g->u,
            (unsigned long)kws_deployed_param_crc(net));
    fprintf(f, "extern const kws_deployed_model %s;\n\n#endif\n", g->n);
}

/* ---- N.c: parameters ------------------------------------------------------------ */

/* One parameter array of op i: NAME_op<i>_<field>[count]. */
static void write_array(gen *g, int i, const char *field, elem_kind k, const void *data,
                        size_t count, size_t elem_bytes, const char *what)
{
    FILE *f = g->f;
    static const char *ctype[] = {"int8_t", "uint8_t", "int16_t", "int32_t"};
    fprintf(f, "/* %s */\n", what);
    if (k == E_I32 && elem_bytes == sizeof(kws_requant)) {
        fprintf(f, "static const kws_requant %s_op%d_%s[%zu] = {\n", g->n, i, field, count);
        const kws_requant *rq = (const kws_requant *)data;
        for (size_t c = 0; c < count; c++)
            fprintf(f, "%s{%ld, %ld},%s", c % 4 == 0 ? "    " : "", (long)rq[c].multiplier,
                    (long)rq[c].shift, c % 4 == 3 || c == count - 1 ? "\n" : " ");
    } else {
        fprintf(f, "static const %s %s_op%d_%s[%zu] = {\n", ctype[k], g->n, i, field, count);
        put_int_array(f, k, data, count);
    }
    fputs("};\n\n", f);
    g->param_bytes += count * elem_bytes;
    g->n_arrays++;
}

static kws_status write_params(gen *g, int i, kws_error *err)
{
    FILE *f = g->f;
    const kws_iop *op = &g->s->net->ops[i];
    kws_imodel_bytes b = kws_iop_bytes(op);
    char what[256];
    fprintf(f, "/* ---- op %d \"", i);
    put_comment_text(f, op->name);
    fprintf(f, "\" %s: (%d, %d, %d) -> (%d, %d, %d)", kws_iop_kind_str(op->kind), op->in_h,
            op->in_w, op->in_c, op->out_h, op->out_w, op->out_c);
    if (op->kernel)
        fprintf(f, ", k = %d", op->kernel);
    if (op->weight_bits)
        fprintf(f, ", %d-bit weights", op->weight_bits);
    fprintf(f, "\n *      s_in %.6g -> s_out %.6g%s ---- */\n\n", (double)op->in_scale,
            (double)op->out_scale, op->out_s32 ? ", int32 output" :
                                   op->act_min == 0 ? ", ReLU (clamp at 0)" : "");
    /* every pointer field, sized by kws_iop_bytes: a new op kind needs no code here */
    struct {
        const void *p;
        const char *field;
        size_t bytes, elem;
        elem_kind k;
    } fld[] = {
        {op->weight, "weight", b.weights, 1, E_I8},
        {op->wbits, "wbits", b.weights, 1, E_U8},
        {op->bias, "bias", b.biases, sizeof(int32_t), E_I32},
        {op->rq, "rq", b.requant, sizeof(kws_requant), E_I32},
        {op->mul, "mul", b.affine, sizeof(int16_t), E_I16},
    };
    for (size_t j = 0; j < sizeof fld / sizeof fld[0]; j++) {
        if (!fld[j].p)
            continue;
        if (fld[j].bytes == 0 || fld[j].bytes % fld[j].elem)
            return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                                 "export: op %d (%s) has %s but kws_iop_bytes gives it %zu bytes",
                                 i, kws_iop_kind_str(op->kind), fld[j].field, fld[j].bytes);
        size_t n = fld[j].bytes / fld[j].elem;
        int conv = op->kernel > 0;
        switch (j) {
        case 0:
            if (conv)
                snprintf(what, sizeof what, "weights (Cout, k, k, Cin) = (%d, %d, %d, %d), %s",
                         op->out_c, op->kernel, op->kernel, op->in_c,
                         op->weight_bits == 4 ? "int4 codes in int8" : "int8 codes");
            else
                snprintf(what, sizeof what, "weights (N, K) = (%d, %d), %s", op->out_c,
                         op->in_c, op->weight_bits == 4 ? "int4 codes in int8" : "int8 codes");
            break;
        case 1:
            if (conv)
                snprintf(what, sizeof what,
                         "weights (Cout, k, k, ceil(Cin/8)) = (%d, %d, %d, %d): packed signs, "
                         "bit c of a tap LSB first, 1 = +1",
                         op->out_c, op->kernel, op->kernel, (op->in_c + 7) / 8);
            else
                snprintf(what, sizeof what,
                         "weights (N, ceil(K/8)) = (%d, %d): packed signs, LSB first, 1 = +1",
                         op->out_c, (op->in_c + 7) / 8);
            break;
        case 2:
            snprintf(what, sizeof what, "biases (%zu), int32 in accumulator units", n);
            break;
        case 3:
            snprintf(what, sizeof what,
                     "requantization (%zu) {multiplier, shift}: M = multiplier * 2^(shift - 31)",
                     n);
            break;
        default:
            snprintf(what, sizeof what, "batch-norm multipliers m_c (%zu), int16", n);
            break;
        }
        write_array(g, i, fld[j].field, fld[j].k, fld[j].p, n, fld[j].elem, what);
    }
    return KWS_OK;
}

/* ---- N.c: tables ------------------------------------------------------------------ */

static const char *kind_enum(kws_iop_kind k)
{
    switch (k) {
    case KWS_IOP_CONV2D: return "KWS_IOP_CONV2D";
    case KWS_IOP_MAXPOOL: return "KWS_IOP_MAXPOOL";
    case KWS_IOP_AFFINE: return "KWS_IOP_AFFINE";
    case KWS_IOP_DENSE: return "KWS_IOP_DENSE";
    case KWS_IOP_DENSE_BIN: return "KWS_IOP_DENSE_BIN";
    case KWS_IOP_CONV2D_BIN: return "KWS_IOP_CONV2D_BIN";
    }
    return NULL;
}

static void write_op_entry(gen *g, int i)
{
    FILE *f = g->f;
    const kws_iop *op = &g->s->net->ops[i];
    const char *ke = kind_enum(op->kind);
    fprintf(f, "    { /* %d: %s */\n", i, kws_iop_kind_str(op->kind));
    if (ke)
        fprintf(f, "        .kind = %s,\n", ke);
    else
        fprintf(f, "        .kind = (kws_iop_kind)%d,\n", (int)op->kind);
    fputs("        .name = ", f);
    put_cstring(f, op->name);
    fprintf(f, ",\n        .layer = %d,\n", op->layer);
    fprintf(f, "        .in_h = %d, .in_w = %d, .in_c = %d,\n", op->in_h, op->in_w, op->in_c);
    fprintf(f, "        .out_h = %d, .out_w = %d, .out_c = %d,\n", op->out_h, op->out_w,
            op->out_c);
    fprintf(f, "        .kernel = %d,\n", op->kernel);
    if (op->weight)
        fprintf(f, "        .weight = %s_op%d_weight,\n", g->n, i);
    if (op->wbits)
        fprintf(f, "        .wbits = %s_op%d_wbits,\n", g->n, i);
    if (op->mul)
        fprintf(f, "        .mul = %s_op%d_mul,\n", g->n, i);
    if (op->bias)
        fprintf(f, "        .bias = %s_op%d_bias,\n", g->n, i);
    if (op->rq)
        fprintf(f, "        .rq = %s_op%d_rq,\n", g->n, i);
    fprintf(f, "        .act_min = %ld, .act_max = %ld,\n", (long)op->act_min,
            (long)op->act_max);
    fprintf(f, "        .weight_bits = %d,\n        .out_s32 = %d,\n", op->weight_bits,
            op->out_s32);
    fprintf(f, "        .in_off = %zu, .out_off = %zu,\n", op->in_off, op->out_off);
    fputs("        .in_scale = ", f);
    put_f32(f, op->in_scale);
    fputs(", .out_scale = ", f);
    put_f32(f, op->out_scale);
    fputs(",\n    },\n", f);
}

static kws_status write_source(gen *g, const char *h_name, kws_error *err)
{
    FILE *f = g->f;
    const kws_export_spec *s = g->s;
    const kws_model *m = s->model;
    const kws_imodel *net = s->net;
    kws_imodel_bytes bt = kws_imodel_bytes_total(net);
    fprintf(f, "/* %s.c - model \"%s\" for the kws device runtime.\n"
               " * Generated by `kws export`", g->n, g->n);
    if (s->source) {
        fputs(" from ", f);
        put_comment_text(f, s->source);
    }
    fprintf(f, ". Do not edit: regenerate.\n"
               " *\n"
               " * In order: (1) each op's parameters, (2) the op table, (3) the integer\n"
               " * model, (4) the front end: MFCC configuration and normalization, (5) class\n"
               " * names, (6) test clips, (7) the deployed model (kws/deployed.h).\n"
               " *\n"
               " * Parameters are static const arrays: flash on the device. %zu bytes =\n"
               " * %zu weights + %zu biases + %zu requantization + %zu affine (kws analyze's\n"
               " * ROM), CRC-32 0x%08lx. The host-only per-channel scales of kws_iop\n"
               " * (wscale, bn_fold) are not exported.\n"
               " */\n",
            kws_imodel_bytes_sum(bt), bt.weights, bt.biases, bt.requant, bt.affine,
            (unsigned long)kws_deployed_param_crc(net));
    fprintf(f, "#include \"%s\"\n\n", h_name);

    fputs("/* ==== (1) parameters ==================================================== */\n\n", f);
    for (int i = 0; i < net->n_ops; i++) {
        kws_status st = write_params(g, i, err);
        if (st != KWS_OK)
            return st;
    }
    if (g->param_bytes != kws_imodel_bytes_sum(bt))
        return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                             "export: wrote %zu parameter bytes, kws_imodel_bytes_total says %zu",
                             g->param_bytes, kws_imodel_bytes_sum(bt));

    fputs("/* ==== (2) op table: one kernel call each, in order ======================== */\n\n",
          f);
    fprintf(f, "static const kws_iop %s_ops[%d] = {\n", g->n, net->n_ops);
    for (int i = 0; i < net->n_ops; i++)
        write_op_entry(g, i);
    fputs("};\n\n", f);

    fputs("/* ==== (3) the integer model ================================================ */\n\n",
          f);
    fprintf(f, "static const kws_imodel %s_net = {\n", g->n);
    fprintf(f, "    .in_h = %d, .in_w = %d, .in_c = %d,\n", net->in_h, net->in_w, net->in_c);
    fputs("    .in_scale = ", f);
    put_f32(f, net->in_scale);
    fprintf(f, ", /* input code = clamp(rhaz(x / in_scale), -127, 127) */\n");
    fprintf(f, "    .n_classes = %d,\n    .out_s32 = %d,\n    .out_scale = ", net->n_classes,
            net->out_s32);
    put_f32(f, net->out_scale);
    fputs(", /* real logit = out_scale * code */\n", f);
    fprintf(f, "    .n_ops = %d,\n    .ops = %s_ops,\n", net->n_ops, g->n);
    fprintf(f, "    .act_peak = %zu, /* activation bytes, both ping-pong sides */\n",
            net->act_peak);
    fprintf(f, "    .scratch_off = %zu, .scratch_size = %zu,\n", net->scratch_off,
            net->scratch_size);
    fprintf(f, "    .arena_size = %zu,\n};\n\n", net->arena_size);

    fputs("/* ==== (4) front end ========================================================== */\n\n",
          f);
    fprintf(f, "/* normalization: x = (mfcc - mean) / std, %s */\n",
            m->n_norm == net->in_h ? "one pair per coefficient" : "one pair per input cell");
    fprintf(f, "static const float %s_norm_mean[%d] = {\n", g->n, m->n_norm);
    put_f32_array(f, m->norm_mean, (size_t)m->n_norm);
    fprintf(f, "};\n\nstatic const float %s_norm_std[%d] = {\n", g->n, m->n_norm);
    put_f32_array(f, m->norm_std, (size_t)m->n_norm);
    fputs("};\n\n", f);

    fputs("/* ==== (5) class names, in output order ====================================== */\n\n",
          f);
    fprintf(f, "static const char *const %s_class_names[%d] = {\n", g->n, m->n_classes);
    for (int c = 0; c < m->n_classes; c++) {
        fputs("    ", f);
        put_cstring(f, m->class_names[c]);
        fputs(",\n", f);
    }
    fputs("};\n\n", f);

    fputs("/* ==== (6) test clips: 1 s each, fitted on the host; expected logits ========= */\n\n",
          f);
    for (int k = 0; k < s->n_clips; k++) {
        fprintf(f, "/* clip %d: ", k);
        put_comment_text(f, s->clip_names[k]);
        fprintf(f, " (%d samples, int16) */\n", s->clip_samples);
        fprintf(f, "static const int16_t %s_clip%d_pcm[%d] = {\n", g->n, k, s->clip_samples);
        put_int_array(f, E_I16, s->clips + (size_t)k * (size_t)s->clip_samples,
                      (size_t)s->clip_samples);
        fputs("};\n\n", f);
        if (s->expect) {
            fprintf(f, "/* clip %d: the logits the host's integer model gives (kws classify's "
                       "path) */\n", k);
            fprintf(f, "static const int32_t %s_clip%d_expect[%d] = {\n", g->n, k,
                    m->n_classes);
            put_int_array(f, E_I32, s->expect + (size_t)k * (size_t)m->n_classes,
                          (size_t)m->n_classes);
            fputs("};\n\n", f);
        }
    }
    if (s->n_clips) {
        fprintf(f, "static const kws_deployed_clip %s_clips[%d] = {\n", g->n, s->n_clips);
        for (int k = 0; k < s->n_clips; k++) {
            fputs("    {", f);
            put_cstring(f, s->clip_names[k]);
            fprintf(f, ", %s_clip%d_pcm, ", g->n, k);
            if (s->expect)
                fprintf(f, "%s_clip%d_expect},\n", g->n, k);
            else
                fputs("NULL},\n", f);
        }
        fputs("};\n\n", f);
    }

    fputs("/* ==== (7) the deployed model =============================================== */\n\n",
          f);
    fprintf(f, "const kws_deployed_model %s = {\n", g->n);
    fprintf(f, "    .version = %d,\n    .name = \"%s\",\n", KWS_DEPLOYED_VERSION, g->n);
    fprintf(f, "    .param_crc = 0x%08lxu,\n    .param_bytes = %zu,\n",
            (unsigned long)kws_deployed_param_crc(net), g->param_bytes);
    fprintf(f, "    .net = &%s_net,\n", g->n);
    fprintf(f, "    .mfcc = {\n        .sample_rate = %d, .frame_len = %d, .hop_len = %d,\n"
               "        .n_mels = %d, .n_mfcc = %d,\n        .f_min = ",
            m->mfcc.sample_rate, m->mfcc.frame_len, m->mfcc.hop_len, m->mfcc.n_mels,
            m->mfcc.n_mfcc);
    put_f32(f, m->mfcc.f_min);
    fputs(", .f_max = ", f);
    put_f32(f, m->mfcc.f_max);
    fputs(", .log_floor = ", f);
    put_f32(f, m->mfcc.log_floor);
    fputs(",\n    },\n", f);
    fprintf(f, "    .clip_samples = %d,\n    .window_first = %d,\n    .window_cols = %d,\n",
            s->clip_samples, s->window_first, net->in_w);
    fprintf(f, "    .n_norm = %d,\n    .norm_mean = %s_norm_mean,\n    .norm_std = %s_norm_std,\n",
            m->n_norm, g->n, g->n);
    fprintf(f, "    .n_classes = %d,\n    .class_names = %s_class_names,\n", m->n_classes, g->n);
    fprintf(f, "    .n_clips = %d,\n", s->n_clips);
    if (s->n_clips)
        fprintf(f, "    .clips = %s_clips,\n", g->n);
    fputs("};\n", f);
    return KWS_OK;
}

/* ---- files ---------------------------------------------------------------------------- */

/* Writes path through path.tmp: flushed, closed and renamed into place. */
static kws_status write_file(gen *g, const char *path, int source, const char *h_name,
                             size_t *bytes, kws_error *err)
{
    char tmp[4096 + 80]; /* a report path (4096 + 64) and ".tmp" */
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    g->f = fopen(tmp, "w");
    if (!g->f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    kws_status st = KWS_OK;
    if (source)
        st = write_source(g, h_name, err);
    else
        write_header(g);
    long end = ftell(g->f);
    int bad = ferror(g->f);
    if (fclose(g->f) != 0 || bad) {
        if (st == KWS_OK)
            st = kws_error_set(err, KWS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    g->f = NULL;
    if (st == KWS_OK && rename(tmp, path) != 0)
        st = kws_error_set(err, KWS_ERR_IO, "%s: cannot rename into place: %s", path,
                           strerror(errno));
    if (st != KWS_OK) {
        remove(tmp);
        return st;
    }
    *bytes = end > 0 ? (size_t)end : 0;
    return KWS_OK;
}

kws_status kws_export_write(const kws_export_spec *spec, const char *dir, kws_export_report *rep,
                            kws_error *err)
{
    kws_export_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    kws_status st = check_spec(spec, err);
    if (st != KWS_OK)
        return st;
    if (!dir || !*dir)
        return kws_error_set(err, KWS_ERR_ARG, "export: no output folder");
    gen g;
    memset(&g, 0, sizeof g);
    g.s = spec;
    g.n = spec->name;
    for (size_t i = 0; spec->name[i]; i++)
        g.u[i] = (char)toupper((unsigned char)spec->name[i]);
    char h_name[KWS_EXPORT_NAME_MAX + 3];
    snprintf(h_name, sizeof h_name, "%s.h", spec->name);
    if (snprintf(rep->c_path, sizeof rep->c_path, "%s/%s.c", dir, spec->name) >=
            (int)sizeof rep->c_path ||
        snprintf(rep->h_path, sizeof rep->h_path, "%s/%s.h", dir, spec->name) >=
            (int)sizeof rep->h_path)
        return kws_error_set(err, KWS_ERR_ARG, "export: folder path too long");
    /* the source first: it counts the parameter bytes the header states */
    st = write_file(&g, rep->c_path, 1, h_name, &rep->c_bytes, err);
    if (st == KWS_OK)
        st = write_file(&g, rep->h_path, 0, h_name, &rep->h_bytes, err);
    if (st != KWS_OK)
        return st;
    rep->param_bytes = g.param_bytes;
    rep->param_crc = kws_deployed_param_crc(spec->net);
    rep->n_arrays = g.n_arrays;
    return KWS_OK;
}
