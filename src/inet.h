/*
 * inet.h - family-neutral addresses and prefixes
 *
 * Every address in the daemon and the proxy is a struct inet_addr: the
 * family plus the address in network byte order.  Comparisons that
 * order addresses (trees, querier election) are done in host order,
 * byte by byte from the most significant, so that "lower" means what
 * an operator reading the address expects.
 */
#ifndef SMCR_INET_H
#define SMCR_INET_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Longest text form of any address, with a "/128" suffix and NUL. */
#define INET_PFX_STRLEN		(INET6_ADDRSTRLEN + 4)

struct inet_addr {
	sa_family_t		family;		/* AF_INET, AF_INET6, or AF_UNSPEC */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
		uint8_t		bytes[16];
	} u;
};

/* An address with a prefix length; len == inet_maxlen() is a host. */
struct inet_pfx {
	struct inet_addr	addr;		/* host bits are zero */
	uint8_t			len;
};

int		 inet_maxlen(int family);
int		 inet_cmp(const struct inet_addr *, const struct inet_addr *);
bool		 inet_is_any(const struct inet_addr *);
bool		 inet_is_multicast(const struct inet_addr *);
bool		 inet_is_ssm(const struct inet_addr *);
bool		 inet_is_linklocal_group(const struct inet_addr *);
void		 inet_any(struct inet_addr *, int family);
void		 inet_from_v4(struct inet_addr *, struct in_addr);
void		 inet_from_v6(struct inet_addr *, const struct in6_addr *);
void		 inet_from_sa(struct inet_addr *, const struct sockaddr *);
socklen_t	 inet_to_sa(const struct inet_addr *, struct sockaddr_storage *,
		    uint16_t port);
int		 inet_pton_any(const char *, struct inet_addr *);
const char	*inet_str(const struct inet_addr *, char *, size_t);

/* Zero the host bits beyond len. */
void		 inet_mask(struct inet_addr *, int len);
bool		 inet_pfx_match(const struct inet_pfx *, const struct inet_addr *);
bool		 inet_pfx_contains(const struct inet_pfx *, const struct inet_pfx *);
int		 inet_pfx_cmp(const struct inet_pfx *, const struct inet_pfx *);
bool		 inet_pfx_is_host(const struct inet_pfx *);
/* "A" when len is the full length, "A/LEN" otherwise. */
const char	*inet_pfx_str(const struct inet_pfx *, char *, size_t);

/*
 * Parse "ADDR[/LEN]".  The family is taken from the address, the length
 * is checked against it, host bits beyond LEN are cleared.  On error
 * a reason is written to err and -1 returned; nothing else is touched.
 */
int		 inet_pfx_parse(const char *, struct inet_pfx *, char *err,
		    size_t errlen);
/* Add n to the address (wrapping is the caller's check). */
void		 inet_add(struct inet_addr *, uint32_t n);

#endif /* SMCR_INET_H */
