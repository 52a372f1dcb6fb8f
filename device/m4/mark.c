/* mark.c - region markers for the instruction counter (see mark.h). */
#include "mark.h"

#include "semihost.h"

/* Distinct stores keep the two bodies different, so the linker and the
 * compiler's identical-code folding cannot merge them into one address. */
volatile int kws_mark_last_begin;
volatile int kws_mark_last_end;

__attribute__((noinline, noipa)) void kws_mark_begin(int id)
{
    kws_mark_last_begin = id;
}

__attribute__((noinline, noipa)) void kws_mark_end(int id)
{
    kws_mark_last_end = id;
}

static int g_next_seq;

int kws_m4_region_name(const char *name)
{
    int seq = g_next_seq++;
    kws_m4_puts("@region ");
    kws_m4_put_i32(seq);
    kws_m4_putc(' ');
    kws_m4_puts(name);
    kws_m4_putc('\n');
    return seq;
}

int kws_m4_region_begin(const char *name)
{
    int seq = kws_m4_region_name(name);
    kws_mark_begin(seq);
    return seq;
}

void kws_m4_region_end(int seq)
{
    kws_mark_end(seq);
}
