/* test_status.c - every status code has its own text; kws_error formats and clears. */
#include <string.h>
#include "kws/error.h"
#include "tests/test.h"

int main(void)
{
    for (int a = KWS_OK; a <= KWS_ERR_SHAPE; a++) {
        CHECK(strcmp(kws_status_str((kws_status)a), "unknown status") != 0);
        for (int b = a + 1; b <= KWS_ERR_SHAPE; b++)
            CHECK(strcmp(kws_status_str((kws_status)a), kws_status_str((kws_status)b)) != 0);
    }
    kws_error e;
    CHECK_EQ_INT(kws_error_set(&e, KWS_ERR_IO, "%s: %d", "x.wav", 42), KWS_ERR_IO);
    CHECK(strcmp(e.msg, "x.wav: 42") == 0);
    CHECK_EQ_INT(e.status, KWS_ERR_IO);
    kws_error_clear(&e);
    CHECK(e.msg[0] == '\0' && e.status == KWS_OK);
    CHECK_EQ_INT(kws_error_set(NULL, KWS_ERR_ARG, "dropped"), KWS_ERR_ARG);
    return test_summary("test_status");
}
