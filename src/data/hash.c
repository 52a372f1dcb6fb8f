/* hash.c - FNV-1a hashing, a fast buffer checksum and seed mixing for the
 * data pipeline (cache keys, file names, per-sample random seeds). Not
 * cryptographic; collisions are astronomically unlikely at data set sizes. */
#include "data_internal.h"

#include <string.h>

uint64_t kws_hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= KWS_FNV_PRIME;
    }
    return h;
}

uint64_t kws_hash_str(uint64_t h, const char *s)
{
    return kws_hash_bytes(h, s, strlen(s) + 1);
}

uint64_t kws_hash_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    return kws_hash_bytes(h, b, 8);
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

void kws_checksum_init(kws_checksum *c)
{
    memset(c, 0, sizeof *c);
    c->h = KWS_FNV_OFFSET;
}

void kws_checksum_update(kws_checksum *c, const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    c->total += n;
    while (n && c->nbuf) { /* finish a pending word */
        c->buf[c->nbuf++] = *p++;
        n--;
        if (c->nbuf == 8) {
            uint64_t w;
            memcpy(&w, c->buf, 8);
            c->h = step(c->h, w);
            c->nbuf = 0;
        }
    }
    if (n == 0)
        return; /* a partial word may still be pending */
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c->h = step(c->h, w);
    }
    memcpy(c->buf, p, n);
    c->nbuf = (int)n;
}

uint64_t kws_checksum_final(const kws_checksum *c)
{
    uint64_t h = kws_hash_bytes(c->h, c->buf, (size_t)c->nbuf);
    return mix64(h ^ c->total);
}

uint64_t kws_checksum64(const void *data, size_t n)
{
    kws_checksum c;
    kws_checksum_init(&c);
    kws_checksum_update(&c, data, n);
    return kws_checksum_final(&c);
}

uint64_t kws_seed_mix(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = mix64(a + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ (b + 0x632be59bd9b4e019ULL));
    return mix64(h ^ (c + 0x85157af5ULL));
}
