#ifndef MRB_UTIL_H
#define MRB_UTIL_H

/* Small helpers that know nothing of MRB: kernel randomness, base64,
 * constant-time comparison, SHA-256, UTF-8 lengths, time, growing arrays
 * and comma-separated lists. */

#include <stddef.h>

/* Fills buf with n bytes from the kernel CSPRNG. Returns 0, or -1. */
int util_random_bytes(void *buf, size_t n);
/* URL-safe, unpadded base64 of n random bytes into out (NUL-terminated).
 * out must hold 4*ceil(n/3) + 1 bytes (room for the padded form). Returns 0, or -1. */
int util_random_token(char *out, size_t outlen, size_t n);
/* n random decimal digits (uniform) into out. Returns 0, or -1. */
int util_random_digits(char *out, size_t outlen, size_t n);
/* Uniform double in [0, 1). Not for secrets. */
double util_random_unit(void);

/* Standard base64 (with padding) of in into out. Returns chars written or -1. */
int util_base64(const unsigned char *in, size_t n, char *out, size_t outlen);
/* base64url (unpadded, JWT style) decode into out. Returns bytes or -1. */
int util_base64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen);
/* Unpadded base64url encode. Returns chars written or -1. */
int util_base64url(const unsigned char *in, size_t n, char *out, size_t outlen);

/* Constant-time equality of two NUL-terminated strings: the time depends on
 * the length of b (the secret) only, never on where they differ. */
int util_const_streq(const char *a, const char *b);

/* out gets the lowercase hex SHA-256 of the string s. Returns 0 or -1. */
int util_sha256_hex(const char *s, char out[65]);

/* Standard base64 (with padding) of n bytes of in, decoded into out and
 * NUL-terminated. Returns the decoded length, or -1 (bad input, or outlen too
 * small). */
int util_base64_decode(const char *in, size_t n, unsigned char *out, size_t outlen);

/* Number of UTF-8 code points in s (s is valid UTF-8, as jansson ensures). */
size_t util_utf8_len(const char *s, size_t bytes);

/* Copies at most maxchars code points of s into out (NUL-terminated, never
 * splitting a character, and within outlen bytes). */
void util_utf8_truncate(const char *s, size_t maxchars, char *out, size_t outlen);

/* RFC 3339 UTC ("2026-11-25T12:00:00Z") of a unix time into out. */
void util_rfc3339(long long t, char *out, size_t outlen);
/* Parses an RFC 3339 time ("2026-12-04T14:00:00Z", with optional
 * fractional seconds, "Z" or a "+hh:mm"/"-hh:mm" offset) into unix
 * seconds. Returns 0, or -1 when s is not one. */
int util_parse_rfc3339(const char *s, long long *out);

/* Current unix time in seconds. */
long long util_now(void);

/* Current unix time in milliseconds: shared between processes and hosts
 * through the database (probes, transmit samples). */
long long util_now_ms(void);

/* Growable arrays: returns base (realloc'd when full) with room for element
 * n of size sz, updating *cap; NULL when out of memory (base is then still
 * valid and owned by the caller). */
void *util_grow(void *base, size_t n, size_t *cap, size_t sz);

/* 1 when the comma-separated list (may be NULL) has item as one of its
 * entries (a MariaDB SET value, a GROUP_CONCAT). */
int util_list_has(const char *list, const char *item);

#endif
