/* test_crc32.c - kws_crc32 against the standard check value and zlib. */
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "kws/crc32.h"
#include "tests/test.h"

int main(void)
{
    CHECK_EQ_INT(kws_crc32("123456789", 9), 0xCBF43926u);
    CHECK_EQ_INT(kws_crc32("", 0), 0u);
    CHECK_EQ_INT(kws_crc32("a", 1), 0xE8B7BE43u);

    /* pseudo-random buffers of every length up to 300, and one large */
    static unsigned char buf[100000];
    uint32_t x = 12345u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    int mismatches = 0;
    for (size_t n = 0; n <= 300; n++)
        mismatches += kws_crc32(buf, n) != (uint32_t)crc32(0L, buf, (uInt)n);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(kws_crc32(buf, sizeof buf), (uint32_t)crc32(0L, buf, (uInt)sizeof buf));

    /* incremental == one shot, at every split point of a short buffer */
    mismatches = 0;
    for (size_t k = 0; k <= 64; k++)
        mismatches += kws_crc32_update(kws_crc32(buf, k), buf + k, 64 - k) != kws_crc32(buf, 64);
    CHECK_EQ_INT(mismatches, 0);
    return test_summary("test_model_crc32");
}
