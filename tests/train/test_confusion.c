/* test_confusion.c - the evaluation arithmetic and the files made from it:
 *  - kws_confusion_accuracy / _precision / _recall on a fixed 5-class
 *    matrix against fractions worked out by hand (a class never predicted,
 *    a class with no true samples), and kws_confusion_print's text;
 *  - kws_history_parse on hand-written metadata (other keys, the header
 *    line, CRLF, malformed and short "h" lines, no final newline, max);
 *  - kws_history_plot and kws_svg_confusion write well-formed SVG: XML
 *    prolog, one <svg> root, balanced tags, quoted attributes, only known
 *    entities (checked by a small XML reader below), ending in </svg>; the
 *    confusion SVG shows every class name (XML specials escaped) and the
 *    counts in row-major order; unwritable paths are errors naming them. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kws/plot.h"
#include "kws/train.h"
#include "tests/test.h"

#define NC 5

/* ---- a minimal XML reader ---------------------------------------------- */

typedef struct {
    int ok;
    char why[160];
    int n_svg_roots;
    char texts[256][64]; /* decoded contents of <text> elements, in order */
    int n_texts;
} xml_report;

static int xml_fail(xml_report *r, const char *why, size_t at)
{
    if (r->ok)
        snprintf(r->why, sizeof r->why, "%s at byte %zu", why, at);
    r->ok = 0;
    return 0;
}

/* Decodes the entity at s[*i] ('&') into *out; 0 if it is not one of
 * &lt; &gt; &amp; &quot; &apos; or a numeric reference. */
static int xml_entity(const char *s, size_t *i, char *out)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
        size_t n = strlen(ents[k].name);
        if (strncmp(s + *i, ents[k].name, n) == 0) {
            *out = ents[k].c;
            *i += n;
            return 1;
        }
    }
    if (s[*i + 1] == '#') {
        size_t j = *i + 2;
        while (isalnum((unsigned char)s[j]))
            j++;
        if (s[j] == ';' && j > *i + 2) {
            *out = '?';
            *i = j + 1;
            return 1;
        }
    }
    return 0;
}

/* Checks that s is one XML document: a prolog, then one root element whose
 * tags nest properly; collects the text of <text> elements. */
static void xml_check(const char *s, xml_report *r)
{
    memset(r, 0, sizeof *r);
    r->ok = 1;
    char stack[64][32];
    int depth = 0, roots = 0, in_text = -1;
    size_t i = 0, n = strlen(s);
    if (strncmp(s, "<?xml ", 6) != 0) {
        xml_fail(r, "no <?xml prolog", 0);
        return;
    }
    const char *pe = strstr(s, "?>");
    if (!pe) {
        xml_fail(r, "unterminated prolog", 0);
        return;
    }
    i = (size_t)(pe - s) + 2;
    char textbuf[64];
    size_t tn = 0;
    while (i < n && r->ok) {
        if (s[i] != '<') {
            char c = s[i];
            if (c == '&') {
                if (!xml_entity(s, &i, &c)) {
                    xml_fail(r, "bad entity", i);
                    return;
                }
            } else if (c == '>') {
                xml_fail(r, "raw '>' in text", i);
                return;
            } else {
                i++;
            }
            if (depth == 0 && !isspace((unsigned char)c)) {
                xml_fail(r, "text outside the root", i);
                return;
            }
            if (in_text >= 0 && tn + 1 < sizeof textbuf)
                textbuf[tn++] = c;
            continue;
        }
        if (s[i + 1] == '/') { /* closing tag */
            size_t j = i + 2, k = 0;
            char name[32];
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == ':') && k + 1 < sizeof name)
                name[k++] = s[j++];
            name[k] = '\0';
            while (j < n && isspace((unsigned char)s[j]))
                j++;
            if (s[j] != '>' || depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                xml_fail(r, "mismatched closing tag", i);
                return;
            }
            depth--;
            if (in_text == depth) {
                textbuf[tn] = '\0';
                if (r->n_texts < 256)
                    snprintf(r->texts[r->n_texts++], sizeof r->texts[0], "%s", textbuf);
                in_text = -1;
            }
            i = j + 1;
            continue;
        }
        /* opening or empty tag */
        size_t j = i + 1, k = 0;
        char name[32];
        while (j < n && (isalnum((unsigned char)s[j]) || s[j] == ':') && k + 1 < sizeof name)
            name[k++] = s[j++];
        name[k] = '\0';
        if (k == 0) {
            xml_fail(r, "bad tag name", i);
            return;
        }
        for (;;) { /* attributes: name="value" */
            while (j < n && isspace((unsigned char)s[j]))
                j++;
            if (s[j] == '>' || (s[j] == '/' && s[j + 1] == '>'))
                break;
            size_t a = j;
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == ':'))
                j++;
            if (j == a || s[j] != '=' || s[j + 1] != '"') {
                xml_fail(r, "bad attribute", j);
                return;
            }
            j += 2;
            while (j < n && s[j] != '"') {
                char c;
                if (s[j] == '<') {
                    xml_fail(r, "'<' in an attribute", j);
                    return;
                }
                if (s[j] == '&') {
                    if (!xml_entity(s, &j, &c)) {
                        xml_fail(r, "bad entity in an attribute", j);
                        return;
                    }
                } else {
                    j++;
                }
            }
            if (j >= n) {
                xml_fail(r, "unterminated attribute", a);
                return;
            }
            j++;
        }
        if (depth == 0) {
            roots++;
            if (strcmp(name, "svg") == 0)
                r->n_svg_roots++;
        }
        if (s[j] == '/') { /* empty element */
            i = j + 2;
            continue;
        }
        if (depth == 64) {
            xml_fail(r, "too deep", i);
            return;
        }
        snprintf(stack[depth++], sizeof stack[0], "%s", name);
        if (strcmp(name, "text") == 0 && in_text < 0) {
            in_text = depth - 1;
            tn = 0;
        }
        i = j + 1;
    }
    if (r->ok && depth != 0)
        xml_fail(r, "unclosed element", n);
    if (r->ok && roots != 1)
        xml_fail(r, "not exactly one root element", n);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? (char *)malloc((size_t)n + 1) : NULL;
    if (buf) {
        buf[fread(buf, 1, (size_t)n, f)] = '\0';
    }
    fclose(f);
    return buf;
}

