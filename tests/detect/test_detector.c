/* test_detector.c - kws_detector alone, on synthetic probability sequences
 * with hand-computed expectations: the averaging window's arithmetic, one
 * event per burst at the right hop, the refractory period, the minimum
 * count, thresholds, ignored classes, gaps and bad hops, the arena. */
#include <string.h>

#include "kws/detect.h"
#include "tests/test.h"

enum { C = 3 };

static kws_detector det;
static uint64_t arena[1024];

static void make(int window, float threshold, int refractory, int min_count)
{
    kws_detector_config cfg = {C, window, threshold, refractory, min_count};
    CHECK(kws_detector_arena_size(&cfg) <= sizeof arena);
    CHECK_EQ_INT(kws_detector_init(&det, &cfg, arena, sizeof arena), KWS_OK);
}

/* probabilities with p on class `label` and the rest spread evenly */
static void probs_for(float *p, int label, float v)
{
    for (int c = 0; c < C; c++)
        p[c] = c == label ? v : (1.0f - v) / (C - 1);
}

/* Pushes class-1 probabilities seq[0..n) at hops 0..n-1; records the hops
 * with events in fired_at (returns their count). */
static int run_seq(const float *seq, int n, int label, uint64_t *fired_at, float *scores)
{
    int k = 0;
    for (int h = 0; h < n; h++) {
        float p[C];
        probs_for(p, label, seq[h]);
        kws_detector_event ev;
        int fired = -1;
        CHECK_EQ_INT(kws_detector_push(&det, p, (uint64_t)h, &ev, &fired), KWS_OK);
        if (fired) {
            CHECK_EQ_INT(ev.label, label);
            CHECK_EQ_INT(ev.hop, h);
            fired_at[k] = ev.hop;
            scores[k] = ev.score;
            k++;
        }
    }
    return k;
}

static void test_header_example(void)
{
    /* the worked example of kws/detect.h */
    make(3, 0.6f, 10, 2);
    const float seq[] = {0.2f, 0.9f, 0.9f, 0.9f};
    uint64_t at[4];
    float sc[4];
    CHECK_EQ_INT(run_seq(seq, 4, 1, at, sc), 1);
    CHECK_EQ_INT(at[0], 2);
    CHECK_NEAR(sc[0], (0.2f + 0.9f + 0.9f) / 3.0f, 1e-6);
}

static void test_average_exact(void)
{
    /* window 4: the average at each hop is the mean of the last 4 (or fewer) */
    make(4, 1.0f, 0, 1);
    const float v[] = {0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.2f};
    for (int h = 0; h < 6; h++) {
        float p[C];
        probs_for(p, 0, v[h]);
        int fired;
        CHECK_EQ_INT(kws_detector_push(&det, p, (uint64_t)h, NULL, &fired), KWS_OK);
        float want = 0.0f;
        int lo = h - 3 < 0 ? 0 : h - 3;
        for (int i = lo; i <= h; i++)
            want += v[i];
        want /= (float)(h - lo + 1);
        CHECK_NEAR(kws_detector_average(&det)[0], want, 1e-6);
        float want1 = 0.0f;
        for (int i = lo; i <= h; i++)
            want1 += (1.0f - v[i]) / 2.0f;
        CHECK_NEAR(kws_detector_average(&det)[1], want1 / (float)(h - lo + 1), 1e-6);
    }
}

static void test_burst_and_refractory(void)
{
    /* window 4, threshold 0.7, refractory 8 hops, min_count 2.
     * Burst of 0.95 at hops 10..16 over 0.05; the average at hop h over
     * hops h-3..h: hop 12 = (0.05 + 3 * 0.95)/4 = 0.725 -> first event. A
     * second burst at 18..22 is within 8 hops of 12 until hop 20: fires at
     * hop 20 (average (0.95*3 + 0.05)/4 at 20 = 0.725; 19: 2 of 4 = 0.5). */
    make(4, 0.7f, 8, 2);
    float seq[40];
    for (int h = 0; h < 40; h++)
        seq[h] = 0.05f;
    for (int h = 10; h <= 16; h++)
        seq[h] = 0.95f;
    for (int h = 18; h <= 22; h++)
        seq[h] = 0.95f;
    uint64_t at[8];
    float sc[8];
    int n = run_seq(seq, 40, 2, at, sc);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(at[0], 12);
    CHECK_NEAR(sc[0], (0.05f + 3 * 0.95f) / 4.0f, 1e-6);
    if (n == 2) {
        CHECK_EQ_INT(at[1], 20);
        CHECK_NEAR(sc[1], (0.05f + 3 * 0.95f) / 4.0f, 1e-6);
    }

    /* the same with a refractory period of 30: one event only */
    make(4, 0.7f, 30, 2);
    CHECK_EQ_INT(run_seq(seq, 40, 2, at, sc), 1);

    /* refractory 0: a long burst still fires at every hop above threshold */
    make(4, 0.7f, 0, 2);
    n = run_seq(seq, 18, 2, at, sc);
    CHECK_EQ_INT(n, 16 - 12 + 1 + 1); /* hops 12..16 and 17 ((0.95*3+0.05)/4) */
}

