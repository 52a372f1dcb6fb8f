/* cli.h - what every `kws` subcommand shares: its entry point signature and
 * small helpers for messages. Subcommands live one per file (cmd_<name>.c). */
#ifndef KWS_CLI_H
#define KWS_CLI_H

#include "kws/error.h"

/* A subcommand: argv[0] is the subcommand name. Returns the exit status. */
typedef int (*kws_cli_fn)(int argc, char **argv);

int kws_cmd_mfcc(int argc, char **argv);

/* Prints "kws <cmd>: <message>" to stderr and returns 1 (for `return kws_cli_fail(...)`). */
int kws_cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints err->msg as a failure of `cmd`; returns 1. */
int kws_cli_fail_error(const char *cmd, const kws_error *err);

/* Parses a whole decimal integer in [lo, hi]; 0 on success, -1 with a message. */
int kws_cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);

#endif
