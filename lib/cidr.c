/* Address ranges and the client behind trusted proxies (cidr.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

/* text (len bytes, no NUL needed) as an address: 0, or -1. */
static int parse_addr(const char *text, size_t len, int *family, unsigned char addr[16])
{
    char buf[INET6_ADDRSTRLEN + 2];

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (buf[0] == '[' && buf[len - 1] == ']') { /* "[2001:db8::1]" */
        memmove(buf, buf + 1, len - 2);
        buf[len - 2] = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

/* 1 when the first bits bits of a and b agree. */
static int same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;

    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    return rest == 0 || ((a[whole] ^ b[whole]) & (0xff << (8 - rest))) == 0;
}

int cidr_parse(const char *text, struct cidr *out)
{
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    int max;

    memset(out, 0, sizeof(*out));
    if (parse_addr(text, len, &out->family, out->addr) != 0)
        return -1;
    max = out->family == AF_INET ? 32 : 128;
    out->bits = max;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || b < 0 || b > max)
            return -1;
        out->bits = (int)b;
    }
    /* host bits set: refuse rather than guess what was meant */
    for (int i = out->bits; i < max; i++)
        if (out->addr[i / 8] & (0x80 >> (i % 8)))
            return -1;
    return 0;
}

int cidr_list_parse(const char *text, struct cidr **out, size_t *n, char *bad, size_t badlen)
{
    const char *p = text;
    struct cidr *list = NULL;
    size_t count = 0;

    *out = NULL;
    *n = 0;
    while (*p) {
        size_t len = strcspn(p, ", \t");
        if (len > 0) {
            char item[INET6_ADDRSTRLEN + 8];
            struct cidr c, *grown;
            int ok = len < sizeof(item);
            if (ok) {
                memcpy(item, p, len);
                item[len] = '\0';
                ok = cidr_parse(item, &c) == 0;
            }
            if (!ok || (grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
                snprintf(bad, badlen, "%.*s", (int)len, p);
                free(list);
                return -1;
            }
            list = grown;
            list[count++] = c;
            p += len;
        } else
            p++;
    }
    *out = list;
    *n = count;
    return 0;
}

static int contains(const struct cidr *list, size_t n, int family, const unsigned char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].family == family && same_prefix(list[i].addr, addr, list[i].bits))
            return 1;
    return 0;
}

int cidr_list_contains(const struct cidr *list, size_t n, const char *addr)
{
    unsigned char a[16];
    int family;

    return addr && parse_addr(addr, strlen(addr), &family, a) == 0 && contains(list, n, family, a);
}

static const char *format(int family, const unsigned char *addr, char *out, size_t outlen)
{
    return inet_ntop(family, addr, out, (socklen_t)outlen);
}

const char *cidr_client(const char *remote, const char *xff, const struct cidr *trusted, size_t n, char *out,
                        size_t outlen)
{
    unsigned char addr[16];
    int family;
    const char *end;

    if (remote == NULL || parse_addr(remote, strlen(remote), &family, addr) != 0)
        return NULL;
    if (xff == NULL || !contains(trusted, n, family, addr))
        return format(family, addr, out, outlen);
    /* From the right: addr is the last trusted hop so far. */
    end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        unsigned char hop[16];
        int hop_family;
        size_t len;

        while (start > xff && start[-1] != ',')
            start--;
        const char *next_end = start > xff ? start - 1 : xff;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        len = (size_t)(end - start);
        while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
            len--;
        end = next_end;
        if (len == 0)
            continue; /* "a,,b": an empty entry says nothing */
        if (parse_addr(start, len, &hop_family, hop) != 0)
            break;
        family = hop_family;
        memcpy(addr, hop, sizeof(addr));
        if (!contains(trusted, n, family, addr))
            break;
    }
    return format(family, addr, out, outlen);
}
