/* semihost.h - Arm semihosting for the Cortex-M4 firmware: text out, exit status.
 *
 * Semihosting traps with BKPT 0xAB; a debugger (or QEMU with
 * -semihosting-config enable=on) performs the call on the host. Without a
 * debugger attached, on real hardware, BKPT escalates to HardFault: only
 * the QEMU harness and debug sessions use this.
 *
 * Printing is deliberately tiny (no printf): strings, decimal and hex
 * integers, and float bit patterns. Output is collected in a line buffer
 * and sent with one SYS_WRITE0 per line (or when the buffer fills), so the
 * number of traps stays small.
 */
#ifndef KWS_M4_SEMIHOST_H
#define KWS_M4_SEMIHOST_H

#include <stdint.h>

/* Appends to the output line buffer; '\n' flushes it. */
void kws_m4_puts(const char *s);
void kws_m4_putc(char c);
void kws_m4_put_u32(uint32_t v);        /* decimal */
void kws_m4_put_i32(int32_t v);         /* decimal, with '-' */
void kws_m4_put_u64(uint64_t v);        /* decimal */
void kws_m4_put_hex32(uint32_t v);      /* 8 lowercase hex digits, no prefix */
void kws_m4_put_f32_bits(float v);      /* the IEEE-754 bits as 8 hex digits */
void kws_m4_flush(void);

/* Flushes, then ends the program: QEMU exits with `code` (0..255).
 * Uses SYS_EXIT_EXTENDED (0x20), which carries the code on 32-bit Arm. */
void kws_m4_exit(int code) __attribute__((noreturn));

/* Raw calls, exposed for the self-test. */
void kws_m4_semihost_write0(const char *s);   /* SYS_WRITE0 (0x04) */
void kws_m4_semihost_writec(char c);          /* SYS_WRITEC (0x03) */

#endif
