/* m4_cycles.c - a Cortex-M4 cycle estimate from QEMU's exact instruction
 * stream: the icount plugin's block profile (profile=FILE: how often each
 * translated block ran and which block followed it) priced instruction by
 * instruction with the processor's published timing (Cortex-M4 TRM,
 * "Instruction set summary" and "Load/store timings"; zero wait states).
 *
 *   m4_cycles [--by-function] DISASM PROFILE [REGION...]
 *
 * DISASM: `arm-none-eabi-objdump -d` of the image; PROFILE: the plugin's
 * file; REGION: region sequence numbers (the "@region SEQ NAME" lines), or
 * "all" (the default) for the whole run. Prints per region:
 *
 *   cycles REGION INSNS CYCLES_P1 CYCLES_P2 CYCLES_P3 TAKEN_BRANCHES
 *
 * and with --by-function, before it, per function (objdump's <name>:
 * labels) that ran in the region:
 *
 *   function REGION NAME INSNS CYCLES_P2
 *
 * with P, the pipeline refill after a taken branch, at 1, 2 and 3 cycles
 * (the TRM's range; it depends on the target's alignment and width).
 *
 * The price list (cycles; "pipelined" = right after a single load):
 *   data processing, multiply and multiply-accumulate (MUL, MLA, SMLAD,
 *     SMLAL, SMULL, ...), saturation, SIMD (SADD16, SXTB16, ...), IT: 1
 *   LDR/LDRB/LDRH/LDRSB/LDRSH: 2, pipelined 1
 *   STR/STRB/STRH with an immediate offset: 1 (write buffer); with a
 *     register offset: 2, pipelined 1
 *   LDRD/STRD: 3 (never pipelined)
 *   LDM/STM/PUSH/POP: 1 + N registers; VLDM/VSTM/VPUSH/VPOP the same
 *   a load or store whose address uses the register the instruction right
 *     before it wrote: +1 (no forwarding to the address stage)
 *   SDIV/UDIV: 7 (2 .. 12 by operand size); VDIV/VSQRT: 14; VLDR/VSTR: 2;
 *     VMLA/VMLS/VFMA/VFMS/VNMLA: 3; other VFP: 1
 *   TBB/TBH: 3 + P
 *   a branch (B, BL, BX, BLX, CBZ/CBNZ, POP or LDM with PC, a write to PC):
 *     1, plus P when taken. Taken counts are exact: the profile records
 *     which block followed each block; a branch to anything but the next
 *     address was taken.
 * What it leaves out: flash wait states (the STM32L4's ART accelerator
 * hides them in loops, not on every taken branch), bus contention, and
 * interrupts (none in these benchmarks). So it is an estimate, not a
 * measurement: DWT->CYCCNT on a board measures.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t addr;
    int func;        /* index into g_funcs */
    char mn[16];     /* mnemonic without .w/.n */
    char ops[96];    /* operands, comments cut */
} insn;

static insn *g_in;
static size_t g_n, g_cap;

typedef struct {
    char name[64];
    uint64_t insns, cycles; /* of the current region */
} func;

static func *g_funcs;
static int g_nf, g_capf;
static int g_by_function;

