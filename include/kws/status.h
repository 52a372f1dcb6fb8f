/* kws/status.h - status codes shared by every kws library (device and host).
 *
 * Library functions return a kws_status; only the CLI prints and exits.
 * Host functions that can name a file or a reason also fill a kws_error
 * (kws/error.h) with a human-readable message.
 */
#ifndef KWS_STATUS_H
#define KWS_STATUS_H

typedef enum {
    KWS_OK = 0,
    KWS_ERR_ARG,         /* invalid argument or impossible option */
    KWS_ERR_ARENA,       /* caller-provided arena too small */
    KWS_ERR_IO,          /* file could not be opened, read or written */
    KWS_ERR_FORMAT,      /* malformed or truncated input */
    KWS_ERR_UNSUPPORTED, /* well-formed input that kws does not handle */
    KWS_ERR_NOMEM,       /* host allocation failed */
    KWS_ERR_CHECKSUM,    /* stored checksum does not match the data */
    KWS_ERR_VERSION,     /* unknown format version */
    KWS_ERR_SHAPE        /* tensor/model shape does not match what is expected */
} kws_status;

/* Short constant description of a status code ("arena too small", ...). */
const char *kws_status_str(kws_status s);

#endif
