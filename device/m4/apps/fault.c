/* fault.c - executes an undefined instruction: the fault handler must print
 * "FAULT ..." and QEMU must exit with KWS_M4_EXIT_FAULT (3). */
#include "semihost.h"

int main(void)
{
    kws_m4_puts("fault: executing udf\n");
    __asm__ volatile("udf #0");
    kws_m4_puts("fault: still running\n");
    return 0;
}