/* The file is a well-formed SVG document; returns its report in r. */
static int check_svg(const char *path, xml_report *r)
{
    char *s = read_text(path);
    if (!CHECK(s != NULL)) {
        fprintf(stderr, "     cannot read %s\n", path);
        return 0;
    }
    CHECK(strncmp(s, "<?xml", 5) == 0);
    CHECK(strstr(s, "<svg ") != NULL);
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    CHECK(n >= 6 && strncmp(s + n - 6, "</svg>", 6) == 0);
    xml_check(s, r);
    if (!CHECK(r->ok))
        fprintf(stderr, "     %s: %s\n", path, r->why);
    CHECK_EQ_INT(r->n_svg_roots, 1);
    free(s);
    return r->ok;
}

/* ---- confusion arithmetic ------------------------------------------------- */

/*            predicted: a  b  c  d  e     row
 *   true a              5  1  0  0  0       6
 *        b              2  3  1  0  0       6
 *        c              0  0  4  1  0       5
 *        d              0  0  0  0  0       0   (no true samples)
 *        e              1  0  2  0  0       3   (never predicted)
 *   column              8  4  7  1  0      20
 * right = 5 + 3 + 4 = 12 of 20. */
static const long fixed_counts[NC * NC] = {5, 1, 0, 0, 0, 2, 3, 1, 0, 0, 0, 0, 4, 1, 0,
                                           0, 0, 0, 0, 0, 1, 0, 2, 0, 0};
static const char names[NC][KWS_WORD_MAX] = {"alpha", "beta", "gamma", "delta", "epsilon"};

static void fill(kws_confusion *cm)
{
    memset(cm, 0, sizeof *cm);
    cm->n_classes = NC;
    memcpy(cm->counts, fixed_counts, sizeof fixed_counts);
    cm->total = 20;
    cm->loss_sum = 10.0;
}

static void test_metrics(void)
{
    kws_confusion *cm = (kws_confusion *)calloc(1, sizeof *cm);
    if (!CHECK(cm != NULL))
        return;
    fill(cm);
    CHECK_NEAR(kws_confusion_accuracy(cm), 12.0 / 20.0, 1e-12);
    const double recall[NC] = {5.0 / 6.0, 3.0 / 6.0, 4.0 / 5.0, 0.0, 0.0};
    const double precision[NC] = {5.0 / 8.0, 3.0 / 4.0, 4.0 / 7.0, 0.0, 0.0};
    for (int c = 0; c < NC; c++) {
        CHECK_NEAR(kws_confusion_recall(cm, c), recall[c], 1e-12);
        CHECK_NEAR(kws_confusion_precision(cm, c), precision[c], 1e-12);
    }

    kws_confusion empty;
    memset(&empty, 0, sizeof empty);
    empty.n_classes = 3;
    CHECK(kws_confusion_accuracy(&empty) == 0.0);
    CHECK(kws_confusion_recall(&empty, 1) == 0.0);
    CHECK(kws_confusion_precision(&empty, 2) == 0.0);

    /* the printout: accuracy, mean loss, each row of the matrix */
    FILE *f = tmpfile();
    if (CHECK(f != NULL)) {
        kws_confusion_print(f, cm, names);
        long n = ftell(f);
        rewind(f);
        char *s = (char *)calloc((size_t)n + 1, 1);
        if (s && fread(s, 1, (size_t)n, f) == (size_t)n) {
            CHECK(strstr(s, "accuracy 60.00 % (20 samples), mean loss 0.5000") != NULL);
            /* class, precision, recall, support */
            CHECK(strstr(s, "alpha            62.5%     83.3%        6") != NULL);
            CHECK(strstr(s, "gamma            57.1%     80.0%        5") != NULL);
            CHECK(strstr(s, "epsilon           0.0%      0.0%        3") != NULL);
            /* matrix rows */
            CHECK(strstr(s, "beta              2      3      1      0      0") != NULL);
            CHECK(strstr(s, "epsilon           1      0      2      0      0") != NULL);
        } else {
            CHECK(!"printout readable");
        }
        free(s);
        fclose(f);
    }
    free(cm);
}

