/* main.c - the `kws` command: dispatches to one subcommand per file. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    kws_cli_fn fn;
    const char *summary;
} kws_cli_command;

static const kws_cli_command commands[] = {
    {"mfcc", kws_cmd_mfcc, "compute the MFCC matrix of an audio file (CSV and PNG heat map)"},
    {"train", kws_cmd_train, "train a network on Speech Commands style data"},
    {"eval", kws_cmd_eval, "accuracy, per-class recall and confusion matrix of a model"},
    {"classify", kws_cmd_classify, "top classes of one-second clips, with probabilities"},
    {"listen", kws_cmd_listen, "spot commands in a long recording or live audio on stdin"},
    {"streams", kws_cmd_streams, "make long test streams and score detections (hit rate, FA/h)"},
    {"analyze", kws_cmd_analyze, "per-layer flash, RAM and MACC of a network; fits the target?"},
    {"synth", kws_cmd_synth, "synthetic spoken words from TTS engines (espeak-ng, flite)"},
    {"export", kws_cmd_export, "a model as C source for the device (weights, op table, front end)"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: kws <command> [options]\n\n"
               "Keyword spotting from MFCC to a Cortex-M4.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`kws <command> --help` lists a command's options and their defaults.\n");
}

int kws_cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kws %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int kws_cli_fail_error(const char *cmd, const kws_error *err)
{
    return kws_cli_fail(cmd, "%s", err->msg[0] ? err->msg : kws_status_str(err->status));
}

int kws_cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        kws_cli_fail(cmd, "%s: expected a whole number in [%ld, %ld], got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int kws_cli_make_parent_dir(const char *cmd, const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return kws_cli_fail(cmd, "%.64s...: path too long", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char keep = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return kws_cli_fail(cmd, "%s: cannot create folder: %s", buf, strerror(errno));
            *p = keep;
            if (!keep)
                break;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            char help[] = "--help";
            char *sub[] = {argv[2], help, NULL};
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (!strcmp(commands[i].name, argv[2]))
                    return commands[i].fn(2, sub);
        }
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, argv[1]))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kws: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
