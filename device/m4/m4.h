/* m4.h - what the Cortex-M4 firmware apps share: exit codes, stack report.
 *
 * An app is a plain `int main(void)`; startup.c runs it and passes its
 * return value to QEMU as the exit status (semihost.h).
 */
#ifndef KWS_M4_H
#define KWS_M4_H

#include <stdint.h>

enum {
    KWS_M4_EXIT_OK = 0,
    KWS_M4_EXIT_CHECK = 1,  /* a self-check failed */
    KWS_M4_EXIT_SETUP = 2,  /* a kws_* call returned an error status */
    KWS_M4_EXIT_FAULT = 3   /* CPU fault (HardFault, UsageFault, ...) */
};

/* Bytes of the reserved stack region ever written (painted at reset). */
uint32_t kws_m4_stack_used(void);
/* Size of the reserved stack region (ld: __stack_size). */
uint32_t kws_m4_stack_size(void);

#endif
