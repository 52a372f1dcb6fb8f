/* fuzz_dataset_lists.c - validation_list.txt / testing_list.txt parser
 * (kws_path_list_parse, src/data/dataset_lists.c).
 *
 * The input is the text of a list file. Beyond memory safety the target
 * checks what the scan relies on: every line is counted once (as a path,
 * blank, junk or duplicate), the kept paths are sorted, unique and safe to
 * join to a data root (relative, no "." or ".." or empty segment, no
 * backslash, no control byte), and each one is found by binary search.
 */
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "kws/dataset.h"

static void check_path(const char *p)
{
    size_t n = strlen(p);
    FUZZ_CHECK(n > 0 && p[0] != '/' && p[0] != '#' && p[n - 1] != '/');
    FUZZ_CHECK(strchr(p, '/') != NULL && strchr(p, '\\') == NULL);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
    const char *seg = p;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        FUZZ_CHECK(len > 0);
        FUZZ_CHECK(!(len == 1 && seg[0] == '.'));
        FUZZ_CHECK(!(len == 2 && seg[0] == '.' && seg[1] == '.'));
        if (!end)
            break;
        seg = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    kws_path_list l;
    kws_error err;
    FUZZ_CHECK(kws_path_list_parse(text, size, &l, &err) == KWS_OK);

    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';
    if (size > 0 && text[size - 1] != '\n')
        lines++;
    FUZZ_CHECK(l.n_lines == lines);
    FUZZ_CHECK(l.n + l.n_blank + l.n_junk + l.n_dup == l.n_lines);
    for (size_t i = 0; i < l.n; i++) {
        check_path(l.paths[i]);
        if (i > 0)
            FUZZ_CHECK(strcmp(l.paths[i - 1], l.paths[i]) < 0);
        FUZZ_CHECK(kws_path_list_contains(&l, l.paths[i]));
    }
    kws_path_list_free(&l);
    FUZZ_CHECK(l.n == 0 && l.paths == NULL);
    return 0;
}
