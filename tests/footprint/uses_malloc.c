/* uses_malloc.c - deliberately calls the allocator: the zero-heap firmware
 * link must reject an image that contains it. */
#include <stdlib.h>

void *fw_uses_malloc(size_t n);
void *fw_uses_malloc(size_t n) { return malloc(n); }
