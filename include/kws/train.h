/* kws/train.h - training and evaluation of a network on a data set (host).
 *
 *   kws_dataset ─► kws_feature_store (MFCC once, cached) ─► kws_norm (train split)
 *        │
 *        └─► per epoch: balanced, augmented batches ─► kws_net forward/backward
 *                        ─► Adam/SGD at the scheduled lr ─► validation accuracy
 *                        ─► checkpoint (atomic, every epoch) and best model
 *
 * The checkpoint holds everything a resumed run needs (parameters, optimizer
 * moments and step, dropout generator, history, best score); batches and
 * augmentation of epoch e depend only on (seed, e), so a run resumed from a
 * checkpoint continues exactly as the uninterrupted run would.
 */
#ifndef KWS_TRAIN_H
#define KWS_TRAIN_H

#include <stdint.h>
#include <stdio.h>
#include "kws/dataset.h"
#include "kws/error.h"
#include "kws/features.h"
#include "kws/model.h"
#include "kws/net.h"
#include "kws/quant.h"

/* ---- evaluation ------------------------------------------------------------ */

typedef struct {
    int n_classes;
    long counts[KWS_MAX_CLASSES * KWS_MAX_CLASSES]; /* [true * n_classes + predicted] */
    long total;
    double loss_sum;  /* summed cross-entropy */
} kws_confusion;

/* Runs the net in inference mode over every batch of `it` (from its epoch 0)
 * and fills a confusion matrix. */
kws_status kws_evaluate(kws_net *net, kws_batch_iter *it, kws_confusion *cm, kws_error *err);

double kws_confusion_accuracy(const kws_confusion *cm);
double kws_confusion_recall(const kws_confusion *cm, int c);    /* 0 if no true samples */
double kws_confusion_precision(const kws_confusion *cm, int c); /* 0 if never predicted */

/* Prints accuracy, per-class precision/recall/support and the matrix. */
void kws_confusion_print(FILE *f, const kws_confusion *cm, const char (*names)[KWS_WORD_MAX]);

/* ---- history (learning curves) --------------------------------------------- */

typedef struct {
    int epoch;             /* 1-based */
    float lr;              /* at the end of the epoch */
    float train_loss, train_acc; /* over the epoch's (augmented) batches */
    float val_loss, val_acc;
    float seconds;
} kws_epoch_stats;

#define KWS_TRAIN_MAX_EPOCHS 100000

/* Reads the "h ..." history lines of a model's metadata into out (max
 * entries); returns how many. */
int kws_history_parse(const char *meta, kws_epoch_stats *out, int max);

/* Learning curves: <prefix>loss.svg and <prefix>accuracy.svg (always),
 * <prefix>history.csv, and <prefix>curves.png when gnuplot is installed. */
kws_status kws_history_plot(const kws_epoch_stats *h, int n, const char *prefix, kws_error *err);

/* ---- training --------------------------------------------------------------- */

typedef enum { KWS_OPT_ADAM, KWS_OPT_SGD } kws_optimizer_kind;

typedef struct {
    const char *topology_path;  /* .kwsnet description */
    const char *out_path;       /* best model (.kwsm) */
    const char *checkpoint_path;/* last epoch's state; NULL: "<out_path>.ckpt" */
    const char *cache_dir;      /* feature cache; NULL or "": none */
    const char *command_line;   /* recorded in the model's metadata */
    int resume;                 /* continue from checkpoint_path */
    int epochs, batch_size;
    kws_optimizer_kind optimizer;
    kws_lr_schedule lr;         /* total_epochs is set from epochs */
    float momentum;             /* SGD */
    float weight_decay;
    int balance;                /* class-balanced sampling */
    int augment;
    kws_augment_config aug;
    int patience;               /* early stop after this many epochs without a better
                                   validation accuracy; 0: never */
    uint64_t seed;
    int threads;                /* feature workers; 0: automatic */
    FILE *log;                  /* progress lines; NULL: silent */
    kws_quant_mode quant;       /* overrides the topology's w=/a= (KWS_QUANT_FLOAT: as written) */
    const char *init_path;      /* .kwsm to start from (fine-tuning): its parameters, bn
                                   statistics and normalization; NULL: fresh init */
} kws_train_config;

/* Defaults: models/paper.kwsnet, 30 epochs, batch 64, Adam 1e-3 with 1 warm-up
 * epoch and cosine decay to 1e-5, balanced sampling, augmentation on, no
 * early stop, seed 1. */
kws_train_config kws_train_config_default(void);

typedef struct {
    int epochs_run;             /* epochs completed in total (resumed ones included) */
    int best_epoch;
    float best_val_acc;
    float test_acc;             /* of the best model */
    double train_samples_per_s; /* forward+backward+update, median epoch */
    kws_confusion test;         /* best model on the test split */
} kws_train_report;

kws_status kws_train_run(const kws_train_config *cfg, const kws_dataset_config *data,
                         kws_train_report *rep, kws_error *err);

#endif
