/*
 * inet.c - family-neutral addresses and prefixes
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inet.h"

int
inet_maxlen(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

static size_t
inet_size(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

int
inet_cmp(const struct inet_addr *a, const struct inet_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* Network order compared bytewise is host order compared numerically. */
	return memcmp(a->u.bytes, b->u.bytes, inet_size(a->family));
}

bool
inet_is_any(const struct inet_addr *a)
{
	size_t i;

	for (i = 0; i < inet_size(a->family); i++)
		if (a->u.bytes[i])
			return false;
	return true;
}

bool
inet_is_multicast(const struct inet_addr *a)
{
	if (a->family == AF_INET)
		return IN_MULTICAST(ntohl(a->u.v4.s_addr));
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&a->u.v6);
	return false;
}

/*
 * RFC 4607: 232.0.0.0/8 and ff3x::/32, that is ff3x:0000::/32 (prefix
 * length 0 in the RFC 3306 layout); ff3x:00LL:PPPP... with a unicast
 * prefix are any-source groups.
 */
bool
inet_is_ssm(const struct inet_addr *a)
{
	if (a->family == AF_INET)
		return a->u.bytes[0] == 232;
	if (a->family == AF_INET6)
		return a->u.bytes[0] == 0xff &&
		    (a->u.bytes[1] & 0xf0) == 0x30 && a->u.bytes[2] == 0 &&
		    a->u.bytes[3] == 0;
	return false;
}

/* 224.0.0.0/24, and IPv6 scopes up to link-local (ff0X-ff3X, X <= 2). */
bool
inet_is_linklocal_group(const struct inet_addr *a)
{
	if (a->family == AF_INET)
		return a->u.bytes[0] == 224 && a->u.bytes[1] == 0 &&
		    a->u.bytes[2] == 0;
	if (a->family == AF_INET6)
		return a->u.bytes[0] == 0xff && (a->u.bytes[1] & 0x0f) <= 2;
	return false;
}

void
inet_any(struct inet_addr *a, int family)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
}

void
inet_from_v4(struct inet_addr *a, struct in_addr in)
{
	inet_any(a, AF_INET);
	a->u.v4 = in;
}

void
inet_from_v6(struct inet_addr *a, const struct in6_addr *in6)
{
	inet_any(a, AF_INET6);
	a->u.v6 = *in6;
}

void
inet_from_sa(struct inet_addr *a, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		inet_from_v4(a, ((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		inet_from_v6(a, &((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		inet_any(a, AF_UNSPEC);
}

socklen_t
inet_to_sa(const struct inet_addr *a, struct sockaddr_storage *ss,
    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->u.v4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->u.v6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
}

int
inet_pton_any(const char *s, struct inet_addr *a)
{
	inet_any(a, AF_INET);
	if (inet_pton(AF_INET, s, &a->u.v4) == 1)
		return 0;
	inet_any(a, AF_INET6);
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1)
		return 0;
	inet_any(a, AF_UNSPEC);
	return -1;
}

const char *
inet_str(const struct inet_addr *a, char *buf, size_t len)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		snprintf(buf, len, "*");
	else if (!inet_ntop(a->family, a->u.bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

void
inet_mask(struct inet_addr *a, int len)
{
	int i, max = (int)inet_size(a->family);

	for (i = 0; i < max; i++) {
		int bits = len - i * 8;

		if (bits >= 8)
			continue;
		if (bits <= 0)
			a->u.bytes[i] = 0;
		else
			a->u.bytes[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

bool
inet_pfx_match(const struct inet_pfx *p, const struct inet_addr *a)
{
	struct inet_addr m;

	if (p->addr.family != a->family)
		return false;
	m = *a;
	inet_mask(&m, p->len);
	return inet_cmp(&m, &p->addr) == 0;
}

/* Does outer contain all of inner? */
bool
inet_pfx_contains(const struct inet_pfx *outer, const struct inet_pfx *inner)
{
	return outer->len <= inner->len && inet_pfx_match(outer, &inner->addr);
}

int
inet_pfx_cmp(const struct inet_pfx *a, const struct inet_pfx *b)
{
	int rc = inet_cmp(&a->addr, &b->addr);

	if (rc)
		return rc;
	return (int)a->len - (int)b->len;
}

bool
inet_pfx_is_host(const struct inet_pfx *p)
{
	return p->len == inet_maxlen(p->addr.family);
}

const char *
inet_pfx_str(const struct inet_pfx *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_str(&p->addr, a, sizeof(a));
	if (inet_pfx_is_host(p))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

int
inet_pfx_parse(const char *s, struct inet_pfx *out, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct inet_pfx p;
	long len;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "invalid address %.60s", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton_any(buf, &p.addr)) {
		snprintf(err, errlen, "invalid address %s", buf);
		return -1;
	}
	len = inet_maxlen(p.addr.family);
	if (slash) {
		errno = 0;
		len = strtol(slash, &end, 10);
		if (*slash < '0' || *slash > '9' || *end || errno ||
		    len < 0 || len > inet_maxlen(p.addr.family)) {
			snprintf(err, errlen, "invalid prefix length /%s for %s "
			    "(0-%d)", slash, buf, inet_maxlen(p.addr.family));
			return -1;
		}
	}
	p.len = (uint8_t)len;
	/* Like SMCRoute, 225.1.2.3/24 means 225.1.2.0/24. */
	inet_mask(&p.addr, p.len);
	*out = p;
	return 0;
}

void
inet_add(struct inet_addr *a, uint32_t n)
{
	int i = (int)inet_size(a->family) - 1;
	uint64_t carry = n;

	for (; i >= 0 && carry; i--) {
		uint64_t v = a->u.bytes[i] + (carry & 0xff);

		a->u.bytes[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}
