/* threads.c - how many threads the float32 layers use: OpenBLAS's pool for
 * the GEMMs, and OpenMP's for the loops around them when built with
 * -DKWS_NN_OPENMP=ON. Without a call both use every core (or
 * OPENBLAS_NUM_THREADS / OMP_NUM_THREADS). On a machine shared with other busy
 * processes one thread is usually faster: pools that spin wait on threads the
 * OS has descheduled. */
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "kws/nn.h"

void kws_nn_set_threads(int n)
{
    if (n < 1)
        n = 1;
    openblas_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int kws_nn_threads(void)
{
    return openblas_get_num_threads();
}
