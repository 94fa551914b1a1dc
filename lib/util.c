/* Small helpers that know nothing of MRB (util.h). */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util.h"

int util_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int util_random_token(char *out, size_t outlen, size_t n)
{
    unsigned char raw[64];

    if (n > sizeof(raw) || util_random_bytes(raw, n) != 0)
        return -1;
    return util_base64url(raw, n, out, outlen) < 0 ? -1 : 0;
}

int util_random_digits(char *out, size_t outlen, size_t n)
{
    size_t i = 0;

    if (outlen < n + 1)
        return -1;
    while (i < n) {
        unsigned char b;
        if (util_random_bytes(&b, 1) != 0)
            return -1;
        if (b >= 250) /* reject to keep the digits uniform */
            continue;
        out[i++] = (char)('0' + b % 10);
    }
    out[n] = '\0';
    return 0;
}

double util_random_unit(void)
{
    unsigned long long v = 0;

    if (util_random_bytes(&v, sizeof(v)) != 0)
        return 0.5;
    return (double)(v >> 11) / (double)(1ULL << 53);
}

int util_base64(const unsigned char *in, size_t n, char *out, size_t outlen)
{
    if (outlen < 4 * ((n + 2) / 3) + 1)
        return -1;
    return EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int util_base64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
    int len = util_base64(in, n, out, outlen);

    if (len < 0)
        return -1;
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (int i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    return len;
}

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int util_base64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
    unsigned int acc = 0;
    int bits = 0;
    size_t o = 0;

    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value(in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outlen)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (int)o;
}

int util_const_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);

    /* Walk b's length whatever a is, reading a cyclically so no early exit. */
    for (size_t i = 0; i < lb; i++) {
        unsigned char ca = la ? (unsigned char)a[i % la] : 0;
        diff |= (unsigned char)(ca ^ (unsigned char)b[i]);
    }
    return diff == 0;
}

size_t util_utf8_len(const char *s, size_t bytes)
{
    size_t n = 0;

    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

void util_rfc3339(long long t, char *out, size_t outlen)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long util_now(void)
{
    return (long long)time(NULL);
}

long long util_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void util_utf8_truncate(const char *s, size_t maxchars, char *out, size_t outlen)
{
    size_t i = 0, chars = 0, cut = 0;

    if (outlen == 0)
        return;
    for (; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) { /* a character starts here */
            if (chars == maxchars)
                break;
            cut = i;
            chars++;
        }
        if (i + 1 >= outlen) { /* no room for this byte: drop the started character */
            i = cut;
            break;
        }
    }
    memcpy(out, s, i);
    out[i] = '\0';
}

void *util_grow(void *base, size_t n, size_t *cap, size_t sz)
{
    size_t ncap;
    void *grown;

    if (n < *cap)
        return base;
    ncap = *cap ? *cap * 2 : 16;
    grown = realloc(base, ncap * sz);
    if (grown != NULL)
        *cap = ncap;
    return grown;
}

int util_sha256_hex(const char *s, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";

    if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return -1;
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    OPENSSL_cleanse(md, sizeof(md));
    return 0;
}

int util_base64_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
    int len, pad = 0;

    /* EVP_DecodeBlock wants whole quanta and writes 3 bytes for each 4 */
    if (n == 0 || n % 4 != 0 || n / 4 * 3 + 1 > outlen)
        return -1;
    len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (len < 0)
        return -1;
    pad = (in[n - 1] == '=') + (in[n - 2] == '=');
    len -= pad;
    out[len] = '\0';
    return len;
}

int util_list_has(const char *list, const char *item)
{
    size_t n = strlen(item);

    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, item, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil), so no timegm() and no TZ is involved. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

int util_parse_rfc3339(const char *s, long long *out)
{
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
    const char *p;
    long long t;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return -1;
    p = s + n;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
            return -1;
        oh *= sign;
        om *= sign;
        p += 6;
    } else
        return -1;
    if (*p != '\0')
        return -1;
    t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL + h * 3600LL + mi * 60LL + sec;
    *out = t - oh * 3600LL - om * 60LL;
    return 0;
}
