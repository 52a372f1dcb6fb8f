/* test_data_lists.c - validation/testing list parsing: line ends, blanks,
 * junk, duplicates, a missing final newline, "./" and '\' forms; reading a
 * missing file names it. */
#include <string.h>

#include "kws/dataset.h"
#include "tests/test.h"

static void test_forms(void)
{
    static const char text[] =
        "b/two.wav\r\n"
        "\r\n"
        "   \t \r\n"
        "  a/one.wav  \n"
        "./c/three.wav\n"
        ".//c/four.wav\n"
        "d\\five.wav\n"
        "a/one.wav\n"             /* duplicate */
        "# comment\n"             /* junk */
        "/abs/x.wav\n"            /* junk */
        "a/../b/two.wav\n"        /* junk */
        "a//x.wav\n"              /* junk: empty segment */
        "dir/\n"                  /* junk */
        "plain.wav\n"             /* junk: no folder */
        "a/b/deep.wav\n"          /* kept: deeper paths are not junk */
        "e/last.wav";             /* no final newline */
    kws_path_list l;
    kws_error err;
    CHECK_EQ_INT(kws_path_list_parse(text, sizeof text - 1, &l, &err), KWS_OK);
    CHECK_EQ_INT(l.n, 7);
    CHECK_EQ_INT(l.n_lines, 16);
    CHECK_EQ_INT(l.n_blank, 2);
    CHECK_EQ_INT(l.n_junk, 6);
    CHECK_EQ_INT(l.n_dup, 1);
    const char *want[] = {"a/b/deep.wav", "a/one.wav",  "b/two.wav", "c/four.wav",
                          "c/three.wav",  "d/five.wav", "e/last.wav"};
    for (int i = 0; i < 7 && (size_t)i < l.n; i++)
        CHECK(strcmp(l.paths[i], want[i]) == 0);
    for (int i = 0; i < 7; i++)
        CHECK(kws_path_list_contains(&l, want[i]));
    CHECK(!kws_path_list_contains(&l, "a/two.wav"));
    CHECK(!kws_path_list_contains(&l, "plain.wav"));
    CHECK(!kws_path_list_contains(&l, ""));
    kws_path_list_free(&l);
}

static void test_edge(void)
{
    kws_path_list l;
    kws_error err;
    CHECK_EQ_INT(kws_path_list_parse("", 0, &l, &err), KWS_OK);
    CHECK_EQ_INT(l.n, 0);
    CHECK(!kws_path_list_contains(&l, "a/b.wav"));
    kws_path_list_free(&l);

    /* an embedded NUL makes the line junk, not a truncated path */
    static const char nul[] = "a/x.wav\0junk\nb/y.wav\n";
    CHECK_EQ_INT(kws_path_list_parse(nul, sizeof nul - 1, &l, &err), KWS_OK);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_INT(l.n_junk, 1);
    CHECK(kws_path_list_contains(&l, "b/y.wav"));
    kws_path_list_free(&l);

    /* only "\r\n" lines */
    CHECK_EQ_INT(kws_path_list_parse("\r\n\r\n", 4, &l, &err), KWS_OK);
    CHECK_EQ_INT(l.n, 0);
    CHECK_EQ_INT(l.n_blank, 2);
    kws_path_list_free(&l);

    kws_error_clear(&err);
    CHECK_EQ_INT(kws_path_list_read("/nonexistent/kws/validation_list.txt", &l, &err),
                 KWS_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent/kws/validation_list.txt") != NULL);
}

int main(void)
{
    test_forms();
    test_edge();
    return test_summary("test_data_lists");
}
