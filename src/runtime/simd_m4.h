/* simd_m4.h - the few Cortex-M4 DSP instructions the fast kernels use
 * (src/runtime/..._fast.c), as small inline functions; private to the runtime.
 *
 * With __ARM_FEATURE_DSP (arm-none-eabi-gcc -mcpu=cortex-m4) they are the
 * instructions themselves: ACLE builtins from <arm_acle.h> where GCC has them,
 * a one-line inline asm where it does not (GCC 12 has no __ror, and
 * __sxtb16(ror) costs a separate MOV: "sxtb16 rd, rm, ror #8" folds it).
 * Everywhere else (the host build, the tests) each is plain C with exactly the
 * instruction's result. The plain C versions, *_c, are always defined so the
 * device can test the instructions against them (apps/kernels_parity.c).
 *
 * Register pictures: a 32-bit word holds bytes b0 (bits 0-7) .. b3 and
 * halfwords lo (bits 0-15) and hi (bits 16-31).
 *
 *   kws_sxtb16(x)          lo = (int16)b0, hi = (int16)b2
 *   kws_sxtb16_ror8(x)     lo = (int16)b1, hi = (int16)b3
 *   kws_sxtab16(a, x)      lo = a.lo + b0, hi = a.hi + b2    (each mod 2^16)
 *   kws_sxtab16_ror8(a, x) lo = a.lo + b1, hi = a.hi + b3
 *   kws_smlad(a, b, acc)   acc + a.lo * b.lo + a.hi * b.hi    (mod 2^32)
 *   kws_sadd16(a, b)       lo = a.lo + b.lo, hi = a.hi + b.hi (each mod 2^16)
 *   kws_ssub16(a, b)       lo = a.lo - b.lo, hi = a.hi - b.hi (each mod 2^16)
 *   kws_qadd(a, b)         a + b saturated to int32
 *   kws_ssat8(x)           x clamped to [-128, 127]
 *   kws_usat7(x)           x clamped to [0, 127]
 *   kws_max_s8x4(a, b)     per byte: max of the signed bytes (SSUB8 + SEL)
 *   kws_min_s8x4(a, b)     per byte: min of the signed bytes
 *   kws_sel_bits(g, a, b)  byte i: a's if bit 16 + i of g is set, else b's
 *                          (MSR APSR_g + SEL: the GE flags from a register)
 *   kws_usada8(a, b, acc)  acc + sum over bytes of |a_i - b_i| (unsigned)
 *   kws_ror(x, r)          x rotated right by r
 *   kws_pack_s8x4(...)     four int8-range values into one word (BFI)
 *   kws_ldrd_post(p, ...)  two words from p, p += 2 (LDRD, post-increment)
 *   kws_ldrd_step(p, ..., s) the same, p += s (2, 32 or 62)
 *   kws_rq32_apply(...)    kws_requantize in one SMLAL (see below)
 *   kws_smmla(a, b, acc)   the high word of acc * 2^32 + a * b (SMMLA)
 *   kws_rq32_relu(...)     kws_usat7(kws_rq32_apply(...)) in one SMMLA
 *
 * The SXTB16 pair trick: one word of four int8 values x0..x3 becomes two
 * words of int16 pairs, (x0, x2) and (x1, x3). If the weights are split the
 * same way, two SMLADs add x0*w0 + x2*w2 and x1*w1 + x3*w3: four MACs, and
 * the bytes never need reordering.
 *
 * Memory: kws_read_u32 / kws_write_u32 go through memcpy, which GCC turns
 * into one LDR/STR (the M4 allows unaligned LDR/STR; never LDRD/LDM, which
 * fault unaligned, so the compiler only pairs accesses it knows are aligned).
 */
#ifndef KWS_RUNTIME_SIMD_M4_H
#define KWS_RUNTIME_SIMD_M4_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define KWS_M4_DSP 1
#else
#define KWS_M4_DSP 0
#endif

