/* pool.c - a fixed set of worker threads that share out the indices of one
 * job at a time (feature extraction of a data set, augmented batches).
 *
 *   submit(fn, ctx, n) ──► workers take the next index under the lock,
 *                          run fn(ctx, worker, i) unlocked, count it done
 *   wait()             ◄── returns when done == n
 *
 * Work items are ~1 ms (one clip), so one mutex is not a bottleneck. */
#include "data_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct kws_pool {
    pthread_mutex_t lock;
    pthread_cond_t work_cv;   /* a job was submitted, or shutdown */
    pthread_cond_t done_cv;   /* a job finished */
    pthread_t *threads;
    int n_threads;
    int shutdown;
    kws_task_fn fn;
    void *ctx;
    size_t n, next, done;
    int active;               /* a job is submitted and not yet waited for */
};

typedef struct {
    kws_pool *pool;
    int worker;
} worker_arg;

static void *worker_main(void *arg)
{
    worker_arg *wa = (worker_arg *)arg;
    kws_pool *p = wa->pool;
    int worker = wa->worker;
    free(wa);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->shutdown && !(p->active && p->next < p->n))
            pthread_cond_wait(&p->work_cv, &p->lock);
        if (p->shutdown)
            break;
        size_t i = p->next++;
        kws_task_fn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->lock);
        fn(ctx, worker, i);
        pthread_mutex_lock(&p->lock);
        if (++p->done == p->n)
            pthread_cond_broadcast(&p->done_cv);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int kws_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 2)
        n = 2;
    if (n > 64)
        n = 64;
    return (int)n;
}

kws_status kws_pool_create(kws_pool **out, int n_threads)
{
    *out = NULL;
    if (n_threads <= 0)
        n_threads = kws_default_threads();
    kws_pool *p = (kws_pool *)calloc(1, sizeof *p);
    if (!p)
        return KWS_ERR_NOMEM;
    p->threads = (pthread_t *)calloc((size_t)n_threads, sizeof(pthread_t));
    if (!p->threads) {
        free(p);
        return KWS_ERR_NOMEM;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    for (int t = 0; t < n_threads; t++) {
        worker_arg *wa = (worker_arg *)malloc(sizeof *wa);
        int ok = wa != NULL;
        if (ok) {
            wa->pool = p;
            wa->worker = t;
            ok = pthread_create(&p->threads[t], NULL, worker_main, wa) == 0;
        }
        if (!ok) {
            free(wa);
            kws_pool_destroy(p); /* joins the t threads already started */
            return KWS_ERR_NOMEM;
        }
        p->n_threads = t + 1;
    }
    *out = p;
    return KWS_OK;
}

int kws_pool_threads(const kws_pool *p)
{
    return p->n_threads;
}

void kws_pool_submit(kws_pool *p, kws_task_fn fn, void *ctx, size_t n)
{
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->next = 0;
    p->done = 0;
    p->active = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->lock);
}

void kws_pool_wait(kws_pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->active && p->done < p->n)
        pthread_cond_wait(&p->done_cv, &p->lock);
    p->active = 0;
    pthread_mutex_unlock(&p->lock);
}

void kws_pool_destroy(kws_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->shutdown = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->lock);
    for (int t = 0; t < p->n_threads; t++)
        pthread_join(p->threads[t], NULL);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}
