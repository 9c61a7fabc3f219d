/*
 * driver_steps.h - the STEP arguments tls_driver and offload_driver share:
 *
 *   METHOD:PATH   one request
 *   N*METHOD:PATH the same request N times, one line for all
 *   sleep:MS      pause (connection idle)
 *   wait          read one line from stdin first (the test forces a
 *                 reconnect meanwhile)
 *   close         close the connection (the next request reconnects)
 *   forget        drop the kept TLS session
 *
 * Each driver says what a request and "forget" do; the rest is here.
 */
#ifndef EMHTTP_TEST_DRIVER_STEPS_H
#define EMHTTP_TEST_DRIVER_STEPS_H

#include "body_sum.h"
#include "emhttp/client.h"

typedef struct {
    emhttp_client *cli; /* "close" closes its connection */
    /* "forget": drop the kept TLS session. */
    void (*forget)(void);
    /* A request step: run METHOD PATH n times on cli (stop at the first
     * failure) and print the step's line; step is the argument as given. */
    void (*request)(const char *step, char *method, char *path, unsigned long n);
} driver_steps;

/* Response callbacks that add the body to the body_sum at req->user. */
extern const emhttp_response_cbs driver_body_cbs;

/* Runs one STEP; a malformed request step exits 2, EOF at "wait" exits 3. */
void driver_run_step(const driver_steps *d, const char *step);

#endif /* EMHTTP_TEST_DRIVER_STEPS_H */