/* ---- memory ------------------------------------------------------------ */

static inline uint32_t kws_read_u32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void kws_write_u32(void *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* Loads the word pair at p (word aligned: LDRD faults otherwise; the
 * kernels keep their tables 8-aligned) into *lo, *hi and returns p + step:
 * step 2 (the next pair), 32 or 62 words (the Winograd kernel's strided
 * walks); any other step is taken as 2. On the M4 one LDRD with a
 * post-index: GCC tuned for the M4 splits a 64-bit load into two LDRs, so
 * this one is spelled out; the "m" operand tells GCC which 8 bytes it
 * reads. Called with a constant step, the switch folds away. */
static inline const uint32_t *kws_ldrd_step(const uint32_t *p, uint32_t *lo, uint32_t *hi,
                                            int step)
{
#if KWS_M4_DSP
    switch (step) {
    case 32:
        __asm__("ldrd %0, %1, [%2], #128"
                : "=r"(*lo), "=r"(*hi), "+r"(p)
                : "m"(*(const uint32_t(*)[2])p));
        break;
    case 62:
        __asm__("ldrd %0, %1, [%2], #248"
                : "=r"(*lo), "=r"(*hi), "+r"(p)
                : "m"(*(const uint32_t(*)[2])p));
        break;
    default:
        __asm__("ldrd %0, %1, [%2], #8"
                : "=r"(*lo), "=r"(*hi), "+r"(p)
                : "m"(*(const uint32_t(*)[2])p));
        break;
    }
#else
    *lo = p[0];
    *hi = p[1];
    p += step == 32 || step == 62 ? step : 2;
#endif
    return p;
}

/* The next pair: kws_ldrd_step(p, lo, hi, 2). */
static inline const uint32_t *kws_ldrd_post(const uint32_t *p, uint32_t *lo, uint32_t *hi)
{
    return kws_ldrd_step(p, lo, hi, 2);
}

/* ---- plain C definitions (host, and the device's reference for tests) -- */

static inline uint32_t kws_ror_c(uint32_t x, unsigned r)
{
    r &= 31u;
    return r ? (x >> r) | (x << (32u - r)) : x;
}

/* int16 lane i of x (i = 0: bits 0-15, 1: bits 16-31), sign-extended */
static inline int32_t kws_lane16_c(uint32_t x, int i)
{
    uint32_t h = (x >> (16 * i)) & 0xFFFFu;
    return (int32_t)h - (int32_t)((h & 0x8000u) << 1);
}

/* signed byte i of x */
static inline int32_t kws_byte_c(uint32_t x, int i)
{
    uint32_t b = (x >> (8 * i)) & 0xFFu;
    return (int32_t)b - (int32_t)((b & 0x80u) << 1);
}

static inline uint32_t kws_pack16_c(int32_t lo, int32_t hi)
{
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

static inline uint32_t kws_sxtb16_c(uint32_t x)
{
    return kws_pack16_c(kws_byte_c(x, 0), kws_byte_c(x, 2));
}

static inline uint32_t kws_sxtb16_ror8_c(uint32_t x)
{
    return kws_pack16_c(kws_byte_c(x, 1), kws_byte_c(x, 3));
}

static inline uint32_t kws_sxtab16_c(uint32_t a, uint32_t x)
{
    return kws_pack16_c(kws_lane16_c(a, 0) + kws_byte_c(x, 0),
                        kws_lane16_c(a, 1) + kws_byte_c(x, 2));
}

static inline uint32_t kws_sxtab16_ror8_c(uint32_t a, uint32_t x)
{
    return kws_pack16_c(kws_lane16_c(a, 0) + kws_byte_c(x, 1),
                        kws_lane16_c(a, 1) + kws_byte_c(x, 3));
}

/* A 32-bit pattern as int32 (two's complement), without
 * implementation-defined conversions. */
static inline int32_t kws_s32_c(uint32_t s)
{
    return s <= 0x7FFFFFFFu ? (int32_t)s : (int32_t)(s - 0x80000000u) - 0x7FFFFFFF - 1;
}

/* Sums in uint32: the instruction's 32-bit wrap-around, no signed overflow.
 * Each product fits int32 (|p| <= 2^30). */
static inline int32_t kws_smlad_c(uint32_t a, uint32_t b, int32_t acc)
{
    uint32_t p0 = (uint32_t)(kws_lane16_c(a, 0) * kws_lane16_c(b, 0));
    uint32_t p1 = (uint32_t)(kws_lane16_c(a, 1) * kws_lane16_c(b, 1));
    uint32_t s = (uint32_t)acc + p0 + p1;
    return kws_s32_c(s);
}

static inline uint32_t kws_sadd16_c(uint32_t a, uint32_t b)
{
    return ((a & 0xFFFF0000u) + (b & 0xFFFF0000u)) | ((a + b) & 0xFFFFu);
}

static inline uint32_t kws_ssub16_c(uint32_t a, uint32_t b)
{
    return ((a & 0xFFFF0000u) - (b & 0xFFFF0000u)) | ((a - b) & 0xFFFFu);
}

static inline int32_t kws_qadd_c(int32_t a, int32_t b)
{
    int64_t s = (int64_t)a + b;
    return s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : (int32_t)s;
}

static inline int32_t kws_ssat8_c(int32_t x)
{
    return x < -128 ? -128 : x > 127 ? 127 : x;
}

static inline int32_t kws_usat7_c(int32_t x)
{
    return x < 0 ? 0 : x > 127 ? 127 : x;
}

static inline uint32_t kws_max_s8x4_c(uint32_t a, uint32_t b)
{
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        int32_t x = kws_byte_c(a, i), y = kws_byte_c(b, i);
        r |= ((uint32_t)(x > y ? x : y) & 0xFFu) << (8 * i);
    }
    return r;
}

static inline uint32_t kws_min_s8x4_c(uint32_t a, uint32_t b)
{
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        int32_t x = kws_byte_c(a, i), y = kws_byte_c(b, i);
        r |= ((uint32_t)(x < y ? x : y) & 0xFFu) << (8 * i);
    }
    return r;
}

