/* icount.c - QEMU TCG plugin: guest instructions executed between two markers.
 *
 * Usage (QEMU 7.2, plugin API version 1):
 *   qemu-system-arm ... -plugin icount.so,begin=0xADDR,end=0xADDR[,out=FILE]
 *
 * begin/end are the entry addresses of the firmware's kws_mark_begin() and
 * kws_mark_end() (device/m4/mark.c; look them up with arm-none-eabi-nm).
 * A region runs from the first instruction of kws_mark_begin up to, not
 * including, the first instruction of the matching kws_mark_end; regions
 * nest (a stack of open regions). The API of QEMU 7.2 cannot read guest
 * registers, so the id the firmware passes in r0 is not seen here: regions
 * are numbered 0, 1, 2... in the order their kws_mark_begin ran, and the
 * firmware prints the names in that same order.
 *
 * Counting: every translated block adds its instruction count to one
 * counter when it starts (an inline op, cheap), and the two marker
 * instructions get a callback that takes a snapshot. A snapshot at
 * instruction idx of an n-instruction block is counter - (n - idx): the
 * instructions executed before it. This is exact as long as blocks run to
 * their end, which holds for bare-metal code without interrupts; a block
 * left early by an exception would be over-counted.
 *
 * What it counts is instructions, not cycles: QEMU models no pipeline,
 * flash wait states or FPU latencies.
 *
 * Output, at QEMU exit (to FILE, else through QEMU's log on stderr):
 *   icount: api 1 begin 0x... end 0x...
 *   icount: total N
 *   icount: region SEQ depth D insns N      (one line per region, SEQ order)
 *   icount: unmatched_end N / open N        (only when non-zero)
 *
 * Profile (optional, profile=FILE): every translated block also gets a
 * callback that counts its executions and, per block, which block ran next
 * (so a branch's taken count is known: bench/device/m4_cycles.c). FILE
 * receives, for every outermost region when it ends and for the whole run
 * at exit:
 *   R SEQ | R all
 *   T PC INSNS BYTES EXECS        a block that ran in it (PC of its first
 *                                 instruction; a block translated twice has
 *                                 two lines)
 *   E PC NEXT_PC COUNT            how often NEXT_PC's block followed it
 * bench/device/profile_m4.sh sums T lines per function (arm-none-eabi-nm).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define ICOUNT_MAX_DEPTH 64

typedef struct {
    uint64_t insns;  /* instructions in the region; valid when closed */
    int depth;       /* nesting depth when it began; 0 = outermost */
    int closed;
} icount_region;

static uint64_t g_insns;          /* guest instructions started so far */
static uint64_t g_begin_addr, g_end_addr;
static char *g_out_path;

static struct {
    uint64_t start;  /* snapshot at kws_mark_begin */
    size_t seq;      /* index into g_regions */
} g_open[ICOUNT_MAX_DEPTH];
static int g_depth;

#define TB_EDGES 4

typedef struct tb_count {
    uint64_t pc, n, bytes, execs, mark;
    uint64_t edge_pc[TB_EDGES], edge_n[TB_EDGES], edge_mark[TB_EDGES];
    uint64_t edge_other;             /* successors beyond TB_EDGES */
    struct tb_count *next;
} tb_count;
static tb_count *g_tbs;           /* profile: every translated block */
static tb_count *g_last_tb;       /* the block that ran last */
static char *g_profile_path;
static FILE *g_profile;

static icount_region *g_regions;
static size_t g_n_regions, g_cap_regions;
static uint64_t g_unmatched_end, g_too_deep;

/* userdata of a marker callback: (instructions from this one to the block's
 * end) << 1 | 1 for the end marker. */
static void *marker_udata(size_t back, int is_end)
{
    return (void *)(uintptr_t)((back << 1) | (size_t)(is_end ? 1 : 0));
}

/* profile: counters at the start of the current outermost region */
static void profile_mark(void)
{
    for (tb_count *t = g_tbs; t; t = t->next) {
        t->mark = t->execs;
        for (int e = 0; e < TB_EDGES; e++)
            t->edge_mark[e] = t->edge_n[e];
    }
}

/* profile: the counts since the last mark (since = 1) or since the start */
static void profile_dump(size_t seq, int since)
{
    if (!g_profile)
        return;
    if (since)
        fprintf(g_profile, "R %zu\n", seq);
    else
        fprintf(g_profile, "R all\n");
    for (tb_count *t = g_tbs; t; t = t->next) {
        uint64_t n = t->execs - (since ? t->mark : 0);
        if (n == 0)
            continue;
        fprintf(g_profile, "T 0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", t->pc, t->n,
                t->bytes, n);
        for (int e = 0; e < TB_EDGES; e++) {
            uint64_t k = t->edge_n[e] - (since ? t->edge_mark[e] : 0);
            if (k)
                fprintf(g_profile, "E 0x%" PRIx64 " 0x%" PRIx64 " %" PRIu64 "\n", t->pc,
                        t->edge_pc[e], k);
        }
    }
}

static void on_tb_exec(unsigned int vcpu_index, void *udata)
{
    tb_count *t = udata, *last = g_last_tb;
    (void)vcpu_index;
    t->execs++;
    if (last) {
        int e = 0;
        while (e < TB_EDGES && last->edge_n[e] && last->edge_pc[e] != t->pc)
            e++;
        if (e == TB_EDGES) {
            last->edge_other++;
        } else {
            last->edge_pc[e] = t->pc;
            last->edge_n[e]++;
        }
    }
    g_last_tb = t;
}

