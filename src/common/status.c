/* status.c - text for kws_status codes (device-portable C99). */
#include "kws/status.h"

const char *kws_status_str(kws_status s)
{
    switch (s) {
    case KWS_OK: return "ok";
    case KWS_ERR_ARG: return "invalid argument";
    case KWS_ERR_ARENA: return "arena too small";
    case KWS_ERR_IO: return "input/output error";
    case KWS_ERR_FORMAT: return "malformed input";
    case KWS_ERR_UNSUPPORTED: return "unsupported input";
    case KWS_ERR_NOMEM: return "out of memory";
    case KWS_ERR_CHECKSUM: return "checksum mismatch";
    case KWS_ERR_VERSION: return "unsupported format version";
    case KWS_ERR_SHAPE: return "shape mismatch";
    }
    return "unknown status";
}
