/* libFuzzer target: the client address behind trusted proxies, read from
 * the X-Forwarded-For header any client can send (lib/cidr.c), and the
 * [limits] trusted_proxies list parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char trusted_text[] = "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8";
    char *text = malloc(size + 1), out[64], bad[64];
    struct cidr *trusted = NULL, *parsed = NULL;
    size_t n = 0, m = 0;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (cidr_list_parse(trusted_text, &trusted, &n, bad, sizeof(bad)) == 0) {
        (void)cidr_client("127.0.0.1", text, trusted, n, out, sizeof(out));
        (void)cidr_client("::1", text, trusted, n, out, sizeof(out));
        (void)cidr_client(text, "203.0.113.5", trusted, n, out, sizeof(out));
    }
    if (cidr_list_parse(text, &parsed, &m, bad, sizeof(bad)) == 0)
        (void)cidr_list_contains(parsed, m, "10.1.2.3");
    free(trusted);
    free(parsed);
    free(text);
    return 0;
}
