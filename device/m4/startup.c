/* startup.c - Cortex-M4 reset path in C: vector table, FPU on, .data/.bss, main.
 *
 *   reset ──► Reset_Handler: CPACR |= CP10/CP11 full access (FPU on)
 *              └► init_memory: copy .data from flash, zero .bss and .sram2_bss,
 *                              paint the stack with a pattern
 *              └► main() ──► kws_m4_exit(status)   (semihosting, QEMU exits)
 *
 * Only the 16 system exception vectors are present: the firmware enables
 * no interrupts. Every fault goes to one handler that prints the stacked
 * PC and the fault status registers over semihosting and exits with
 * KWS_M4_EXIT_FAULT. Symbols come from ld/sections.ld.
 */
#include <stdint.h>
#include <string.h>

#include "m4.h"
#include "semihost.h"

int main(void);

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __sram2_bss_start[], __sram2_bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

#define STACK_PAINT 0x5afe57acu

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)

void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);

/* Kept out of Reset_Handler so that no code touching memory (which the
 * compiler may do with FPU registers) runs before the FPU is enabled. */
__attribute__((noinline)) static void init_memory(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    while (dst < __data_end)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end; dst++)
        *dst = 0;
    for (dst = __sram2_bss_start; dst < __sram2_bss_end; dst++)
        *dst = 0;
    /* Paint the stack below the current frame for kws_m4_stack_used(). */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = __stack_limit; dst < sp - 16; dst++)
        *dst = STACK_PAINT;
}

void Reset_Handler(void)
{
    SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    init_memory();
    kws_m4_exit(main());
}

uint32_t kws_m4_stack_used(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT)
        p++;
    return (uint32_t)((const char *)__stack_top - (const char *)p);
}

uint32_t kws_m4_stack_size(void)
{
    return (uint32_t)((const char *)__stack_top - (const char *)__stack_limit);
}

/* Called from Fault_Handler with the exception frame (r0-r3, r12, lr, pc, xpsr). */
void kws_m4_fault_report(const uint32_t *frame, uint32_t ipsr) __attribute__((used, noreturn));

void kws_m4_fault_report(const uint32_t *frame, uint32_t ipsr)
{
    kws_m4_flush();
    kws_m4_puts("\nFAULT exception ");
    kws_m4_put_u32(ipsr & 0x1ffu);
    kws_m4_puts(" pc 0x");
    kws_m4_put_hex32(frame[6]);
    kws_m4_puts(" lr 0x");
    kws_m4_put_hex32(frame[5]);
    kws_m4_puts(" cfsr 0x");
    kws_m4_put_hex32(SCB_CFSR);
    kws_m4_puts(" hfsr 0x");
    kws_m4_put_hex32(SCB_HFSR);
    kws_m4_puts(" mmfar 0x");
    kws_m4_put_hex32(SCB_MMFAR);
    kws_m4_puts(" bfar 0x");
    kws_m4_put_hex32(SCB_BFAR);
    kws_m4_putc('\n');
    kws_m4_exit(KWS_M4_EXIT_FAULT);
}

__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "mrs r1, ipsr\n\t"
                     "b kws_m4_fault_report\n\t");
}

void Default_Handler(void)
{
    kws_m4_puts("\nunexpected exception\n");
    kws_m4_exit(KWS_M4_EXIT_FAULT);
}

typedef void (*kws_m4_vector)(void);

/* Word 0 is the initial stack pointer, then the system exceptions 1..15. */
__attribute__((used, section(".isr_vector"))) static const kws_m4_vector g_vectors[16] = {
    (kws_m4_vector)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler,  /* NMI */
    Fault_Handler,  /* HardFault */
    Fault_Handler,  /* MemManage */
    Fault_Handler,  /* BusFault */
    Fault_Handler,  /* UsageFault */
    0, 0, 0, 0,     /* reserved */
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,              /* reserved */
    Default_Handler, /* PendSV */
    Default_Handler, /* SysTick */
};
