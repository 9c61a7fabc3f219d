/*
 * stub_port.h - a port with no network for the footprint firmware: every
 * call succeeds at once and recv() returns one canned HTTP response.
 */
#ifndef EMHTTP_STUB_PORT_H
#define EMHTTP_STUB_PORT_H

#include "emhttp/port.h"

/** The stub port instance (its state is static: one client only). */
emhttp_port stub_port(void);

#endif
