/* Deliberately uses the allocator: the symbol check must reject it. */
#include <stdlib.h>

void *malloc_canary(size_t n);
void *malloc_canary(size_t n) { return malloc(n); }
