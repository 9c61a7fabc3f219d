/*
 * parser_diff - the C side of the response parser's differential test
 * (tests/unit/test_parser_diff.py): each case through emhttp's parser and
 * Node's http_parser 2.9, fed the same pieces; one line out per case with
 * both outcomes as JSON (bytes as hex).  The Python side adds h11 and
 * compares.
 *
 * Input, one case per line:  id TAB GET|HEAD TAB cuts TAB hex
 * (cuts: comma-separated piece ends, or "-" for one piece).
 * Output:                    id TAB emhttp-json TAB node-json
 */
#include <stdio.h>
#include <stdlib.h>

#include "parser_diff.h"

static void hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static void put(const pd_outcome *o)
{
    printf("{\"ok\":%d,\"err\":%d", o->ok, o->err);
    if (o->ok) {
        printf(",\"status\":%d,\"ka\":%d,\"end\":%zu,\"body\":\"", o->status, o->keep_alive,
               o->consumed);
        hex(o->body, o->body_len);
        printf("\",\"headers\":[");
        for (int i = 0; i < o->nhdr; i++) {
            printf("%s[\"", i ? "," : "");
            hex((const uint8_t *)o->hbuf + o->name_off[i], o->name_len[i]);
            printf("\",\"");
            hex((const uint8_t *)o->hbuf + o->val_off[i], o->val_len[i]);
            printf("\"]");
        }
        printf("]");
    }
    printf(",\"overflow\":%d}", o->overflow);
}

static int unhex(int c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    static char line[4 * PD_MAX_IN];
    static uint8_t in[PD_MAX_IN];
    static pd_outcome oe, on;
    while (fgets(line, sizeof line, f) != NULL) {
        char *id = strtok(line, "\t"), *method = strtok(NULL, "\t"), *cuts = strtok(NULL, "\t"),
             *hx = strtok(NULL, "\t\n");
        if (id == NULL || method == NULL || cuts == NULL) {
            fprintf(stderr, "bad line\n");
            return 2;
        }
        size_t len = 0;
        for (char *h = hx; h != NULL && h[0] && h[1] && len < sizeof in; h += 2) {
            in[len++] = (uint8_t)(unhex(h[0]) << 4 | unhex(h[1]));
        }
        pd_split sp = {.ncuts = 0};
        if (strcmp(cuts, "-") != 0) {
            for (char *c = strtok(cuts, ","); c != NULL && sp.ncuts < 64; c = strtok(NULL, ",")) {
                size_t v = strtoul(c, NULL, 10);
                if (v > 0 && v < len && (sp.ncuts == 0 || v > sp.cuts[sp.ncuts - 1])) {
                    sp.cuts[sp.ncuts++] = v;
                }
            }
        }
        bool head = strcmp(method, "HEAD") == 0;
        pd_run_emhttp(in, len, &sp, head, &oe);
        pd_run_node(in, len, &sp, head, &on);
        printf("%s\t", id);
        put(&oe);
        printf("\t");
        put(&on);
        printf("\n");
    }
    return 0;
}
