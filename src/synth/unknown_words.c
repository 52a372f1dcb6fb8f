/* unknown_words.c - words for the _unknown_ class: a built-in list of
 * common English words, with near-misses of the ten commands first (words
 * that share most of a command's sounds: yet/yes, nose/no, cup/up,
 * town/down, lift/left, bright/right, one/on, of/off, top/stop, though/go),
 * and reading a user's list. */
#include "kws/synth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const builtin[] = {
    /* near-misses of yes, no, up, down, left, right, on, off, stop, go */
    "yet", "yell", "yeah", "less", "guess", "mess", "chess", "dress", "press", "yesterday",
    "nose", "know", "snow", "slow", "note", "new", "now", "low", "show", "grow",
    "cup", "pup", "cut", "hut", "oops", "pop", "app", "hop", "sup", "upper",
    "town", "gown", "brown", "crown", "drown", "doubt", "dawn", "done", "noun", "round",
    "lift", "loft", "lest", "theft", "deft", "let", "lint", "laughed", "list", "leaf",
    "bright", "write", "ride", "white", "bite", "night", "fright", "light", "rate", "rice",
    "one", "own", "gone", "an", "in", "un", "odd", "honest", "bond", "song",
    "of", "oft", "cough", "golf", "loft", "ought", "awful", "soft", "often", "officer",
    "top", "stock", "step", "stuck", "spot", "shop", "drop", "stomp", "stub", "star",
    "though", "goat", "coat", "ghost", "grow", "gold", "ago", "toe", "dough", "glow",
    /* common words */
    "the", "and", "that", "have", "for", "not", "with", "you", "this", "but",
    "his", "from", "they", "say", "her", "she", "will", "would", "there", "their",
    "what", "about", "which", "when", "make", "can", "like", "time", "just", "him",
    "take", "people", "into", "year", "your", "good", "some", "could", "them", "see",
    "other", "than", "then", "look", "only", "come", "its", "over", "think", "also",
    "back", "after", "use", "two", "how", "our", "work", "first", "well", "way",
    "even", "want", "because", "any", "these", "give", "day", "most", "us", "is",
    "water", "long", "very", "find", "thing", "tell", "call", "hand", "part", "place",
    "case", "week", "point", "child", "world", "school", "fact", "group", "problem", "money",
    "house", "home", "room", "car", "city", "road", "door", "window", "table", "chair",
    "book", "paper", "phone", "music", "light", "fire", "tree", "flower", "garden", "river",
    "apple", "bread", "milk", "coffee", "sugar", "salt", "egg", "fish", "meat", "rice",
    "red", "blue", "green", "black", "yellow", "orange", "purple", "pink", "gray", "silver",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "hundred", "zero",
    "open", "close", "start", "pause", "play", "next", "previous", "louder", "quiet", "volume",
    "morning", "evening", "today", "tomorrow", "monday", "friday", "summer", "winter", "spring", "autumn",
    "happy", "sad", "big", "small", "fast", "early", "late", "hot", "cold", "warm",
    "cat", "dog", "bird", "horse", "mouse", "tiger", "lion", "bear", "wolf", "rabbit",
    "mother", "father", "sister", "brother", "friend", "doctor", "teacher", "student", "baby", "family",
    "run", "walk", "jump", "sit", "stand", "sleep", "eat", "drink", "read", "sing",
    "computer", "machine", "signal", "system", "number", "letter", "word", "answer", "question", "story",
    "north", "south", "east", "west", "middle", "center", "inside", "outside", "under", "above",
    "happen", "remember", "forget", "believe", "understand", "learn", "change", "follow", "bring", "carry",
    "yellowish", "yoga", "yard", "young", "noodle", "nothing", "nobody", "upset", "update", "downtown",
    "leftover", "righteous", "online", "office", "stopwatch", "golden", "goal", "going", "always", "never",
    "maybe", "please", "thanks", "hello", "goodbye", "sorry", "okay", "sure", "again", "enough",
    "marvin", "sheila", "wow", "visual", "learning", "forward", "backward", "follow", "tree", "bed",
};
#define N_BUILTIN (sizeof builtin / sizeof builtin[0])

const char *const *kws_synth_builtin_words(size_t *n)
{
    *n = N_BUILTIN;
    return builtin;
}

void kws_synth_words_free(char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

kws_status kws_synth_words_read(const char *path, char ***out, size_t *n, kws_error *err)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open word list", path);
    char line[256];
    size_t cap = 0, lineno = 0;
    char **w = NULL;
    kws_status st = KWS_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line, *hash = strchr(s, '#');
        if (hash)
            *hash = '\0';
        while (isspace((unsigned char)*s))
            s++;
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            s[--len] = '\0';
        if (!len)
            continue;
        for (size_t i = 0; i < len; i++)
            if (!(islower((unsigned char)s[i]) || s[i] == '\''))
                st = kws_error_set(err, KWS_ERR_FORMAT,
                                   "%s:%zu: '%s' is not a word (lower-case letters and ')", path,
                                   lineno, s);
        if (st == KWS_OK && len >= KWS_WORD_MAX)
            st = kws_error_set(err, KWS_ERR_FORMAT, "%s:%zu: word too long", path, lineno);
        if (st != KWS_OK)
            break;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nw = realloc(w, cap * sizeof *nw);
            if (!nw) {
                st = kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            w = nw;
        }
        if (!(w[*n] = strdup(s))) {
            st = kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        (*n)++;
    }
    fclose(f);
    if (st == KWS_OK && *n == 0)
        st = kws_error_set(err, KWS_ERR_FORMAT, "%s: no words", path);
    if (st != KWS_OK) {
        kws_synth_words_free(w, *n);
        *n = 0;
        return st;
    }
    *out = w;
    return KWS_OK;
}
