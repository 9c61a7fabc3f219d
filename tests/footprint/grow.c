/* grow.c - a dummy table that makes the minimal build bigger on purpose:
 * the test of the budget check links it and expects the check to fail. */
#include <stdint.h>

extern const uint8_t fw_grow[FW_GROW_BYTES];
const uint8_t fw_grow[FW_GROW_BYTES] = {1};
