/* fuzz_check.h - invariants a fuzz target asserts beyond "no crash".
 *
 * A parser can fail quietly: accept what it should refuse, or lose data
 * without touching a bad address. The targets check properties that must
 * hold for every input (a parsed model serializes and parses back the same,
 * chunked reads equal whole reads, ...). FUZZ_CHECK aborts on a broken one,
 * which libFuzzer reports as a crash and saves the input, like a sanitizer
 * finding. Not assert(): it must stay on whatever NDEBUG says.
 */
#ifndef KWS_FUZZ_CHECK_H
#define KWS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                              \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#endif
