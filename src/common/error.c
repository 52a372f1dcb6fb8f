/* error.c - kws_error message carrier (host only). */
#include "kws/error.h"

#include <stdarg.h>
#include <stdio.h>

kws_status kws_error_set(kws_error *err, kws_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

void kws_error_clear(kws_error *err)
{
    if (err) {
        err->status = KWS_OK;
        err->msg[0] = '\0';
    }
}
