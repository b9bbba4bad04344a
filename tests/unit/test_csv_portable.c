/* test_csv_portable.c - every check of test_csv.c again, against the
 * portable scanner (8 bytes at a time, no SSE2): what a build for a CPU
 * without SSE2 (or ARM, until it has a NEON path) runs. csv.c is compiled
 * into this program with SW_CSV_PORTABLE, so libsw's csv.o is not linked. */
#define SW_CSV_PORTABLE 1
#include "../../common/src/csv.c"
#include "test_csv.c"
