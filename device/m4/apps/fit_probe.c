/* fit_probe.c - an image of a chosen size, to prove the link checks the regions.
 *
 * FIT_FLASH bytes of constants (flash) and FIT_RAM bytes of zeroed data
 * (RAM); built by `make fit-check`, never run.
 */
#include <stdint.h>

#ifndef FIT_FLASH
#define FIT_FLASH 4
#endif
#ifndef FIT_RAM
#define FIT_RAM 4
#endif

__attribute__((used)) static const uint8_t fit_flash_blob[FIT_FLASH] = {1};
__attribute__((used)) static uint8_t fit_ram_blob[FIT_RAM];

int main(void)
{
    const volatile uint8_t *f = fit_flash_blob;
    volatile uint8_t *r = fit_ram_blob;
    return f[FIT_FLASH - 1] + r[FIT_RAM - 1];
}