static int cmp_addr(const void *a, const void *b)
{
    const insn *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* "  8000a2c:\te8bd 8ff0 \tldmia.w\tsp!, {r4, ..., pc}" */
static int read_disasm(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "m4_cycles: cannot open %s\n", path);
        return -1;
    }
    char line[512];
    int cur = -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        char *lt = strstr(line, " <"), *gt = lt ? strstr(lt, ">:") : NULL;
        if (lt && gt && line[0] != ' ') { /* "08000110 <main>:" */
            if (g_nf == g_capf) {
                g_capf = g_capf ? 2 * g_capf : 256;
                func *q = realloc(g_funcs, (size_t)g_capf * sizeof *q);
                if (!q)
                    break;
                g_funcs = q;
            }
            size_t len = (size_t)(gt - lt - 2);
            if (len >= sizeof g_funcs[0].name)
                len = sizeof g_funcs[0].name - 1;
            memset(&g_funcs[g_nf], 0, sizeof g_funcs[g_nf]);
            memcpy(g_funcs[g_nf].name, lt + 2, len);
            cur = g_nf++;
            continue;
        }
        while (*p == ' ')
            p++;
        char *end;
        unsigned long a = strtoul(p, &end, 16);
        if (end == p || *end != ':' || end[1] != '\t')
            continue;
        char *t1 = strchr(end + 2, '\t'); /* after the encoding */
        if (!t1)
            continue;
        insn in;
        memset(&in, 0, sizeof in);
        in.addr = (uint32_t)a;
        in.func = cur;
        p = t1 + 1;
        size_t k = 0;
        while (*p && !isspace((unsigned char)*p) && k + 1 < sizeof in.mn)
            in.mn[k++] = *p++;
        in.mn[k] = '\0';
        char *dot = strchr(in.mn, '.');
        if (dot && (strcmp(dot, ".w") == 0 || strcmp(dot, ".n") == 0))
            *dot = '\0';
        while (*p && isspace((unsigned char)*p))
            p++;
        k = 0;
        while (*p && *p != '\n' && *p != ';' && *p != '@' && k + 1 < sizeof in.ops)
            in.ops[k++] = *p++;
        in.ops[k] = '\0';
        if (g_n == g_cap) {
            g_cap = g_cap ? 2 * g_cap : 4096;
            insn *q = realloc(g_in, g_cap * sizeof *q);
            if (!q) {
                fclose(f);
                return -1;
            }
            g_in = q;
        }
        g_in[g_n++] = in;
    }
    fclose(f);
    qsort(g_in, g_n, sizeof *g_in, cmp_addr);
    return g_n ? 0 : -1;
}