static inline uint32_t kws_sel_bits_c(uint32_t g, uint32_t a, uint32_t b)
{
    uint32_t r = 0;
    for (int i = 0; i < 4; i++)
        r |= (((g >> (16 + i)) & 1u) ? a : b) & (0xFFu << (8 * i));
    return r;
}

static inline uint32_t kws_usada8_c(uint32_t a, uint32_t b, uint32_t acc)
{
    for (int i = 0; i < 4; i++) {
        const int32_t d = (int32_t)((a >> (8 * i)) & 0xFFu) - (int32_t)((b >> (8 * i)) & 0xFFu);
        acc += (uint32_t)(d < 0 ? -d : d);
    }
    return acc;
}

/* ---- what the kernels call: the instruction, or the C above ------------ */

#if KWS_M4_DSP

static inline uint32_t kws_ror(uint32_t x, unsigned r)
{
    return kws_ror_c(x, r); /* GCC emits ROR for this pattern */
}

static inline uint32_t kws_sxtb16(uint32_t x)
{
    return __sxtb16(x);
}

static inline uint32_t kws_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline uint32_t kws_sxtab16(uint32_t a, uint32_t x)
{
    return __sxtab16(a, x);
}

static inline uint32_t kws_sxtab16_ror8(uint32_t a, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

static inline int32_t kws_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return __smlad(a, b, acc);
}

static inline uint32_t kws_sadd16(uint32_t a, uint32_t b)
{
    return (uint32_t)__sadd16((int16x2_t)a, (int16x2_t)b);
}

static inline uint32_t kws_ssub16(uint32_t a, uint32_t b)
{
    return (uint32_t)__ssub16((int16x2_t)a, (int16x2_t)b);
}

