/* kernels_parity_check.c - host side of the Cortex-M4 kernel parity test.
 *
 *   kernels_parity_check DEVICE_OUTPUT   check the firmware's lines
 *   kernels_parity_check --emit          print the host's K lines
 *
 * DEVICE_OUTPUT is what device/m4/apps/kernels_parity.c printed under QEMU.
 * For every case of tests/device/kernel_cases.h the host generates the same
 * data, runs the reference kernel (and the fast one, through simd_m4.h's
 * plain C) and requires of the device's "K NAME REF FAST SAME" line:
 * REF = the host's reference checksum (the device computes what the host
 * computes), FAST = REF and SAME = 1 (the device's fast kernel is its
 * reference, byte for byte). For each conv kws_conv2d_s8_winograd takes
 * (kc_winograd_takes) a "W NAME REF WINO SAME" line with REF as above, WINO
 * = REF and SAME = 1 (and the host's Winograd equals its reference too).
 * Every "I NAME CHECKED BAD" line (the DSP
 * instructions against their C definitions) must have BAD = 0 and CHECKED
 * > 0. A missing or unknown case, an "ERROR" line or a missing "END" fail.
 * Exit status 0 when everything matches, 1 otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/device/kernel_cases.h"

static int8_t *g_out;
static uint64_t g_scratch[KC_WINO_SCRATCH / 8];

/* Reference and fast checksums of case c on the host. */
static int host_case(const kc_case *c, const kc_data *d, uint32_t *ref, uint32_t *fast)
{
    kc_generate(c, d);
    const size_t n = kc_out_bytes(c);
    if (kc_run(c, d, 0, g_scratch, g_out) != KWS_OK)
        return 0;
    *ref = kc_fnv1a(g_out, n);
    if (kc_run(c, d, 1, g_scratch, g_out) != KWS_OK)
        return 0;
    *fast = kc_fnv1a(g_out, n);
    return 1;
}

/* Runs every case on the host, then checks the device's output file (or,
 * with "--emit", prints the host's lines). 0: all agree. */
static int check(const char *device_output, kc_data *d)
{
    uint32_t ref[KC_N_CASES], fast[KC_N_CASES];
    int fail = 0;
    for (int i = 0; i < KC_N_CASES; i++) {
        if (!kc_fits(&kc_cases[i]) || kc_scratch_bytes(&kc_cases[i]) > sizeof g_scratch ||
            !host_case(&kc_cases[i], d, &ref[i], &fast[i])) {
            fprintf(stderr, "host: case %s failed to run\n", kc_cases[i].name);
            return 1;
        }
        if (ref[i] != fast[i]) {
            printf("FAIL host: %s fast %08x != reference %08x\n", kc_cases[i].name, fast[i],
                   ref[i]);
            fail = 1;
        }
    }
    if (strcmp(device_output, "--emit") == 0) {
        for (int i = 0; i < KC_N_CASES; i++)
            printf("K %s %08x %08x 1\n", kc_cases[i].name, ref[i], fast[i]);
        return fail;
    }

    FILE *f = fopen(device_output, "r");
    if (!f) {
        fprintf(stderr, "kernels_parity_check: cannot open %s\n", device_output);
        return 2;
    }
    int seen[KC_N_CASES] = {0}, wseen[KC_N_CASES] = {0};
    for (int i = 0; i < KC_N_CASES; i++) {
        if (!kc_winograd_takes(&kc_cases[i]))
            continue;
        kc_generate(&kc_cases[i], d);
        if (kc_run_winograd(&kc_cases[i], d, g_scratch, sizeof g_scratch, g_out) != KWS_OK ||
            kc_fnv1a(g_out, kc_out_bytes(&kc_cases[i])) != ref[i]) {
            printf("FAIL host: %s Winograd != reference\n", kc_cases[i].name);
            fail = 1;
        }
    }
    int n_instr = 0, end = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char name[128];
        unsigned dref, dfast, checked, bad;
        int same;
        if (strncmp(line, "ERROR", 5) == 0) {
            printf("FAIL device: %s", line);
            fail = 1;
        } else if (strncmp(line, "END", 3) == 0) {
            end = 1;
        } else if (sscanf(line, "I %127s %u %u", name, &checked, &bad) == 3) {
            n_instr++;
            if (bad != 0 || checked == 0) {
                printf("FAIL device: instruction %s: %u of %u differ from the C definition\n",
                       name, bad, checked);
                fail = 1;
            }
        } else if (sscanf(line, "W %127s %x %x %d", name, &dref, &dfast, &same) == 4) {
            int i = 0;
            while (i < KC_N_CASES && strcmp(kc_cases[i].name, name) != 0)
                i++;
            if (i == KC_N_CASES || !kc_winograd_takes(&kc_cases[i])) {
                printf("FAIL device: unexpected Winograd line %s\n", name);
                fail = 1;
                continue;
            }
            wseen[i] = 1;
            const int ok = dref == ref[i] && dfast == dref && same;
            fail |= !ok;
            printf("%-20s Winograd %08x  %s\n", name, dfast,
                   ok ? "ok" : "FAIL: device Winograd != reference");
        } else if (sscanf(line, "K %127s %x %x %d", name, &dref, &dfast, &same) == 4) {
            int i = 0;
            while (i < KC_N_CASES && strcmp(kc_cases[i].name, name) != 0)
                i++;
            if (i == KC_N_CASES) {
                printf("FAIL device: unknown case %s\n", name);
                fail = 1;
                continue;
            }
            seen[i] = 1;
            const char *verdict = "ok";
            if (dref != ref[i]) {
                verdict = "FAIL: device reference != host reference";
                fail = 1;
            } else if (dfast != dref || !same) {
                verdict = "FAIL: device fast != device reference";
                fail = 1;
            }
            printf("%-20s host %08x device ref %08x fast %08x  %s\n", name, ref[i], dref, dfast,
                   verdict);
        }
    }
    fclose(f);
    for (int i = 0; i < KC_N_CASES; i++)
        if (!seen[i] || (kc_winograd_takes(&kc_cases[i]) && !wseen[i])) {
            printf("FAIL device: no %s line for case %s\n", seen[i] ? "W" : "K",
                   kc_cases[i].name);
            fail = 1;
        }
    if (n_instr == 0) {
        printf("FAIL device: no instruction checks\n");
        fail = 1;
    }
    if (!end) {
        printf("FAIL device: no END line\n");
        fail = 1;
    }
    printf("kernels_parity_check: %d cases, %d instruction checks: %s\n", KC_N_CASES, n_instr,
           fail ? "FAIL" : "PASS");
    return fail;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kernels_parity_check DEVICE_OUTPUT | --emit\n");
        return 2;
    }
    kc_data d;
    d.in = malloc(KC_MAX_IN);
    d.weight = malloc(KC_MAX_W);
    d.bias = malloc(sizeof(int32_t) * KC_MAX_CH);
    d.mul = malloc(sizeof(int16_t) * KC_MAX_CH);
    d.rq = malloc(sizeof(kws_requant) * KC_MAX_CH);
    g_out = malloc(KC_MAX_OUT);
    int rc = 2;
    if (d.in && d.weight && d.bias && d.mul && d.rq && g_out)
        rc = check(argv[1], &d);
    else
        fprintf(stderr, "kernels_parity_check: out of memory\n");
    free(d.in);
    free(d.weight);
    free(d.bias);
    free(d.mul);
    free(d.rq);
    free(g_out);
    return rc;
}
