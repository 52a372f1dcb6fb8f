/* rng.c - seeded pseudo-random numbers: xoshiro256** (Blackman & Vigna),
 * state filled from the seed by splitmix64. Same sequence on every platform.
 * Not for cryptography. */
#include <math.h>
#include "kws/nn.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void kws_rng_seed(kws_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t kws_rng_u64(kws_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float kws_rng_uniform(kws_rng *r)
{
    return (float)(kws_rng_u64(r) >> 40) * (1.0f / 16777216.0f); /* 24 bits: [0, 1) */
}

/* Box-Muller on two 53-bit uniforms; u1 in (0, 1] keeps the log finite.
 * One of the pair is returned, the other discarded (no hidden state). */
float kws_rng_normal(kws_rng *r)
{
    const double u1 = (double)((kws_rng_u64(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
    const double u2 = (double)(kws_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Lemire's nearly-divisionless method: unbiased for any 0 < n <= INT_MAX. */
int kws_rng_below(kws_rng *r, int n)
{
    if (n <= 1)
        return 0;
    const uint32_t range = (uint32_t)n;
    uint64_t m = (uint64_t)(uint32_t)(kws_rng_u64(r) >> 32) * range;
    uint32_t low = (uint32_t)m;
    if (low < range) {
        const uint32_t thresh = (uint32_t)(-range) % range;
        while (low < thresh) {
            m = (uint64_t)(uint32_t)(kws_rng_u64(r) >> 32) * range;
            low = (uint32_t)m;
        }
    }
    return (int)(m >> 32);
}