static inline int32_t kws_qadd(int32_t a, int32_t b)
{
    return __qadd(a, b);
}

static inline int32_t kws_ssat8(int32_t x)
{
    return __ssat(x, 8);
}

static inline int32_t kws_usat7(int32_t x)
{
    return (int32_t)__usat(x, 7);
}

/* SSUB8 sets the GE flag of byte i when a_i >= b_i; SEL takes a's byte
 * there, b's elsewhere. One asm statement: the compiler cannot separate the
 * flag-setting instruction from its reader. */
static inline uint32_t kws_max_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

static inline uint32_t kws_min_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

/* MSR APSR_g copies bits 19:16 of g into the GE flags; SEL reads them. */
static inline uint32_t kws_sel_bits(uint32_t g, uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("msr APSR_g, %1\n\tsel %0, %2, %3" : "=&r"(r) : "r"(g), "r"(a), "r"(b) : "cc");
    return r;
}

static inline uint32_t kws_usada8(uint32_t a, uint32_t b, uint32_t acc)
{
    return __usada8(a, b, acc);
}

#else

static inline uint32_t kws_ror(uint32_t x, unsigned r)
{
    return kws_ror_c(x, r);
}

static inline uint32_t kws_sxtb16(uint32_t x)
{
    return kws_sxtb16_c(x);
}

static inline uint32_t kws_sxtb16_ror8(uint32_t x)
{
    return kws_sxtb16_ror8_c(x);
}

static inline uint32_t kws_sxtab16(uint32_t a, uint32_t x)
{
    return kws_sxtab16_c(a, x);
}

static inline uint32_t kws_sxtab16_ror8(uint32_t a, uint32_t x)
{
    return kws_sxtab16_ror8_c(a, x);
}

static inline int32_t kws_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return kws_smlad_c(a, b, acc);
}

static inline uint32_t kws_sadd16(uint32_t a, uint32_t b)
{
    return kws_sadd16_c(a, b);
}

static inline uint32_t kws_ssub16(uint32_t a, uint32_t b)
{
    return kws_ssub16_c(a, b);
}

static inline int32_t kws_qadd(int32_t a, int32_t b)
{
    return kws_qadd_c(a, b);
}

static inline int32_t kws_ssat8(int32_t x)
{
    return kws_ssat8_c(x);
}

static inline int32_t kws_usat7(int32_t x)
{
    return kws_usat7_c(x);
}

static inline uint32_t kws_max_s8x4(uint32_t a, uint32_t b)
{
    return kws_max_s8x4_c(a, b);
}

static inline uint32_t kws_min_s8x4(uint32_t a, uint32_t b)
{
    return kws_min_s8x4_c(a, b);
}

static inline uint32_t kws_sel_bits(uint32_t g, uint32_t a, uint32_t b)
{
    return kws_sel_bits_c(g, a, b);
}

static inline uint32_t kws_usada8(uint32_t a, uint32_t b, uint32_t acc)
{
    return kws_usada8_c(a, b, acc);
}

#endif

/* ---- packing ----------------------------------------------------------- */

/* Four values already within int8 -> one word, y0 in byte 0: y0 with BFI
 * of the low bytes of y1, y2, y3 (3 instructions; GCC left alone makes
 * shifts, masks and ORs of it). */
static inline uint32_t kws_pack_s8x4(int32_t y0, int32_t y1, int32_t y2, int32_t y3)
{
#if KWS_M4_DSP
    uint32_t r = (uint32_t)y0;
    __asm__("bfi %0, %1, #8, #8" : "+r"(r) : "r"(y1));
    __asm__("bfi %0, %1, #16, #8" : "+r"(r) : "r"(y2));
    __asm__("bfi %0, %1, #24, #8" : "+r"(r) : "r"(y3));
    return r;
#else
    return ((uint32_t)y0 & 0xFFu) | ((uint32_t)y1 & 0xFFu) << 8 | ((uint32_t)y2 & 0xFFu) << 16 |
           ((uint32_t)y3 & 0xFFu) << 24;
#endif
}

