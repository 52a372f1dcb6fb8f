/* mfcc_parity_check.c - host side of the Cortex-M4 MFCC parity test.
 *
 *   mfcc_parity_check DEVICE_OUTPUT   compare the firmware's records with the host
 *   mfcc_parity_check --emit          print the host's records in the same text form
 *
 * Runs tests/device/parity_cases.h with the host build of src/frontend and
 * compares every value of the firmware's output (device/m4/apps/
 * mfcc_parity.c under QEMU) bit for bit. Reports, per named tensor
 * (batch/stream/window x signal), how many values differ, the largest
 * absolute difference and the largest distance in ulps; exits 1 on any
 * difference, on a missing or extra record, an "ERROR" line or a missing
 * "END". Also checks, on the host alone, that streamed columns equal the
 * batch columns bit for bit (the contract of kws/mfcc.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/kmath.h"

#include "kws/mfcc.h"
#include "tests/device/parity_cases.h"
#include "tests/device/signal_gen.h"

#define MAX_RECORDS 2048
#define MAX_VALUES KWS_PARITY_WINDOW_COLS

typedef struct {
    char kind;
    int sig, index, count;
    uint32_t bits[MAX_VALUES];
} record;

typedef struct {
    record *r;
    int n;
    int overflow;
} record_list;

static void collect(void *ctx, char kind, int sig, int index, const float *v, int count)
{
    record_list *l = ctx;
    if (l->n == MAX_RECORDS || count > MAX_VALUES) {
        l->overflow = 1;
        return;
    }
    record *r = &l->r[l->n++];
    r->kind = kind;
    r->sig = sig;
    r->index = index;
    r->count = count;
    for (int i = 0; i < count; i++)
        r->bits[i] = kws_f32_bits(v[i]);
}

static void print_record(FILE *f, const record *r)
{
    fprintf(f, "%c %d %d %d", r->kind, r->sig, r->index, r->count);
    for (int i = 0; i < r->count; i++)
        fprintf(f, " %08x", (unsigned)r->bits[i]);
    fputc('\n', f);
}

/* Parses "K SIG INDEX COUNT hex..." into r; 0 on success. */
static int parse_record(const char *line, record *r)
{
    char *end;
    if (!strchr("BSWN", line[0]) || line[0] == '\0' || line[1] != ' ')
        return -1;
    r->kind = line[0];
    const char *p = line + 2;
    long v[3];
    for (int k = 0; k < 3; k++) {
        v[k] = strtol(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
    }
    if (v[2] < 0 || v[2] > MAX_VALUES)
        return -1;
    r->sig = (int)v[0];
    r->index = (int)v[1];
    r->count = (int)v[2];
    for (int i = 0; i < r->count; i++) {
        unsigned long u = strtoul(p, &end, 16);
        if (end == p || end - p > 9)
            return -1;
        r->bits[i] = (uint32_t)u;
        p = end;
    }
    while (*p == ' ' || *p == '\r' || *p == '\n')
        p++;
    return *p == '\0' ? 0 : -1;
}

/* Distance in representable floats between two finite values. */
static uint64_t ulp_distance(uint32_t a, uint32_t b)
{
    int64_t ia = (a & 0x80000000u) ? -(int64_t)(a & 0x7fffffffu) : (int64_t)a;
    int64_t ib = (b & 0x80000000u) ? -(int64_t)(b & 0x7fffffffu) : (int64_t)b;
    return (uint64_t)(ia > ib ? ia - ib : ib - ia);
}

typedef struct {
    long values, differ;
    double max_abs;
    uint64_t max_ulp;
    int records;
} tensor_stats;

static int kind_slot(char kind)
{
    return kind == 'B' ? 0 : kind == 'S' ? 1 : kind == 'W' ? 2 : 3;
}

static const char *kind_name(int slot)
{
    static const char *const names[4] = {"batch", "stream", "window", "counts"};
    return names[slot];
}

static int host_records(record_list *out)
{
    kws_mfcc_config cfg = kws_mfcc_config_default();
    size_t mfcc_bytes = kws_mfcc_arena_size(&cfg);
    size_t stream_bytes = kws_mfcc_stream_arena_size(&cfg, KWS_PARITY_WINDOW_COLS);
    void *a1 = malloc(mfcc_bytes), *a2 = malloc(stream_bytes);
    int16_t *pcm = malloc(sizeof(int16_t) * KWS_SIG_MAX_SAMPLES);
    float *batch = malloc(sizeof(float) * KWS_PARITY_MAX_FRAMES * KWS_PARITY_MAX_MFCC);
    float *window = malloc(sizeof(float) * KWS_PARITY_MAX_MFCC * KWS_PARITY_WINDOW_COLS);
    kws_mfcc mfcc;
    kws_mfcc_stream stream;
    int rc = -1;

    if (!a1 || !a2 || !pcm || !batch || !window || mfcc_bytes == 0) {
        fprintf(stderr, "mfcc_parity_check: out of memory or bad config\n");
        goto done;
    }
    kws_status st = kws_mfcc_init(&mfcc, &cfg, a1, mfcc_bytes);
    if (st == KWS_OK)
        st = kws_mfcc_stream_init(&stream, &mfcc, KWS_PARITY_WINDOW_COLS, a2, stream_bytes);
    if (st != KWS_OK) {
        fprintf(stderr, "mfcc_parity_check: init failed: %s\n", kws_status_str(st));
        goto done;
    }
    kws_parity_run run = {&mfcc, &stream, pcm, batch, window, collect, out};
    rc = 0;
    for (int sig = 0; sig < KWS_SIG_COUNT && rc == 0; sig++)
        rc = kws_parity_signal(&run, sig);
    if (rc || out->overflow) {
        fprintf(stderr, "mfcc_parity_check: host run failed\n");
        rc = -1;
    }
done:
    free(a1);
    free(a2);
    free(pcm);
    free(batch);
    free(window);
    return rc;
}

/* Host contract: every streamed column equals the batch column of the same index. */
static int check_stream_equals_batch(const record_list *h)
{
    int bad = 0, compared = 0;
    for (int i = 0; i < h->n; i++) {
        const record *s = &h->r[i];
        if (s->kind != 'S')
            continue;
        for (int j = 0; j < h->n; j++) {
            const record *b = &h->r[j];
            if (b->kind == 'B' && b->sig == s->sig && b->index == s->index) {
                compared++;
                if (b->count != s->count ||
                    memcmp(b->bits, s->bits, sizeof(uint32_t) * (size_t)s->count) != 0)
                    bad++;
                break;
            }
        }
    }
    printf("host: stream vs batch columns: %d compared, %d differ\n", compared, bad);
    return bad == 0 && compared > 0;
}

int main(int argc, char **argv)
{
    static record_list host, dev;
    host.r = calloc(MAX_RECORDS, sizeof(record));
    dev.r = calloc(MAX_RECORDS, sizeof(record));
    if (!host.r || !dev.r || argc != 2) {
        fprintf(stderr, "usage: mfcc_parity_check DEVICE_OUTPUT | --emit\n");
        return 2;
    }
    if (host_records(&host) != 0)
        return 1;
    if (strcmp(argv[1], "--emit") == 0) {
        for (int i = 0; i < host.n; i++)
            print_record(stdout, &host.r[i]);
        return 0;
    }

    FILE *f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "mfcc_parity_check: cannot open %s\n", argv[1]);
        return 1;
    }
    static char line[8192];
    int saw_end = 0, errors = 0, bad_lines = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strncmp(line, "END", 3) == 0) {
            saw_end = 1;
        } else if (strncmp(line, "ERROR", 5) == 0 || strncmp(line, "FAULT", 5) == 0) {
            fprintf(stderr, "device: %s", line);
            errors++;
        } else if (line[0] && strchr("BSWN", line[0]) && line[1] == ' ') {
            if (dev.n == MAX_RECORDS || parse_record(line, &dev.r[dev.n]) != 0) {
                fprintf(stderr, "%s:%d: malformed record\n", argv[1], lineno);
                bad_lines++;
            } else {
                dev.n++;
            }
        }
    }
    fclose(f);

    tensor_stats stats[KWS_SIG_COUNT][4];
    memset(stats, 0, sizeof stats);
    int mismatched_records = 0;
    int n = host.n < dev.n ? host.n : dev.n;
    for (int i = 0; i < n; i++) {
        const record *h = &host.r[i], *d = &dev.r[i];
        if (h->kind != d->kind || h->sig != d->sig || h->index != d->index ||
            h->count != d->count) {
            if (mismatched_records++ < 5)
                fprintf(stderr, "record %d: device has %c %d %d (%d values), host %c %d %d (%d)\n",
                        i, d->kind, d->sig, d->index, d->count, h->kind, h->sig, h->index,
                        h->count);
            continue;
        }
        if (h->sig < 0 || h->sig >= KWS_SIG_COUNT)
            continue;
        tensor_stats *t = &stats[h->sig][kind_slot(h->kind)];
        t->records++;
        for (int k = 0; k < h->count; k++) {
            uint32_t hb = h->bits[k], db = d->bits[k];
            t->values++;
            if (hb == db)
                continue;
            t->differ++;
            double diff = fabs((double)kws_f32_from_bits(hb) - (double)kws_f32_from_bits(db));
            if (!(diff <= t->max_abs))
                t->max_abs = diff; /* NaN sticks */
            uint64_t u = ulp_distance(hb, db);
            if (u > t->max_ulp)
                t->max_ulp = u;
        }
    }

    long total_differ = 0;
    printf("%-8s %-7s %8s %9s %8s %12s %9s\n", "tensor", "signal", "records", "values",
           "differ", "max|diff|", "max ulp");
    for (int s = 0; s < KWS_SIG_COUNT; s++) {
        for (int k = 0; k < 4; k++) {
            const tensor_stats *t = &stats[s][k];
            printf("%-8s %-7s %8d %9ld %8ld %12.3g %9llu\n", kind_name(k), kws_sig_name(s),
                   t->records, t->values, t->differ, t->max_abs,
                   (unsigned long long)t->max_ulp);
            total_differ += t->differ;
        }
    }
    int host_ok = check_stream_equals_batch(&host);

    int ok = 1;
    if (dev.n != host.n) {
        fprintf(stderr, "FAIL: device printed %d records, host has %d\n", dev.n, host.n);
        ok = 0;
    }
    if (mismatched_records) {
        fprintf(stderr, "FAIL: %d records out of order or of the wrong shape\n",
                mismatched_records);
        ok = 0;
    }
    if (total_differ) {
        fprintf(stderr, "FAIL: %ld values differ between the Cortex-M4 and the host\n",
                total_differ);
        ok = 0;
    }
    if (errors || bad_lines) {
        fprintf(stderr, "FAIL: %d device errors, %d malformed lines\n", errors, bad_lines);
        ok = 0;
    }
    if (!saw_end) {
        fprintf(stderr, "FAIL: device output has no END line (crash or timeout?)\n");
        ok = 0;
    }
    if (!host_ok) {
        fprintf(stderr, "FAIL: host streamed columns differ from batch columns\n");
        ok = 0;
    }
    printf("mfcc parity (Cortex-M4 under QEMU vs host): %d records, %ld values differ: %s\n",
           dev.n, total_differ, ok ? "PASS" : "FAIL");
    free(host.r);
    free(dev.r);
    return ok ? 0 : 1;
}
