/* kws/error.h - host-side error message carrier.
 *
 * Host functions that can fail for a reason worth telling the user take a
 * `kws_error *err` (may be NULL) and fill it with a message that names the
 * file and the problem, e.g. "clip.wav: data chunk truncated (header says
 * 32000 bytes, file has 1200)". The CLI prints err->msg and exits non-zero.
 */
#ifndef KWS_ERROR_H
#define KWS_ERROR_H

#include "kws/status.h"

typedef struct {
    kws_status status;
    char msg[512];
} kws_error;

/* Sets err->status and a printf-style message; returns `status` so callers
 * can write `return kws_error_set(err, KWS_ERR_IO, "%s: %s", path, why);`.
 * A NULL err is allowed (the message is dropped). */
kws_status kws_error_set(kws_error *err, kws_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to KWS_OK with an empty message. */
void kws_error_clear(kws_error *err);

#endif
