/* driver_steps.c - the STEP arguments of the TLS drivers (driver_steps.h). */
#define _GNU_SOURCE

#include "driver_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int on_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    body_sum_add(req->user, d, n);
    return 0;
}

const emhttp_response_cbs driver_body_cbs = {NULL, NULL, on_body, NULL};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void run_request(const driver_steps *d, const char *step)
{
    char method[16], path[512];
    char *end;
    unsigned long n = strtoul(step, &end, 10);
    const char *spec = (*end == '*' && n > 0) ? end + 1 : step;
    const char *colon = strchr(spec, ':');
    if (spec == step) {
        n = 1;
    }
    if (colon == NULL || (size_t)(colon - spec) >= sizeof method || strlen(colon) >= sizeof path) {
        fprintf(stderr, "bad step %s\n", step);
        exit(2);
    }
    memcpy(method, spec, (size_t)(colon - spec));
    method[colon - spec] = '\0';
    strcpy(path, colon + 1);
    d->request(step, method, path, n);
}

void driver_run_step(const driver_steps *d, const char *step)
{
    char line[64];
    if (!strncmp(step, "sleep:", 6)) {
        sleep_ms(atol(step + 6));
    } else if (!strcmp(step, "wait")) {
        if (fgets(line, sizeof line, stdin) == NULL) {
            exit(3);
        }
    } else if (!strcmp(step, "close")) {
        emhttp_client_close(d->cli);
    } else if (!strcmp(step, "forget")) {
        d->forget();
    } else {
        run_request(d, step);
    }
}
