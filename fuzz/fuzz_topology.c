/* fuzz_topology.c - the network description parser (kws_topology_parse,
 * src/model/topology.c), also the first thing the .kwsm loader runs.
 *
 * The input is the text of a .kwsnet file. On a parse error the target
 * checks the message names the source and the reported line exists. On
 * success it checks the promise of kws/topology.h that the canonical text
 * parses back to the same network (same text again, same counts), and runs
 * the summary writer with a buffer too small and one large enough.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "kws/topology.h"

/* kws_topology_format into a malloc'd string. */
static char *format(const kws_topology *t, size_t *len)
{
    *len = kws_topology_format(t, NULL, 0);
    char *s = malloc(*len + 1);
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(kws_topology_format(t, s, *len + 1) == *len && strlen(s) == *len);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kws_topology t, back; /* large: keep them off the stack */
    kws_error err;
    int line = -1;
    kws_status st = kws_topology_parse(&t, (const char *)data, size, "fuzz.kwsnet", &line, &err);
    if (st != KWS_OK) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        FUZZ_CHECK(st == KWS_ERR_FORMAT || st == KWS_ERR_SHAPE || st == KWS_ERR_ARG ||
                   st == KWS_ERR_UNSUPPORTED); /* maxpool=3 */
        FUZZ_CHECK(line >= 0 && (size_t)line <= lines);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.kwsnet:", 12) == 0);
        return 0;
    }
    FUZZ_CHECK(t.n_layers >= 1 && t.n_layers <= KWS_TOPO_MAX_LAYERS);
    FUZZ_CHECK(t.n_classes >= 1 && t.n_params <= KWS_TOPO_MAX_PARAMS);

    size_t len, len2;
    char *text = format(&t, &len);
    st = kws_topology_parse(&back, text, len, "canonical", &line, &err);
    if (st != KWS_OK)
        fprintf(stderr, "canonical text refused: %s\n%s", err.msg, text);
    FUZZ_CHECK(st == KWS_OK);
    char *text2 = format(&back, &len2);
    FUZZ_CHECK(len == len2 && memcmp(text, text2, len) == 0);
    FUZZ_CHECK(back.n_params == t.n_params && back.n_stats == t.n_stats &&
               back.macs == t.macs && back.max_act == t.max_act &&
               back.n_classes == t.n_classes && back.n_layers == t.n_layers);

    char small[64];
    size_t need = kws_topology_summary(&t, small, sizeof small);
    FUZZ_CHECK(strlen(small) == (need < sizeof small ? need : sizeof small - 1));
    char *sum = malloc(need + 1);
    FUZZ_CHECK(sum != NULL);
    FUZZ_CHECK(kws_topology_summary(&t, sum, need + 1) == need && strlen(sum) == need);
    free(sum);
    free(text);
    free(text2);
    return 0;
}
