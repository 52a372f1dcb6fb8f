/* data_internal.h - helpers shared by the files of src/data (not public).
 *
 * Hashing (FNV-1a for strings and keys, a word-at-a-time variant for
 * checksums of large buffers), a string pool that keeps pointers stable,
 * a small pthread pool, and the on-disk feature cache format.
 */
#ifndef KWS_DATA_INTERNAL_H
#define KWS_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "kws/dataset.h"
#include "kws/features.h"

/* ---- hashing ---------------------------------------------------------- */
#define KWS_FNV_OFFSET 0xcbf29ce484222325ULL
#define KWS_FNV_PRIME 0x100000001b3ULL

uint64_t kws_hash_bytes(uint64_t h, const void *data, size_t n);   /* FNV-1a */
uint64_t kws_hash_str(uint64_t h, const char *s);                  /* FNV-1a, with the NUL */
uint64_t kws_hash_u64(uint64_t h, uint64_t v);                     /* FNV-1a of 8 LE bytes */
/* Fast checksum of a large buffer: 8 bytes per step, then a final mix.
 * Streaming form: init, update with pieces of any size, final; the result
 * equals kws_checksum64 of the concatenation. */
typedef struct {
    uint64_t h, total;
    unsigned char buf[8];
    int nbuf;
} kws_checksum;
void kws_checksum_init(kws_checksum *c);
void kws_checksum_update(kws_checksum *c, const void *data, size_t n);
uint64_t kws_checksum_final(const kws_checksum *c);
uint64_t kws_checksum64(const void *data, size_t n);
/* Mixes a few integers into a seed (splitmix64 finalizer). */
uint64_t kws_seed_mix(uint64_t a, uint64_t b, uint64_t c);

/* ---- string pool -------------------------------------------------------- */
struct kws_str_pool;
struct kws_str_pool *kws_str_pool_new(void);
/* Copies s (NULL on allocation failure); the copy lives until pool_free. */
char *kws_str_pool_dup(struct kws_str_pool *p, const char *s);
void kws_str_pool_free(struct kws_str_pool *p);

/* ---- thread pool ------------------------------------------------------------
 * kws_pool_submit hands out indices 0..n-1 to the workers and returns at
 * once; kws_pool_wait blocks until every index is done. One job at a time.
 * fn gets the worker number (0..n_threads-1) to pick per-worker state. */
typedef void (*kws_task_fn)(void *ctx, int worker, size_t index);
typedef struct kws_pool kws_pool;
kws_status kws_pool_create(kws_pool **out, int n_threads);
int kws_pool_threads(const kws_pool *p);
void kws_pool_submit(kws_pool *p, kws_task_fn fn, void *ctx, size_t n);
void kws_pool_wait(kws_pool *p);
void kws_pool_destroy(kws_pool *p);

/* Number of worker threads to use when the caller says 0. */
int kws_default_threads(void);

/* ---- noise bank (noise_bank.c) ------------------------------------------
 * Loads every .wav of `dir` (sorted by name) with kws_audio_read; paths are
 * copied into `pool`. A missing folder gives an empty bank. */
kws_status kws_noise_bank_load(kws_noise_bank *b, const char *dir, struct kws_str_pool *pool,
                               kws_error *err);
void kws_noise_bank_free(kws_noise_bank *b);

/* ---- directory listing (dataset_scan.c) ------------------------------- */
/* 1 if name ends in ".wav" (any case). */
int kws_is_wav_name(const char *name);

/* ---- on-disk feature cache -------------------------------------------------
 * Layout (native little-endian, all sizes in bytes):
 *
 *   0   char[8]  magic "KWSFEAT\0"
 *   8   u32      version (1)
 *   12  u32      n_frames
 *   16  u32      n_mfcc
 *   20  u32      reserved (0)
 *   24  u64      config hash (kws_feature_config_hash)
 *   32  u64      n_items
 *   40  u64[n]   item keys, strictly ascending (kws_item_key)
 *   ..  f32[n][n_frames * n_mfcc]  features, in key order
 *   ..  u64      kws_checksum64 of every byte before it
 */
typedef struct {
    size_t n;
    int n_frames, n_mfcc;
    uint64_t *keys;  /* (n) ascending */
    float *data;     /* (n, n_frames * n_mfcc) */
    void *block;     /* the allocation keys and data point into */
} kws_cache_blob;

/* KWS_ERR_IO if absent; FORMAT/CHECKSUM/VERSION/SHAPE for a bad file. */
kws_status kws_cache_read(const char *path, uint64_t config_hash, int n_frames, int n_mfcc,
                          kws_cache_blob *out, kws_error *err);
/* Writes path.tmp.<pid> and renames it over path. keys need not be sorted. */
kws_status kws_cache_write(const char *path, uint64_t config_hash, int n_frames, int n_mfcc,
                           const uint64_t *keys, const float *const *rows, size_t n,
                           kws_error *err);
void kws_cache_blob_free(kws_cache_blob *b);
/* Row of key in b, or NULL. */
const float *kws_cache_find(const kws_cache_blob *b, uint64_t key);

#endif