static long find(uint32_t addr)
{
    size_t lo = 0, hi = g_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_in[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g_n && g_in[lo].addr == addr ? (long)lo : -1;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_any(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

static const char *const k_cond[] = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs",
                                     "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", NULL};

/* mnemonic base without a condition suffix, when s = base + cond */
static int is_with_cond(const char *s, const char *base)
{
    size_t n = strlen(base);
    return strncmp(s, base, n) == 0 && (s[n] == '\0' || is_any(s + n, k_cond));
}

typedef enum { K_ALU, K_LOAD, K_STORE, K_DOUBLE, K_MULTI, K_BRANCH, K_OTHER } kind;

/* registers in a {...} list, ranges expanded; *has_pc set when pc is one */
static int reg_list(const char *ops, int *has_pc)
{
    const char *b = strchr(ops, '{'), *e = b ? strchr(b, '}') : NULL;
    *has_pc = 0;
    if (!b || !e)
        return 1;
    int n = 0;
    const char *p = b + 1;
    while (p < e) {
        while (p < e && (*p == ' ' || *p == ','))
            p++;
        const char *q = p;
        while (q < e && *q != ',')
            q++;
        char item[32];
        size_t len = (size_t)(q - p) < sizeof item - 1 ? (size_t)(q - p) : sizeof item - 1;
        memcpy(item, p, len);
        item[len] = '\0';
        char *dash = strchr(item, '-');
        if (dash) {
            int a = atoi(item + 1), z = atoi(dash + 2); /* r4-r11, s16-s31, d8-d15 */
            n += z >= a ? z - a + 1 : 1;
        } else if (len) {
            n++;
            if (strstr(item, "pc"))
                *has_pc = 1;
        }
        p = q;
    }
    return n ? n : 1;
}

/* The first operand (a destination register) into reg. */
static void first_reg(const char *ops, char *reg, size_t size)
{
    size_t k = 0;
    while (*ops && *ops != ',' && *ops != ' ' && k + 1 < size)
        reg[k++] = *ops++;
    reg[k] = '\0';
}

/* Whether the address part [..] of ops names register reg. */
static int address_uses(const char *ops, const char *reg)
{
    const char *b = strchr(ops, '['), *e = b ? strchr(b, ']') : NULL;
    if (!b || !e || !reg[0])
        return 0;
    size_t n = strlen(reg);
    for (const char *p = b + 1; p + n <= e; p++)
        if (strncmp(p, reg, n) == 0 && !isalnum((unsigned char)p[n]) &&
            !isalnum((unsigned char)p[-1]))
            return 1;
    return 0;
}

/* Cycles of one instruction without a branch's refill; *k its kind;
 * prev: the instruction before it in the block (NULL at its start);
 * *branch: it can change the PC. */
static int price(const insn *in, const insn *prev, kind prev_kind, kind *k, int *branch)
{
    static const char *const loads[] = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex",
                                        NULL};
    static const char *const stores[] = {"str", "strb", "strh", "strex", NULL};
    const char *m = in->mn;
    *branch = 0;
    *k = K_ALU;
    int c = 1;
    if (is_with_cond(m, "b") || is_with_cond(m, "bl") || is_with_cond(m, "bx") ||
        is_with_cond(m, "blx") || strcmp(m, "cbz") == 0 || strcmp(m, "cbnz") == 0) {
        *k = K_BRANCH;
        *branch = 1;
        return 1;
    }
    if (starts(m, "tbb") || starts(m, "tbh")) {
        *k = K_BRANCH;
        *branch = 1;
        return 3;
    }
    if (starts(m, "ldrd") || starts(m, "strd")) {
        *k = K_DOUBLE;
        c = 3;
    } else if (starts(m, "ldm") || starts(m, "stm") || starts(m, "push") || starts(m, "pop") ||
               starts(m, "vldm") || starts(m, "vstm") || starts(m, "vpush") ||
               starts(m, "vpop")) {
        int has_pc;
        *k = K_MULTI;
        c = 1 + reg_list(in->ops, &has_pc);
        if (has_pc) {
            *k = K_BRANCH;
            *branch = 1;
        }
    } else if (starts(m, "vldr") || starts(m, "vstr")) {
        *k = K_OTHER;
        c = 2;
    } else if (starts(m, "vdiv") || starts(m, "vsqrt")) {
        c = 14;
    } else if (starts(m, "vmla") || starts(m, "vmls") || starts(m, "vfma") ||
               starts(m, "vfms") || starts(m, "vnml") || starts(m, "vfnm")) {
        c = 3;
    } else if (starts(m, "sdiv") || starts(m, "udiv")) {
        c = 7;
    } else {
        int ld = 0, st = 0;
        for (const char *const *s = loads; *s; s++)
            ld |= is_with_cond(m, *s);
        for (const char *const *s = stores; *s; s++)
            st |= is_with_cond(m, *s);
        if (ld) {
            char rd[16];
            first_reg(in->ops, rd, sizeof rd);
            *k = K_LOAD;
            c = prev_kind == K_LOAD ? 1 : 2;
            if (strcmp(rd, "pc") == 0) {
                *k = K_BRANCH;
                *branch = 1;
                c = 2;
            }
        } else if (st) {
            *k = K_STORE;
            const int reg_offset = strchr(in->ops, '[') && strchr(strchr(in->ops, '['), ',') &&
                                   !strchr(strchr(in->ops, '['), '#');
            c = reg_offset ? (prev_kind == K_LOAD ? 1 : 2) : 1;
        } else {
            char rd[16];
            first_reg(in->ops, rd, sizeof rd);
            if (strcmp(rd, "pc") == 0 && (starts(m, "mov") || starts(m, "add"))) {
                *k = K_BRANCH;
                *branch = 1;
            }
        }
    }
    /* address generated from the previous data-processing result */
    if ((*k == K_LOAD || *k == K_STORE || *k == K_DOUBLE || *k == K_MULTI) && prev &&
        prev_kind == K_ALU) {
        char rd[16];
        first_reg(prev->ops, rd, sizeof rd);
        if (address_uses(in->ops, rd))
            c++;
    }
    return c;
}

typedef struct {
    uint32_t pc, bytes;
    uint64_t n, execs, taken;
} block;

static void report(const char *region, const block *b, size_t nb)
{
    uint64_t insns = 0, base = 0, taken = 0;
    for (size_t i = 0; i < nb; i++) {
        long at = find(b[i].pc);
        if (at < 0) {
            fprintf(stderr, "m4_cycles: block at 0x%08" PRIx32 " not in the disassembly\n",
                    b[i].pc);
            continue;
        }
        uint64_t cyc = 0;
        kind pk = K_OTHER;
        const insn *prev = NULL;
        int last_branch = 0;
        for (uint64_t j = 0; j < b[i].n && (size_t)at + j < g_n; j++) {
            kind k;
            int br;
            cyc += (uint64_t)price(&g_in[at + j], prev, pk, &k, &br);
            prev = &g_in[at + j];
            pk = k;
            last_branch = br;
        }
        insns += b[i].n * b[i].execs;
        base += cyc * b[i].execs;
        if (last_branch)
            taken += b[i].taken;
        const int fi = g_in[at].func;
        if (fi >= 0) {
            g_funcs[fi].insns += b[i].n * b[i].execs;
            g_funcs[fi].cycles += cyc * b[i].execs + (last_branch ? 2 * b[i].taken : 0);
        }
    }
    for (int fi = 0; fi < g_nf; fi++) {
        if (g_by_function && g_funcs[fi].insns)
            printf("function %s %s %" PRIu64 " %" PRIu64 "\n", region, g_funcs[fi].name,
                   g_funcs[fi].insns, g_funcs[fi].cycles);
        g_funcs[fi].insns = g_funcs[fi].cycles = 0;
    }
    printf("cycles %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", region,
           insns, base + taken, base + 2 * taken, base + 3 * taken, taken);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--by-function") == 0) {
        g_by_function = 1;
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: m4_cycles [--by-function] DISASM PROFILE [REGION...]\n");
        return 2;
    }
    if (read_disasm(argv[1]) != 0) {
        fprintf(stderr, "m4_cycles: no instructions in %s\n", argv[1]);
        return 2;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        fprintf(stderr, "m4_cycles: cannot open %s\n", argv[2]);
        return 2;
    }
    block *b = NULL;
    size_t nb = 0, cap = 0;
    char region[64] = "", line[256];
    int want = 0;
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        if (!got || line[0] == 'R') {
            if (want)
                report(region, b, nb);
            nb = 0;
            if (!got)
                break;
            if (sscanf(line, "R %63s", region) != 1)
                region[0] = '\0';
            want = argc == 3 ? strcmp(region, "all") == 0 : 0;
            for (int i = 3; i < argc; i++)
                want |= strcmp(argv[i], region) == 0;
            continue;
        }
        if (!want)
            continue;
        unsigned long pc, next;
        unsigned long long n, bytes, execs, count;
        if (sscanf(line, "T %lx %llu %llu %llu", &pc, &n, &bytes, &execs) == 4) {
            if (nb == cap) {
                cap = cap ? 2 * cap : 1024;
                block *q = realloc(b, cap * sizeof *q);
                if (!q)
                    break;
                b = q;
            }
            b[nb].pc = (uint32_t)pc;
            b[nb].bytes = (uint32_t)bytes;
            b[nb].n = n;
            b[nb].execs = execs;
            b[nb].taken = 0;
            nb++;
        } else if (sscanf(line, "E %lx %lx %llu", &pc, &next, &count) == 3 && nb > 0) {
            /* edges follow their block's T line */
            block *last = &b[nb - 1];
            if (last->pc == (uint32_t)pc && (uint32_t)next != last->pc + last->bytes)
                last->taken += count;
        }
    }
    fclose(f);
    free(b);
    free(g_in);
    free(g_funcs);
    return 0;
}
