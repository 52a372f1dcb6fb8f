/* dataset_lists.c - reads validation_list.txt / testing_list.txt.
 *
 * Accepts '\n' and "\r\n" line ends, blank lines, blanks around a path, a
 * missing final newline, "./" prefixes and '\\' separators. A line is junk
 * (counted, skipped) when it cannot be a clip path relative to the root:
 * absolute, containing a ".." or empty segment, without a folder, ending in
 * '/', starting with '#', or holding control bytes. Duplicates are counted
 * and kept once. The result is sorted for binary search. Whether an entry
 * names an existing clip of a used word is decided by the scan. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* d_type, fstatat, realpath, strdup */
#endif
#include "kws/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Normalizes one trimmed line into buf; returns 1 if it is a usable path. */
static int normalize_line(const char *s, size_t n, char *buf, size_t cap)
{
    while (n >= 2 && s[0] == '.' && (s[1] == '/' || s[1] == '\\')) {
        s += 2;
        n -= 2;
        while (n && (s[0] == '/' || s[0] == '\\')) { /* ".//x" */
            s++;
            n--;
        }
    }
    if (n == 0 || n >= cap || s[0] == '#' || s[0] == '/' || s[0] == '\\')
        return 0;
    int slashes = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        buf[i] = c == '\\' ? '/' : (char)c;
        if (buf[i] == '/')
            slashes++;
    }
    buf[n] = '\0';
    if (slashes == 0 || buf[n - 1] == '/')
        return 0;
    /* reject empty, "." and ".." segments */
    const char *seg = buf;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') ||
            (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (!end)
            break;
        seg = end + 1;
    }
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

kws_status kws_path_list_parse(const char *text, size_t len, kws_path_list *out,
                               kws_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    char buf[4096];
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t a = pos, b = end;
        while (a < b && is_blank(text[a]))
            a++;
        while (b > a && is_blank(text[b - 1]))
            b--;
        out->n_lines++;
        if (a == b) {
            out->n_blank++;
        } else if (memchr(text + a, '\0', b - a) || !normalize_line(text + a, b - a, buf, sizeof buf)) {
            out->n_junk++;
        } else {
            if (out->n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                char **np = (char **)realloc(out->paths, nc * sizeof *np);
                if (!np)
                    goto nomem;
                out->paths = np;
                cap = nc;
            }
            out->paths[out->n] = strdup(buf);
            if (!out->paths[out->n])
                goto nomem;
            out->n++;
        }
        pos = end + 1;
    }
    if (out->n > 1) {
        qsort(out->paths, out->n, sizeof *out->paths, cmp_str);
        size_t w = 1;
        for (size_t i = 1; i < out->n; i++) {
            if (strcmp(out->paths[i], out->paths[w - 1]) == 0) {
                free(out->paths[i]);
                out->n_dup++;
            } else {
                out->paths[w++] = out->paths[i];
            }
        }
        out->n = w;
    }
    return KWS_OK;
nomem:
    kws_path_list_free(out);
    return kws_error_set(err, KWS_ERR_NOMEM, "out of memory parsing a list file");
}

kws_status kws_path_list_read(const char *file, kws_path_list *out, kws_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(file, "rb");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open list file (%s)", file,
                             strerror(errno));
    char *text = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t nc = cap ? cap * 2 : 65536 * 2;
            char *nt = (char *)realloc(text, nc);
            if (!nt) {
                free(text);
                fclose(f);
                return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", file);
            }
            text = nt;
            cap = nc;
        }
        size_t got = fread(text + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return kws_error_set(err, KWS_ERR_IO, "%s: read error", file);
    }
    kws_status st = kws_path_list_parse(text, n, out, err);
    free(text);
    if (st != KWS_OK && err)
        kws_error_set(err, st, "%s: out of memory", file);
    return st;
}

int kws_path_list_contains(const kws_path_list *l, const char *rel)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(l->paths[mid], rel);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void kws_path_list_free(kws_path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}