/* ---- exact requantization in 32-bit steps ------------------------------ */

/* kws_requantize (kws/quant_params.h) for shift <= -2, i.e. t = 31 - shift
 * >= 33, with two registers of precomputed state and one SMLAL:
 *
 *   r = rhaz(acc * m / 2^t) = floor((acc * m - [acc < 0] + 2^(t-1)) / 2^t)
 *
 * The 64-bit addend -[acc < 0] + 2^(t-1) is the pair {lo = s, hi = s + round}
 * with s = acc >> 31 (0 or -1) and round = 2^(t-33); SMLAL adds acc * m
 * (|acc * m| < 2^62: no overflow), and since 2^32 divides 2^t, the floor of
 * the whole sum by 2^t is the high word shifted right by sh = t - 32:
 *
 *   asr s, acc, #31;  add h, s, round;  smlal s, h, acc, m;  asr r, h, sh
 *
 * Exactly kws_requantize's integer (|r| < 2^29: no clamp needed first).
 * Larger multipliers (shift >= -1) and M = 0 use kws_requantize itself. */
typedef struct {
    int32_t mult;   /* rq.multiplier */
    int32_t round;  /* 2^(sh - 1) */
    int32_t sh;     /* t - 32 = -1 - rq.shift, in [1, 30] */
} kws_rq32;

/* 1 and fills *r if rq takes the 32-bit path; 0 (and *r all zero)
 * otherwise. */
static inline int kws_rq32_init(int32_t multiplier, int32_t shift, kws_rq32 *r)
{
    r->mult = r->round = r->sh = 0;
    if (multiplier == 0 || shift > -2 || shift < -31)
        return 0;
    r->mult = multiplier;
    r->sh = -1 - shift;
    r->round = (int32_t)1 << (r->sh - 1);
    return 1;
}

static inline int32_t kws_rq32_apply(int32_t acc, int32_t mult, int32_t round, int32_t sh)
{
    const int32_t s = acc >> 31; /* arithmetic: requant.c checks the compiler */
    int64_t r = ((int64_t)(s + round) << 32) | (int64_t)(uint32_t)s;
    r += (int64_t)acc * mult;
    return (int32_t)(r >> 32) >> sh;
}

/* The high word of acc * 2^32 + a * b: SMMLA, one instruction; the C
 * twin in int64 (|a * b| <= 2^62: no overflow). */
static inline int32_t kws_smmla_c(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)(((int64_t)acc * 4294967296LL + (int64_t)a * b) >> 32);
}

static inline int32_t kws_smmla(int32_t a, int32_t b, int32_t acc)
{
#if KWS_M4_DSP
    int32_t r;
    __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
#else
    return kws_smmla_c(a, b, acc);
#endif
}

/* kws_usat7(kws_rq32_apply(acc, mult, round, sh)) for a ReLU output, in
 * three instructions (SMMLA, ASR, USAT) instead of six:
 *
 *   acc >= 0: s = 0, so rq32_apply's 64-bit sum is round * 2^32 + acc * m,
 *             whose high word is the SMMLA, then >> sh: the same integer.
 *   acc < 0:  with m > 0 (kws_requant's multipliers are 0 or >= 2^30) both
 *             results are <= 0: rq32_apply rounds acc * m / 2^t < 0, and here
 *             floor((acc * m + 2^(t-1)) / 2^t) < 1/2. USAT makes both 0.
 *
 * So it needs mult > 0 (kws_rq32_init's mult is never negative; M = 0 is
 * refused there). */
static inline int32_t kws_rq32_relu(int32_t acc, int32_t mult, int32_t round, int32_t sh)
{
    return kws_usat7(kws_smmla(acc, mult, round) >> sh);
}

#endif