static void on_marker(unsigned int vcpu_index, void *udata)
{
    uintptr_t u = (uintptr_t)udata;
    uint64_t now = g_insns - (uint64_t)(u >> 1);
    (void)vcpu_index;

    if ((u & 1) == 0) {
        if (g_n_regions == g_cap_regions) {
            size_t cap = g_cap_regions ? 2 * g_cap_regions : 256;
            icount_region *r = realloc(g_regions, cap * sizeof(*r));
            if (!r) {
                g_too_deep++;
                return;
            }
            g_regions = r;
            g_cap_regions = cap;
        }
        if (g_depth == ICOUNT_MAX_DEPTH) {
            g_too_deep++;
            return;
        }
        g_regions[g_n_regions].insns = 0;
        g_regions[g_n_regions].depth = g_depth;
        g_regions[g_n_regions].closed = 0;
        g_open[g_depth].start = now;
        g_open[g_depth].seq = g_n_regions++;
        if (g_depth == 0)
            profile_mark();
        g_depth++;
    } else {
        if (g_depth == 0) {
            g_unmatched_end++;
            return;
        }
        g_depth--;
        g_regions[g_open[g_depth].seq].insns = now - g_open[g_depth].start;
        g_regions[g_open[g_depth].seq].closed = 1;
        if (g_depth == 0)
            profile_dump(g_open[0].seq, 1);
    }
}

static void on_tb_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;

    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &g_insns, n);
    if (g_profile_path && n > 0) {
        tb_count *t = calloc(1, sizeof *t);
        if (t) {
            struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
            t->pc = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0));
            t->n = n;
            t->bytes = qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last) - t->pc;
            t->next = g_tbs;
            g_tbs = t;
            qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == g_begin_addr || pc == g_end_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                                   marker_udata(n - i, pc == g_end_addr));
    }
}

static void emit(FILE *f, const char *line)
{
    if (f)
        fputs(line, f);
    else
        qemu_plugin_outs(line);
}

static void on_exit_report(qemu_plugin_id_t id, void *udata)
{
    char line[160];
    FILE *f = NULL;
    size_t n_open = 0;
    (void)id;
    (void)udata;

    if (g_out_path) {
        f = fopen(g_out_path, "w");
        if (!f) {
            snprintf(line, sizeof line, "icount: cannot write %s\n", g_out_path);
            qemu_plugin_outs(line);
        }
    }
    snprintf(line, sizeof line, "icount: api %d begin 0x%" PRIx64 " end 0x%" PRIx64 "\n",
             QEMU_PLUGIN_VERSION, g_begin_addr, g_end_addr);
    emit(f, line);
    snprintf(line, sizeof line, "icount: total %" PRIu64 "\n", g_insns);
    emit(f, line);
    for (size_t i = 0; i < g_n_regions; i++) {
        if (!g_regions[i].closed) {
            n_open++;
            continue;
        }
        snprintf(line, sizeof line, "icount: region %zu depth %d insns %" PRIu64 "\n", i,
                 g_regions[i].depth, g_regions[i].insns);
        emit(f, line);
    }
    if (g_unmatched_end) {
        snprintf(line, sizeof line, "icount: unmatched_end %" PRIu64 "\n", g_unmatched_end);
        emit(f, line);
    }
    if (n_open) {
        snprintf(line, sizeof line, "icount: open %zu\n", n_open);
        emit(f, line);
    }
    if (g_too_deep) {
        snprintf(line, sizeof line, "icount: dropped %" PRIu64 "\n", g_too_deep);
        emit(f, line);
    }
    if (f)
        fclose(f);
    profile_dump(0, 0);
    if (g_profile)
        fclose(g_profile);
    g_profile = NULL;
    while (g_tbs) {
        tb_count *t = g_tbs->next;
        free(g_tbs);
        g_tbs = t;
    }
    free(g_regions);
    g_regions = NULL;
}

static int parse_addr(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == '\0' || *end != '\0')
        return -1;
    *out = (uint64_t)v & ~(uint64_t)1; /* Thumb symbols carry bit 0 */
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    int have_begin = 0, have_end = 0;
    (void)info;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "begin=", 6) == 0 && parse_addr(a + 6, &g_begin_addr) == 0) {
            have_begin = 1;
        } else if (strncmp(a, "end=", 4) == 0 && parse_addr(a + 4, &g_end_addr) == 0) {
            have_end = 1;
        } else if (strncmp(a, "out=", 4) == 0 && a[4] != '\0') {
            g_out_path = (char *)(a + 4); /* argv lives as long as the plugin */
        } else if (strncmp(a, "profile=", 8) == 0 && a[8] != '\0') {
            g_profile_path = (char *)(a + 8);
        } else {
            fprintf(stderr, "icount: bad argument '%s' (want begin=ADDR,end=ADDR[,out=FILE][,profile=FILE])\n",
                    a);
            return -1;
        }
    }
    if (!have_begin || !have_end || g_begin_addr == g_end_addr) {
        fprintf(stderr, "icount: need distinct begin=ADDR and end=ADDR\n");
        return -1;
    }
    if (g_profile_path) {
        g_profile = fopen(g_profile_path, "w");
        if (!g_profile) {
            fprintf(stderr, "icount: cannot write %s\n", g_profile_path);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_report, NULL);
    return 0;
}
