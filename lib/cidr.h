#ifndef MRB_CIDR_H
#define MRB_CIDR_H

#include <stddef.h>

/* Address ranges ("10.0.0.0/8", "::1", "192.0.2.7") and the one question
 * MRB asks of them: who is the client behind a chain of trusted proxies.
 * Pure functions: no allocation except cidr_list_parse()'s array. */

struct cidr {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char addr[16];  /* network byte order; 4 bytes used for AF_INET */
    int bits;                /* prefix length */
};

/* Parses one range; a bare address is a /32 or /128. Host bits must be 0
 * ("10.0.0.1/8" is refused: almost always a typo). Returns 0 or -1. */
int cidr_parse(const char *text, struct cidr *out);

/* Parses a comma- or blank-separated list into a new array (*out, caller
 * frees; NULL when the list is empty). Returns 0, or -1 with the bad item
 * copied into bad. */
int cidr_list_parse(const char *text, struct cidr **out, size_t *n, char *bad, size_t badlen);

/* 1 when the address text addr is inside one of the n ranges. */
int cidr_list_contains(const struct cidr *list, size_t n, const char *addr);

/* The client's address. remote is REMOTE_ADDR (the TCP peer); xff is the
 * X-Forwarded-For header (may be NULL). Only when remote is a trusted proxy
 * is xff read, from the right: each address a trusted proxy appended is
 * skipped, and the first one that is not trusted is the client (anything
 * left of it was written by the client and may be forged). When every entry
 * is trusted, the left-most is the client; when an entry is not an address,
 * the last trusted one read is (a proxy never appends garbage, so whatever
 * came before it cannot be believed). Writes the address, normalised, to
 * out. Returns out, or NULL when remote is NULL or not an address. */
const char *cidr_client(const char *remote, const char *xff, const struct cidr *trusted, size_t n, char *out,
                        size_t outlen);

#endif
