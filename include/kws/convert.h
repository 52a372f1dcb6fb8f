/* kws/convert.h - from a trained model (kws/model.h) to the integer model
 * the device runs (kws/imodel.h), using the activation ranges stored in the
 * model (host C11, library kws_convert).
 *
 *   kws train ... -> model.kwsm (with CALIB: ranges measured on training clips)
 *   kws_imodel_from_model(&im, &model)  -> the same integer model on every
 *   host tool (eval --integer, classify, listen, export) and on the device.
 */
#ifndef KWS_CONVERT_H
#define KWS_CONVERT_H

#include "kws/error.h"
#include "kws/imodel.h"
#include "kws/model.h"

/* Number of normalized training windows kws train and kws eval --calibrate
 * measure the activation ranges on. */
#define KWS_CALIB_WINDOWS 256

/* Measures the activation ranges of model m on n_calib normalized inputs
 * calib (n_calib, C, H, W) and stores them in *ranges_out (malloc'd,
 * *n_out floats); point m->ranges/m->n_ranges at them before saving. */
kws_status kws_model_calibrate(const kws_model *m, const float *calib, int n_calib,
                               float **ranges_out, int *n_out, kws_error *err);

/* Converts a model that carries calibration ranges (KWS_ERR_ARG naming
 * `kws eval --calibrate` when it has none). opt NULL: defaults. */
kws_status kws_imodel_from_model(kws_imodel *im, const kws_model *m,
                                 const kws_convert_options *opt, kws_error *err);

/* A host arena for kws_imodel_run: kws_imodel_arena_size(im) bytes (at
 * least 8), 8-byte aligned as the runtime requires; free() it. NULL when
 * out of memory. */
void *kws_imodel_arena_alloc(const kws_imodel *im);

#endif
