/* test_audio_pcm_reader.c - raw s16le reading: byte order, odd lengths, small reads, pipes, errors.
 *
 * Inputs come from fmemopen buffers, /dev/null and a pipe fed one byte at a
 * time by a child process, so every way a stream can end or dribble is met.
 */
#define _XOPEN_SOURCE 700

#include <sys/wait.h>
#include <time.h>

#include "tests/test.h"
#include "tests/audio/audio_test_util.h"

static int16_t le16(const unsigned char *p)
{
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

static FILE *open_bytes(unsigned char *data, size_t n)
{
    return n ? fmemopen(data, n, "rb") : fopen("/dev/null", "rb");
}

/* Every length from 0 to 9 bytes: n / 2 samples, odd flag when n is odd. */
static void test_lengths(void)
{
    unsigned char data[9] = {0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0xff, 0xff, 0x42};
    for (size_t n = 0; n <= sizeof data; n++) {
        FILE *f = open_bytes(data, n);
        kws_pcm_reader r;
        kws_pcm_reader_init(&r, f, "mem");
        int16_t out[16];
        kws_error err;
        long got = kws_pcm_reader_read(&r, out, 16, &err);
        CHECK_EQ_INT(got, n / 2);
        CHECK_EQ_INT(r.odd_byte, n & 1);
        CHECK_EQ_INT(r.samples_read, n / 2);
        for (long i = 0; i < got; i++)
            CHECK_EQ_INT(out[i], le16(data + 2 * i));
        CHECK_EQ_INT(kws_pcm_reader_read(&r, out, 16, &err), 0);
        fclose(f);
    }
    /* byte order: 01 00 -> 1, ff 7f -> 32767, 00 80 -> -32768, ff ff -> -1 */
    CHECK_EQ_INT(le16(data), 1);
    CHECK_EQ_INT(le16(data + 2), 32767);
    CHECK_EQ_INT(le16(data + 4), -32768);
    CHECK_EQ_INT(le16(data + 6), -1);
}

/* Reading 3 samples at a time through 1001 bytes. */
static void test_small_reads(void)
{
    unsigned char data[1001];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + 7);
    FILE *f = fmemopen(data, sizeof data, "rb");
    kws_pcm_reader r;
    kws_pcm_reader_init(&r, f, "mem");
    int16_t out[3];
    kws_error err;
    long got, total = 0;
    int same = 1;
    while ((got = kws_pcm_reader_read(&r, out, 3, &err)) > 0) {
        for (long i = 0; i < got; i++)
            same &= out[i] == le16(data + 2 * (total + i));
        CHECK(got == 3 || total + got == 500);
        total += got;
    }
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(total, 500);
    CHECK(same);
    CHECK_EQ_INT(r.odd_byte, 1);
    fclose(f);
}

/* A pipe that delivers one byte at a time: reads still return whole,
 * correctly assembled samples. */
static void test_pipe(void)
{
    enum { N = 2001 };
    unsigned char data[N];
    for (size_t i = 0; i < N; i++)
        data[i] = (unsigned char)(i * 29 + 3);
    int p[2];
    if (!CHECK(pipe(p) == 0))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (size_t i = 0; i < N; i++) {
            if (write(p[1], data + i, 1) != 1)
                _exit(1);
            if (i % 100 == 0) {
                struct timespec ts = {0, 100000};
                nanosleep(&ts, NULL);
            }
        }
        _exit(0);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "rb");
    kws_pcm_reader r;
    kws_pcm_reader_init(&r, f, "pipe");
    int16_t out[64];
    kws_error err;
    long got, total = 0;
    int same = 1;
    while ((got = kws_pcm_reader_read(&r, out, 64, &err)) > 0) {
        for (long i = 0; i < got; i++)
            same &= out[i] == le16(data + 2 * (total + i));
        total += got;
    }
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(total, N / 2);
    CHECK(same);
    CHECK_EQ_INT(r.odd_byte, 1);
    fclose(f);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_errors(void)
{
    char path[600];
    test_tmp_path("write_only.raw", path, sizeof path);
    FILE *f = fopen(path, "wb"); /* reading a write-only stream fails */
    kws_pcm_reader r;
    kws_pcm_reader_init(&r, f, path);
    int16_t out[4];
    kws_error err = {0};
    CHECK_EQ_INT(kws_pcm_reader_read(&r, out, 4, &err), -1);
    CHECK_EQ_INT(err.status, KWS_ERR_IO);
    CHECK(strstr(err.msg, path) != NULL);
    fclose(f);

    unsigned char data[4] = {1, 2, 3, 4};
    f = fmemopen(data, sizeof data, "rb");
    kws_pcm_reader_init(&r, f, NULL);
    CHECK(r.name != NULL);
    CHECK_EQ_INT(kws_pcm_reader_read(&r, out, 0, &err), 0);
    CHECK_EQ_INT(kws_pcm_reader_read(&r, NULL, 4, &err), -1);
    CHECK_EQ_INT(err.status, KWS_ERR_ARG);
    CHECK_EQ_INT(kws_pcm_reader_read(NULL, out, 4, &err), -1);
    CHECK_EQ_INT(kws_pcm_reader_read(&r, out, 4, NULL), 2); /* NULL err is fine */
    fclose(f);
}

int main(void)
{
    test_lengths();
    test_small_reads();
    test_pipe();
    test_errors();
    test_tmp_cleanup();
    return test_summary("test_audio_pcm_reader");
}
