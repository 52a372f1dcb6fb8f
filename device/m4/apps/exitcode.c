/* exitcode.c - returns 42, to check that QEMU exits with the firmware's status. */
#include "semihost.h"

int main(void)
{
    kws_m4_puts("exitcode: returning 42\n");
    return 42;
}