static void test_below_threshold_and_ignored(void)
{
    make(4, 0.8f, 0, 1);
    float seq[20];
    for (int h = 0; h < 20; h++)
        seq[h] = 0.79f;
    uint64_t at[20];
    float sc[20];
    CHECK_EQ_INT(run_seq(seq, 20, 0, at, sc), 0);
    for (int h = 0; h < 20; h++)
        seq[h] = 0.8f; /* exactly at threshold: fires (>=) */
    make(4, 0.8f, 100, 1);
    CHECK_EQ_INT(run_seq(seq, 20, 0, at, sc), 1);

    /* an ignored top class (e.g. _unknown_) never fires, and does not let a
     * lower class fire either */
    make(4, 0.3f, 0, 1);
    CHECK_EQ_INT(kws_detector_set_ignore(&det, 1, 1), KWS_OK);
    for (int h = 0; h < 20; h++)
        seq[h] = 0.9f;
    CHECK_EQ_INT(run_seq(seq, 20, 1, at, sc), 0);
    CHECK_EQ_INT(kws_detector_set_ignore(&det, 3, 1), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_detector_set_ignore(&det, -1, 1), KWS_ERR_ARG);
}

static void test_min_count_and_gaps(void)
{
    /* min_count 3: two strong results are not enough */
    make(5, 0.5f, 0, 3);
    float p[C];
    int fired;
    probs_for(p, 0, 1.0f);
    CHECK_EQ_INT(kws_detector_push(&det, p, 0, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 0);
    CHECK_EQ_INT(kws_detector_push(&det, p, 1, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 0);
    kws_detector_event ev;
    CHECK_EQ_INT(kws_detector_push(&det, p, 2, &ev, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 1);
    CHECK_EQ_INT(ev.hop, 2);
    CHECK_NEAR(ev.score, 1.0, 1e-6);

    /* a gap in hops (network every few hops): old results leave the window
     * by hop, not by count. Window 5: at hop 20 only hops 16..20 count. */
    make(5, 0.5f, 0, 2);
    probs_for(p, 0, 1.0f);
    CHECK_EQ_INT(kws_detector_push(&det, p, 0, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(kws_detector_push(&det, p, 4, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 1); /* hops 0 and 4 are both within 5 */
    make(5, 0.5f, 0, 2);
    CHECK_EQ_INT(kws_detector_push(&det, p, 0, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(kws_detector_push(&det, p, 5, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 0); /* hop 0 left the window: one result < min_count */
    probs_for(p, 0, 0.0f);
    CHECK_EQ_INT(kws_detector_push(&det, p, 7, NULL, &fired), KWS_OK);
    CHECK_NEAR(kws_detector_average(&det)[0], 0.5, 1e-6); /* hops 5 and 7 */
    CHECK_EQ_INT(kws_detector_push(&det, p, 100, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 0);
}

static void test_bad_hops_and_reset(void)
{
    make(3, 0.5f, 0, 1);
    float p[C];
    int fired = 7;
    probs_for(p, 0, 1.0f);
    CHECK_EQ_INT(kws_detector_push(&det, p, 10, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 1);
    /* the same hop again, or an earlier one: refused, nothing stored */
    CHECK_EQ_INT(kws_detector_push(&det, p, 10, NULL, &fired), KWS_ERR_ARG);
    CHECK_EQ_INT(fired, 0);
    CHECK_EQ_INT(kws_detector_push(&det, p, 3, NULL, &fired), KWS_ERR_ARG);
    CHECK_EQ_INT(det.count, 1);
    kws_detector_reset(&det);
    CHECK_EQ_INT(det.count, 0);
    CHECK_EQ_INT(kws_detector_push(&det, p, 3, NULL, &fired), KWS_OK);
    CHECK_EQ_INT(fired, 1);
}

static void test_config_and_arena(void)
{
    kws_detector_config ok = {C, 4, 0.5f, 0, 1};
    CHECK_EQ_INT(kws_detector_config_check(&ok), KWS_OK);
    kws_detector_config bad[] = {
        {0, 4, 0.5f, 0, 1},   {C, 0, 0.5f, 0, 1}, {C, 4, 0.0f, 0, 1}, {C, 4, 1.5f, 0, 1},
        {C, 4, 0.5f, -1, 1},  {C, 4, 0.5f, 0, 0}, {C, 4, 0.5f, 0, 5},
        {C, KWS_DETECT_MAX_WINDOW + 1, 0.5f, 0, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(kws_detector_config_check(&bad[i]), KWS_ERR_ARG);
        CHECK_EQ_INT(kws_detector_arena_size(&bad[i]), 0);
    }
    size_t need = kws_detector_arena_size(&ok);
    CHECK(need > 0);
    CHECK_EQ_INT(kws_detector_init(&det, &ok, arena, need - 1), KWS_ERR_ARENA);
    CHECK_EQ_INT(kws_detector_init(&det, &ok, (char *)arena + 4, need), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_detector_init(&det, &ok, arena, need), KWS_OK);
}

int main(void)
{
    test_header_example();
    test_average_exact();
    test_burst_and_refractory();
    test_below_threshold_and_ignored();
    test_min_count_and_gaps();
    test_bad_hops_and_reset();
    test_config_and_arena();
    return test_summary("test_detector");
}
