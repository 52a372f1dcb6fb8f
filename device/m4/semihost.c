/* semihost.c - semihosting calls and a line-buffered integer/hex printer. */
#include "semihost.h"

#include <string.h>

enum {
    SYS_WRITEC = 0x03,
    SYS_WRITE0 = 0x04,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
    ADP_STOPPED_APPLICATION_EXIT = 0x20026
};

static uint32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void kws_m4_semihost_write0(const char *s)
{
    semihost_call(SYS_WRITE0, s);
}

void kws_m4_semihost_writec(char c)
{
    semihost_call(SYS_WRITEC, &c);
}

#define LINE_CAP 512
static char g_line[LINE_CAP + 1];
static unsigned g_len;

void kws_m4_flush(void)
{
    if (g_len) {
        g_line[g_len] = '\0';
        kws_m4_semihost_write0(g_line);
        g_len = 0;
    }
}

void kws_m4_putc(char c)
{
    g_line[g_len++] = c;
    if (c == '\n' || g_len == LINE_CAP)
        kws_m4_flush();
}

void kws_m4_puts(const char *s)
{
    while (*s)
        kws_m4_putc(*s++);
}

void kws_m4_put_u64(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = '\0';
    do {
        /* 64-bit division by 10 via 32-bit halves keeps __aeabi_uldivmod out. */
        uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;
        uint32_t qhi = hi / 10, r = hi % 10;
        uint64_t cur = ((uint64_t)r << 32) | lo;
        /* cur < 10 * 2^32: divide in two 16-bit steps to stay in 32 bits */
        uint32_t c1 = (uint32_t)(cur >> 16);          /* < 10 * 2^16 */
        uint32_t q1 = c1 / 10, r1 = c1 % 10;
        uint32_t c2 = (r1 << 16) | (lo & 0xffffu);
        uint32_t q2 = c2 / 10, r2 = c2 % 10;
        v = ((uint64_t)qhi << 32) | ((uint64_t)q1 << 16) | q2;
        buf[--i] = (char)('0' + r2);
    } while (v);
    kws_m4_puts(buf + i);
}

void kws_m4_put_u32(uint32_t v)
{
    kws_m4_put_u64(v);
}

void kws_m4_put_i32(int32_t v)
{
    if (v < 0) {
        kws_m4_putc('-');
        kws_m4_put_u64((uint64_t)(-(int64_t)v));
    } else {
        kws_m4_put_u64((uint64_t)v);
    }
}

void kws_m4_put_hex32(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    for (int shift = 28; shift >= 0; shift -= 4)
        kws_m4_putc(digits[(v >> shift) & 0xf]);
}

void kws_m4_put_f32_bits(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    kws_m4_put_hex32(bits);
}

void kws_m4_exit(int code)
{
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    kws_m4_flush();
    semihost_call(SYS_EXIT_EXTENDED, block);
    /* A host without the extension: plain SYS_EXIT can only say 0 or "error". */
    semihost_call(SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                                : 0x20023 /* RunTimeError */));
    for (;;)
        __asm__ volatile("bkpt 0");
}
