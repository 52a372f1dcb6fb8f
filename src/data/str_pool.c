/* str_pool.c - append-only string storage with stable pointers: the item
 * paths of a data set (100k+ short strings) live in a few large blocks
 * instead of 100k mallocs, and are freed at once. */
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>

#define POOL_BLOCK (64 * 1024)

typedef struct pool_block {
    struct pool_block *next;
    size_t used, cap;
    char data[];
} pool_block;

struct kws_str_pool {
    pool_block *head;
};

struct kws_str_pool *kws_str_pool_new(void)
{
    return (struct kws_str_pool *)calloc(1, sizeof(struct kws_str_pool));
}

char *kws_str_pool_dup(struct kws_str_pool *p, const char *s)
{
    size_t n = strlen(s) + 1;
    pool_block *b = p->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
        b = (pool_block *)malloc(sizeof(pool_block) + cap);
        if (!b)
            return NULL;
        b->next = p->head;
        b->used = 0;
        b->cap = cap;
        p->head = b;
    }
    char *out = b->data + b->used;
    memcpy(out, s, n);
    b->used += n;
    return out;
}

void kws_str_pool_free(struct kws_str_pool *p)
{
    if (!p)
        return;
    pool_block *b = p->head;
    while (b) {
        pool_block *next = b->next;
        free(b);
        b = next;
    }
    free(p);
}
