/* empty_main.c - the baseline image the footprint firmware is compared with. */
int main(void) { return 0; }
