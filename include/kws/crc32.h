/* kws/crc32.h - CRC-32 (IEEE 802.3, the zlib/PNG/gzip one), device-portable C99.
 *
 * Reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF:
 * kws_crc32("123456789", 9) == 0xCBF43926, and equal to zlib's crc32().
 * The 1 KiB lookup table is const (flash on the device); no RAM state.
 */
#ifndef KWS_CRC32_H
#define KWS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC of n bytes. */
uint32_t kws_crc32(const void *data, size_t n);

/* Continues a CRC: kws_crc32_update(kws_crc32(a, na), b, nb) equals the CRC
 * of a followed by b. Start with crc = 0. */
uint32_t kws_crc32_update(uint32_t crc, const void *data, size_t n);

#endif
