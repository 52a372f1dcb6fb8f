/* cli.h - what every `kws` subcommand shares: its entry point signature and
 * small helpers for messages. Subcommands live one per file (cmd_<name>.c). */
#ifndef KWS_CLI_H
#define KWS_CLI_H

#include "kws/error.h"

/* A subcommand: argv[0] is the subcommand name. Returns the exit status. */
typedef int (*kws_cli_fn)(int argc, char **argv);

int kws_cmd_mfcc(int argc, char **argv);
int kws_cmd_train(int argc, char **argv);
int kws_cmd_eval(int argc, char **argv);
int kws_cmd_analyze(int argc, char **argv);
int kws_cmd_synth(int argc, char **argv);
int kws_cmd_classify(int argc, char **argv);
int kws_cmd_listen(int argc, char **argv);
int kws_cmd_streams(int argc, char **argv);
int kws_cmd_export(int argc, char **argv);

/* The model `kws listen`, `classify` and `streams` use without --model. */
#define KWS_CLI_DEFAULT_MODEL "models/default.kwsm"

/* Loads `path`, or with path NULL the default model (KWS_CLI_DEFAULT_MODEL
 * in the working folder, else in the source tree); 0 on success, else
 * prints why (naming --model when the default is missing) and returns 1. */
#include "kws/model.h"
int kws_cli_load_model(const char *cmd, const char *path, kws_model *m);

/* Parses a whole decimal number in [lo, hi]; 0 on success, 1 with a message. */
int kws_cli_parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi,
                        double *out);

/* --engine integer|float|auto -> KWS_ENGINE_* (kws/detect.h); 0 or 1 with a message. */
int kws_cli_parse_engine(const char *cmd, const char *s, int *engine);

/* "integer (int8, as on the device)" or "float". */
const char *kws_cli_engine_str(int engine);


/* Prints "kws <cmd>: <message>" to stderr and returns 1 (for `return kws_cli_fail(...)`). */
int kws_cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints err->msg as a failure of `cmd`; returns 1. */
int kws_cli_fail_error(const char *cmd, const kws_error *err);

/* Creates the folders above `path` (like mkdir -p of its dirname); 0 on
 * success, else prints why and returns 1. */
int kws_cli_make_parent_dir(const char *cmd, const char *path);

/* Parses a whole decimal integer in [lo, hi]; 0 on success, -1 with a message. */
int kws_cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);

/* Learning curves from a model's metadata and, if cm has samples, its
 * confusion matrix (SVG + PNG), under `prefix`. Returns the exit status. */
#include "kws/train.h"
int kws_cli_write_plots(const char *cmd, const char *prefix, const char *meta,
                        const kws_confusion *cm, const char (*names)[KWS_WORD_MAX],
                        const char *split_name);

#endif
