/* sw/exit.h - the process exit-code contract shared by every worker.
 *
 * AWS Batch retryStrategy.evaluateOnExit is wired to these values by the
 * deploy: 3 is retried, 2 is not, 0 ends the job. Keep in sync with the
 * README's "Exit codes" table. */
#ifndef SW_EXIT_H
#define SW_EXIT_H

#include "sw/error.h"

enum {
    SW_EXIT_OK = 0,        /* the work is done */
    SW_EXIT_INTERNAL = 1,  /* a bug or an unexpected local failure */
    SW_EXIT_BAD_INPUT = 2, /* bad input or configuration: never retry */
    SW_EXIT_TRANSIENT = 3, /* transient upstream failure: retry */
    SW_EXIT_PARTIAL = 4    /* partial failure: some items failed, reported */
};

/* sw_exit_code_for: maps a libsw result to the exit code a worker should end
 * with when that result aborts its run. */
int sw_exit_code_for(sw_result rc);

#endif