/* ---- history ---------------------------------------------------------------- */

static void test_history_parse(void)
{
    const char *meta = "kws-train 1\n"
                       "command kws train --data x\n"
                       "seed 7\n"
                       "best_epoch 2\n"
                       "history epoch lr train_loss train_acc val_loss val_acc seconds\n"
                       "h 1 0.001 1.5 0.25 1.25 0.5 2\r\n"
                       "hz 9 9 9 9 9 9 9\n"              /* other key */
                       "h 2 0.0005 0.75 0.5 0.5 0.875 1.5\n"
                       "h 3 0.1 x 0.5 0.5 0.5 1\n"       /* malformed: skipped */
                       "h 4 0.1 0.5 0.5\n"               /* short: skipped */
                       "\n"
                       "h 5 2.5e-4 0.125 0.75 0.375 1 0.25"; /* no final newline */
    kws_epoch_stats h[8];
    memset(h, 0, sizeof h);
    int n = kws_history_parse(meta, h, 8);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(h[0].epoch, 1);
    CHECK(h[0].lr == 0.001f);
    CHECK(h[0].train_loss == 1.5f && h[0].train_acc == 0.25f);
    CHECK(h[0].val_loss == 1.25f && h[0].val_acc == 0.5f && h[0].seconds == 2.0f);
    CHECK_EQ_INT(h[1].epoch, 2);
    CHECK(h[1].lr == 0.0005f && h[1].train_loss == 0.75f && h[1].train_acc == 0.5f);
    CHECK(h[1].val_loss == 0.5f && h[1].val_acc == 0.875f && h[1].seconds == 1.5f);
    CHECK_EQ_INT(h[2].epoch, 5);
    CHECK(h[2].lr == 2.5e-4f && h[2].train_loss == 0.125f && h[2].val_acc == 1.0f);
    CHECK(h[2].seconds == 0.25f);

    memset(h, 0, sizeof h);
    CHECK_EQ_INT(kws_history_parse(meta, h, 2), 2); /* at most max entries */
    CHECK_EQ_INT(h[1].epoch, 2);
    CHECK_EQ_INT(h[2].epoch, 0);                    /* untouched */
    CHECK_EQ_INT(kws_history_parse(meta, h, 0), 0);
    CHECK_EQ_INT(kws_history_parse("", h, 8), 0);
    CHECK_EQ_INT(kws_history_parse(NULL, h, 8), 0);
    CHECK_EQ_INT(kws_history_parse("seed 1\nbest_epoch 0\n", h, 8), 0);
}

