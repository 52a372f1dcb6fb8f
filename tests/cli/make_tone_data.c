/* make_tone_data.c - writes the four-word tone data set of the training
 * tests (tests/train/train_fixture.h) into a folder, for the CLI tests:
 *
 *   kws_test_make_tone_data DIR     (DIR is created if it does not exist)
 */
#include "tests/train/train_fixture.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    struct stat sb;
    if (stat(argv[1], &sb) != 0 && mkdir(argv[1], 0755) != 0) {
        fprintf(stderr, "%s: cannot create the folder\n", argv[1]);
        return 1;
    }
    return tf_write_dataset(argv[1]) == 0 ? 0 : 1;
}
