/*
 * stub_port.h - a port with no network for the footprint firmware: every
 * call succeeds at once and recv() returns one canned HTTP response.
 */
#ifndef EMHTTP_STUB_PORT_H
#define EMHTTP_STUB_PORT_H

#include "emhttp/port.h"

/** The stub port's operations (its state is static: one client only; the
 *  context pointer is unused). */
extern const emhttp_port_ops stub_ops;
/** Its transport: every call succeeds at once. */
extern const emhttp_transport_ops stub_tcp;

#endif