static void test_history_plot(const char *dir)
{
    kws_epoch_stats h[4] = {
        {1, 1e-3f, 1.4f, 0.40f, 1.2f, 0.50f, 1.0f},
        {2, 1e-3f, 0.9f, 0.70f, 0.8f, 0.75f, 1.0f},
        {3, 5e-4f, 0.5f, 0.85f, 0.6f, 0.80f, 1.0f},
        {4, 1e-4f, 0.3f, 0.95f, 0.5f, 0.90f, 1.0f},
    };
    char prefix[600], path[700];
    kws_error err;
    snprintf(prefix, sizeof prefix, "%s/run_", dir);
    CHECK(kws_history_plot(h, 4, prefix, &err) == KWS_OK);
    xml_report *r = (xml_report *)calloc(1, sizeof *r);
    if (!r)
        return;
    const char *files[2] = {"loss.svg", "accuracy.svg"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s%s", prefix, files[k]);
        if (check_svg(path, r)) {
            int train = 0, val = 0;
            for (int t = 0; t < r->n_texts; t++) {
                train += strcmp(r->texts[t], "train") == 0;
                val += strcmp(r->texts[t], "validation") == 0;
            }
            CHECK_EQ_INT(train, 1); /* legend entries */
            CHECK_EQ_INT(val, 1);
        }
    }
    free(r);

    /* the CSV: a header and one row per epoch with the values given */
    snprintf(path, sizeof path, "%shistory.csv", prefix);
    FILE *f = fopen(path, "r");
    if (CHECK(f != NULL)) {
        char line[256];
        int rows = 0, epoch = 0;
        double lr, tl, ta, vl, va, sec;
        CHECK(fgets(line, sizeof line, f) && strncmp(line, "epoch,lr,", 9) == 0);
        while (fgets(line, sizeof line, f)) {
            if (CHECK(sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf", &epoch, &lr, &tl, &ta, &vl,
                             &va, &sec) == 7)) {
                CHECK_EQ_INT(epoch, h[rows].epoch);
                CHECK_NEAR(va, h[rows].val_acc, 1e-6);
            }
            rows++;
        }
        CHECK_EQ_INT(rows, 4);
        fclose(f);
    }

    /* no history: nothing to draw, nothing written */
    snprintf(prefix, sizeof prefix, "%s/none_", dir);
    CHECK(kws_history_plot(h, 0, prefix, &err) == KWS_OK);
    snprintf(path, sizeof path, "%sloss.svg", prefix);
    CHECK(access(path, F_OK) != 0);

    /* a folder that does not exist */
    snprintf(prefix, sizeof prefix, "%s/missing/run_", dir);
    kws_error_clear(&err);
    CHECK(kws_history_plot(h, 4, prefix, &err) == KWS_ERR_IO);
    CHECK(strstr(err.msg, "missing/run_loss.svg") != NULL);
}

static void test_svg_confusion(const char *dir)
{
    const char *labels[NC] = {"alpha", "beta", "a<b&c", "delta \"d\"", "epsilon"};
    char path[700];
    kws_error err;
    snprintf(path, sizeof path, "%s/confusion.svg", dir);
    CHECK(kws_svg_confusion(path, "Confusion <test> & more", labels, fixed_counts, NC, &err) ==
          KWS_OK);
    xml_report *r = (xml_report *)calloc(1, sizeof *r);
    if (r && check_svg(path, r)) {
        for (int c = 0; c < NC; c++) {
            int seen = 0;
            for (int t = 0; t < r->n_texts; t++)
                seen += strcmp(r->texts[t], labels[c]) == 0;
            if (!CHECK(seen >= 1))
                fprintf(stderr, "     class name '%s' not in the SVG\n", labels[c]);
        }
        int title = 0;
        for (int t = 0; t < r->n_texts; t++)
            title += strcmp(r->texts[t], "Confusion <test> & more") == 0;
        CHECK_EQ_INT(title, 1);
        /* the texts that are plain numbers are the counts, row by row */
        long nums[NC * NC + 8];
        int nn = 0;
        for (int t = 0; t < r->n_texts; t++) {
            const char *s = r->texts[t];
            if (!*s || strspn(s, "0123456789") != strlen(s))
                continue;
            if (nn < NC * NC + 8)
                nums[nn] = atol(s);
            nn++;
        }
        CHECK_EQ_INT(nn, NC * NC);
        for (int k = 0; k < NC * NC && k < nn; k++)
            if (nums[k] != fixed_counts[k]) {
                CHECK_EQ_INT(nums[k], fixed_counts[k]);
                break;
            }
    }
    free(r);

    snprintf(path, sizeof path, "%s/missing/confusion.svg", dir);
    kws_error_clear(&err);
    CHECK(kws_svg_confusion(path, "t", labels, fixed_counts, NC, &err) == KWS_ERR_IO);
    CHECK(strstr(err.msg, "missing/confusion.svg") != NULL);
    CHECK(kws_svg_confusion(path, "t", labels, fixed_counts, 0, &err) == KWS_ERR_ARG);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/kws-confusion-XXXXXX", t && t[0] ? t : "/tmp");
    if (!CHECK(mkdtemp(dir) != NULL))
        return test_summary("test_train_confusion");
    test_metrics();
    test_history_parse();
    test_history_plot(dir);
    test_svg_confusion(dir);
    const char *files[] = {"run_loss.svg", "run_accuracy.svg", "run_history.csv",
                           "run_curves.png", "confusion.svg"}; /* the PNG only with gnuplot */
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s", dir, files[k]);
        unlink(p);
    }
    CHECK(rmdir(dir) == 0); /* nothing else was left behind */
    return test_summary("test_train_confusion");
}
