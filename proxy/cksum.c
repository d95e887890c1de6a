/*
 * cksum.c - the Internet checksum (RFC 1071) and the ICMPv6 checksum
 *
 * IGMP carries the plain one's complement checksum of the whole IGMP
 * message (RFC 2236 §2.3, RFC 3376 §4.1.2); MLD, being ICMPv6, adds the
 * IPv6 pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1).
 *
 * Bytes are summed as big-endian 16-bit words read one byte at a time,
 * so the result is independent of host byte order and of alignment,
 * and the folded value is stored big-endian in the packet.
 */
#include "config.h"

#include "pkt.h"

uint32_t
cksum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	while (len >= 2) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	/* An odd final byte is padded with a zero octet (RFC 1071 §1). */
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
cksum_in(const void *buf, size_t len)
{
	return cksum_fold(cksum_add(0, buf, len));
}

/*
 * Pseudo-header: source, destination, 32-bit upper-layer length, three
 * zero octets and next header 58 (RFC 8200 §8.1).
 */
uint16_t
cksum_icmp6(const struct in6_addr *src, const struct in6_addr *dst,
    const void *buf, size_t len)
{
	uint8_t ph[8];
	uint32_t sum;

	ph[0] = (uint8_t)(len >> 24);
	ph[1] = (uint8_t)(len >> 16);
	ph[2] = (uint8_t)(len >> 8);
	ph[3] = (uint8_t)len;
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = IPPROTO_ICMPV6;
	sum = cksum_add(0, src->s6_addr, 16);
	sum = cksum_add(sum, dst->s6_addr, 16);
	sum = cksum_add(sum, ph, sizeof(ph));
	sum = cksum_add(sum, buf, len);
	return cksum_fold(sum);
}
