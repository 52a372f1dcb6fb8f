/* selftest.c - checks the firmware harness itself under QEMU.
 *
 * - semihosting output: strings, decimal and hex printing;
 * - libc_min.c: memcpy/memmove/memset/memcmp over odd sizes and offsets;
 * - the FPU (single precision in hardware) and libgcc's double precision;
 * - the stack high-water mark;
 * - regions with exactly predictable instruction counts for the icount
 *   plugin, written in assembly so no compiler choice changes them:
 *       "empty"        B + 2
 *       "loop N"       B + 3 + 2N
 *   where B is the number of instructions of kws_mark_begin (read from the
 *   disassembly by tests/device/device_m4_icount.sh), plus one nested
 *   region pair (outer around inner), whose counts only need be ordered.
 * Prints "selftest: N checks, M failed" and returns KWS_M4_EXIT_CHECK on a
 * failure.
 */
#include <stdint.h>
#include <string.h>

#include "m4.h"
#include "mark.h"
#include "semihost.h"

static int g_checks, g_failed;

static void check(int ok, const char *what)
{
    g_checks++;
    if (!ok) {
        g_failed++;
        kws_m4_puts("FAIL ");
        kws_m4_puts(what);
        kws_m4_putc('\n');
    }
}

/* Region id 0: begin, end. B + 2 instructions (movs, bl). */
__attribute__((naked, noinline)) static void region_empty(void)
{
    __asm__ volatile("push {r4, lr}\n\t"
                     "movs r0, #0\n\t"
                     "bl kws_mark_begin\n\t"
                     "movs r0, #0\n\t"
                     "bl kws_mark_end\n\t"
                     "pop {r4, pc}\n\t");
}

/* Region id 1 around a loop of n >= 1 iterations of (subs, bne):
 * B + mov + 2n + movs + bl = B + 3 + 2n instructions. */
__attribute__((naked, noinline)) static void region_loop(uint32_t n)
{
    (void)n;
    __asm__ volatile("push {r4, lr}\n\t"
                     "mov r4, r0\n\t"
                     "movs r0, #1\n\t"
                     "bl kws_mark_begin\n\t"
                     "mov r0, r4\n\t"
                     "1:\n\t"
                     "subs r0, r0, #1\n\t"
                     "bne 1b\n\t"
                     "movs r0, #1\n\t"
                     "bl kws_mark_end\n\t"
                     "pop {r4, pc}\n\t");
}

static void test_print(void)
{
    /* The host script checks these lines literally. */
    kws_m4_puts("print: ");
    kws_m4_put_u32(0);
    kws_m4_putc(' ');
    kws_m4_put_u32(4294967295u);
    kws_m4_putc(' ');
    kws_m4_put_i32(-2147483647 - 1);
    kws_m4_putc(' ');
    kws_m4_put_u64(18446744073709551615ull);
    kws_m4_putc(' ');
    kws_m4_put_hex32(0xdeadbeefu);
    kws_m4_putc(' ');
    kws_m4_put_f32_bits(-1.5f);
    kws_m4_putc('\n');
    kws_m4_semihost_writec('w');
    kws_m4_semihost_writec('\n');
}

static void test_memory(void)
{
    static uint8_t a[96], b[96];
    int ok = 1;
    for (int off = 0; off < 4; off++) {
        for (int n = 0; n < 40; n++) {
            for (int i = 0; i < 96; i++) {
                a[i] = (uint8_t)(i * 7 + 3);
                b[i] = 0;
            }
            memcpy(b + off, a + (3 - off), (size_t)n);
            for (int i = 0; i < 96; i++) {
                uint8_t want = (i >= off && i < off + n) ? a[i - off + 3 - off] : 0;
                ok &= b[i] == want;
            }
            /* Overlapping, both directions. */
            for (int i = 0; i < 96; i++)
                a[i] = (uint8_t)i;
            memmove(a + 8 + off, a + 8, (size_t)n);
            for (int i = 0; i < n; i++)
                ok &= a[8 + off + i] == (uint8_t)(8 + i);
            for (int i = 0; i < 96; i++)
                a[i] = (uint8_t)i;
            memmove(a + 8, a + 8 + off, (size_t)n);
            for (int i = 0; i < n; i++)
                ok &= a[8 + i] == (uint8_t)(8 + off + i);
            memset(b, 0, sizeof b);
            memset(b + off, 0xa5, (size_t)n);
            for (int i = 0; i < 96; i++)
                ok &= b[i] == ((i >= off && i < off + n) ? 0xa5 : 0);
            ok &= memcmp(b + off, b + off, (size_t)n) == 0;
        }
    }
    check(ok, "memcpy/memmove/memset");
    b[10] = 1;
    a[10] = 2;
    memcpy(a, b, 10);
    check(memcmp(a, b, 11) > 0 && memcmp(b, a, 11) < 0, "memcmp order");
}

static void test_float(void)
{
    volatile float x = 1.0f, y = 3.0f;
    volatile double dx = 1.0, dy = 3.0;
    float q = x / y;
    double dq = dx / dy;
    uint32_t qb;
    uint64_t dqb;
    memcpy(&qb, &q, 4);
    memcpy(&dqb, &dq, 8);
    check(qb == 0x3eaaaaabu, "1.0f/3.0f on the FPU");
    check(dqb == 0x3fd5555555555555ull, "1.0/3.0 in libgcc double");
    volatile float tiny = 1e-40f; /* subnormal: the M4 FPU keeps it (FZ off) */
    check(tiny * 2.0f > 1.9e-40f, "subnormal float arithmetic");
}

static __attribute__((noinline)) uint32_t busy_c(uint32_t n)
{
    volatile uint32_t acc = 0;
    for (uint32_t i = 0; i < n; i++)
        acc += i;
    return acc;
}

int main(void)
{
    kws_m4_puts("selftest: start\n");
    test_print();
    test_memory();
    test_float();

    /* Regions: the order of these names is the order of the plugin's counts. */
    kws_m4_region_name("empty");
    region_empty();
    kws_m4_region_name("loop 1");
    region_loop(1);
    kws_m4_region_name("loop 1000");
    region_loop(1000);
    kws_m4_region_name("loop 100000");
    region_loop(100000);
    int outer = kws_m4_region_begin("outer");
    busy_c(10);
    kws_m4_region_name("inner loop 10");
    region_loop(10);
    busy_c(10);
    kws_m4_region_end(outer);

    uint32_t used = kws_m4_stack_used();
    kws_m4_puts("stack: used ");
    kws_m4_put_u32(used);
    kws_m4_puts(" of ");
    kws_m4_put_u32(kws_m4_stack_size());
    kws_m4_putc('\n');
    check(used > 0 && used < kws_m4_stack_size(), "stack high-water mark");

    kws_m4_puts("selftest: ");
    kws_m4_put_u32((uint32_t)g_checks);
    kws_m4_puts(" checks, ");
    kws_m4_put_u32((uint32_t)g_failed);
    kws_m4_puts(" failed\n");
    return g_failed ? KWS_M4_EXIT_CHECK : KWS_M4_EXIT_OK;
}
