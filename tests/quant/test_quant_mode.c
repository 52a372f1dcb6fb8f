/* test_quant_mode.c - the --quant modes on the paper's network: which layers
 * get which quantizer, the non-trainable layout, and the canonical text
 * that records the choice (and parses back to the same topology). */
#include <string.h>
#include "kws/quant.h"
#include "kws/topology.h"
#include "tests/model/model_fixtures.h"
#include "tests/test.h"

static const kws_layer_spec *layer(const kws_topology *t, const char *name)
{
    for (int i = 0; i < t->n_layers; i++)
        if (!strcmp(t->layers[i].name, name))
            return &t->layers[i];
    return NULL;
}

static int roundtrip(const kws_topology *t)
{
    static char text[8192];
    kws_topology_format(t, text, sizeof text);
    kws_topology back;
    if (fx_parse(&back, text) != KWS_OK)
        return 0;
    int same = back.n_stats == t->n_stats && back.n_params == t->n_params;
    for (int i = 0; i < t->n_layers; i++)
        same &= back.layers[i].wq == t->layers[i].wq && back.layers[i].aq == t->layers[i].aq &&
                back.layers[i].act_off == t->layers[i].act_off;
    return same;
}

int main(void)
{
    char path[1024];
    kws_topology paper, t;
    kws_error e;
    if (!CHECK(kws_topology_load(&paper, fx_source_path("models/paper.kwsnet", path, sizeof path),
                                 NULL, &e) == KWS_OK))
        return test_summary("test_quant_mode");

    kws_quant_mode m;
    const char *names[] = {"float", "int8", "hybrid", "int8-act", "binary-conv"};
    for (int i = 0; i < 5; i++) {
        CHECK(kws_quant_mode_parse(names[i], &m, &e) == KWS_OK && (int)m == i);
        CHECK(!strcmp(kws_quant_mode_str(m), names[i]));
    }
    CHECK(kws_quant_mode_parse("int16", &m, &e) == KWS_ERR_ARG);
    CHECK(strstr(e.msg, "int16") != NULL);

    /* float: untouched */
    t = paper;
    CHECK(kws_quant_apply_mode(&t, KWS_QUANT_FLOAT, &e) == KWS_OK);
    CHECK(memcmp(&t, &paper, sizeof t) == 0);

    /* int8: every conv2d/dense w=int8, a=float; the layout does not change */
    t = paper;
    CHECK(kws_quant_apply_mode(&t, KWS_QUANT_INT8, &e) == KWS_OK);
    int ok = 1;
    for (int i = 0; i < t.n_layers; i++) {
        const kws_layer_spec *l = &t.layers[i];
        ok &= l->kind == KWS_LAYER_FLATTEN ? l->wq == KWS_QW_FLOAT
                                           : l->wq == KWS_QW_INT8 && l->aq == KWS_QA_FLOAT;
    }
    CHECK(ok);
    CHECK_EQ_INT(t.n_stats, 448);
    CHECK_EQ_INT(t.n_params, paper.n_params);
    CHECK(roundtrip(&t));

    /* hybrid: the paper's int8 convs, binary dense and dense_1, int8 dense_2 */
    t = paper;
    CHECK(kws_quant_apply_mode(&t, KWS_QUANT_HYBRID, &e) == KWS_OK);
    CHECK(layer(&t, "conv2d_5")->wq == KWS_QW_INT8);
    CHECK(layer(&t, "dense")->wq == KWS_QW_BINARY);
    CHECK(layer(&t, "dense_1")->wq == KWS_QW_BINARY);
    CHECK(layer(&t, "dense_2")->wq == KWS_QW_INT8);
    CHECK(roundtrip(&t));
    {
        char text[8192];
        kws_topology_format(&t, text, sizeof text);
        CHECK(strstr(text, "w=binary") != NULL && strstr(text, "w=int8") != NULL);
    }

    /* binary-conv: hybrid plus binary conv2d_4 and conv2d_5 */
    t = paper;
    CHECK(kws_quant_apply_mode(&t, KWS_QUANT_BINARY_CONV, &e) == KWS_OK);
    CHECK(layer(&t, "conv2d_3")->wq == KWS_QW_INT8);
    CHECK(layer(&t, "conv2d_4")->wq == KWS_QW_BINARY);
    CHECK(layer(&t, "conv2d_5")->wq == KWS_QW_BINARY);
    CHECK(layer(&t, "dense")->wq == KWS_QW_BINARY);
    CHECK(layer(&t, "dense_1")->wq == KWS_QW_BINARY);
    CHECK(layer(&t, "dense_2")->wq == KWS_QW_INT8);
    CHECK(roundtrip(&t));

    /* int8-act: one activation range per conv2d/dense, after its bn stats */
    t = paper;
    CHECK(kws_quant_apply_mode(&t, KWS_QUANT_INT8_ACT, &e) == KWS_OK);
    CHECK_EQ_INT(t.n_stats, 448 + 9);
    size_t off = 0;
    int layout = 1;
    for (int i = 0; i < t.n_layers; i++) {
        const kws_layer_spec *l = &t.layers[i];
        if (l->kind == KWS_LAYER_FLATTEN)
            continue;
        layout &= l->aq == KWS_QA_INT8 && l->wq == KWS_QW_INT8;
        if (l->n_bn)
            layout &= l->stat_off == off;
        off += 2 * l->n_bn;
        layout &= l->act_off == off;
        off += 1;
    }
    CHECK(layout);
    CHECK_EQ_INT(off, t.n_stats);
    CHECK(roundtrip(&t));

    CHECK(kws_quant_apply_mode(&t, (kws_quant_mode)99, &e) == KWS_ERR_ARG);
    return test_summary("test_quant_mode");
}
