/* tests/test.h - the whole test "framework": checks that count failures.
 *
 * Each test program calls CHECK* as often as it likes and ends with
 * `return test_summary("name");`, which prints "name: N checks, M failed"
 * and returns non-zero if anything failed. A failed check prints the file,
 * line and the values compared, and the program carries on.
 */
#ifndef KWS_TEST_H
#define KWS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int test_checks_run;
static int test_checks_failed;

static inline int test_report(int ok, const char *file, int line, const char *what)
{
    test_checks_run++;
    if (!ok) {
        test_checks_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
    return ok;
}

#define CHECK(cond) test_report((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

#define CHECK_EQ_INT(a, b)                                                          \
    do {                                                                            \
        long long va_ = (long long)(a), vb_ = (long long)(b);                       \
        if (!test_report(va_ == vb_, __FILE__, __LINE__, #a " == " #b))             \
            fprintf(stderr, "     %lld != %lld\n", va_, vb_);                       \
    } while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                       \
    do {                                                                            \
        double va_ = (double)(a), vb_ = (double)(b), t_ = (double)(tol);            \
        if (!test_report(fabs(va_ - vb_) <= t_, __FILE__, __LINE__,                 \
                         "|" #a " - " #b "| <= " #tol))                              \
            fprintf(stderr, "     %.9g vs %.9g (diff %.3g, tol %.3g)\n", va_, vb_,  \
                    fabs(va_ - vb_), t_);                                           \
    } while (0)

static inline int test_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, test_checks_run, test_checks_failed);
    return test_checks_failed ? 1 : 0;
}

/* Path of a file under tests/data (KWS_TEST_DATA, set by CTest). */
static inline const char *test_data_path(const char *rel, char *buf, size_t len)
{
    const char *root = getenv("KWS_TEST_DATA");
    snprintf(buf, len, "%s/%s", root ? root : "tests/data", rel);
    return buf;
}

#endif
