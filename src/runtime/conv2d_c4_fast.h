/* conv2d_c4_fast.h - internal to src/runtime: path 1 of the fast
 * convolutions (Cin a multiple of 4), shared by the int8-weight kernel
 * (conv2d_s8_fast.c, which defines it) and the binary-weight one
 * (conv2d_binary_s8_fast.c). Each kernel turns its own weight format into
 * the same scratch layout; this runs the convolution from there. */
#ifndef KWS_CONV2D_C4_FAST_H
#define KWS_CONV2D_C4_FAST_H

#include <stdint.h>
#include "kws/runtime.h"

/* Output channels oc .. oc+3 (those < Cout) of the 'same' convolution d
 * (d->in_c % 4 == 0) into out (HWC, all Cout channels), from wx: the
 * chunk's weights as SXTB16 pairs interleaved per group of 4 taps of the
 * flattened (i, j, c) index, 8 words a group (see conv2d_s8_fast.c,
 * path 1); channels of the chunk beyond Cout hold zeros. Bias, requant and
 * bounds as for kws_conv2d_s8 (q already checked). */
void kws_conv2d_c4_chunk(const kws_conv2d_dims *d, const kws_requant_out *q, const int8_t *in,
                         const int32_t *bias, int oc, const uint32_t *wx, int8_t *out);

#endif
