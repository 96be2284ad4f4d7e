/* SPDX-License-Identifier: MIT */
/* Test frames for the vmbus-net tests, and an independent, byte-at-a-time
 * Internet checksum to check the device's with (header-only helpers). */
#ifndef PVN_TESTS_NET_FRAMES_H
#define PVN_TESTS_NET_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static const uint8_t nf_guest_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t nf_host_mac[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};

static inline uint16_t nf_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nf_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void nf_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Sum of 16-bit big-endian words, byte by byte, folded. */
static inline uint16_t nf_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Does the TCP/UDP checksum of an IPv4 or IPv6 (no extension headers)
 * frame verify? The IP length fields give the datagram's end. */
static inline bool nf_l4_ok(const uint8_t *f, size_t len)
{
	uint16_t et = nf_be16(f + 12);
	size_t l3 = 14, l4, end;
	uint32_t s = 0;
	uint8_t proto;

	if (et == 0x8100) {
		l3 = 18;
		et = nf_be16(f + 16);
	}
	if (et == 0x0800) {
		l4 = l3 + (size_t)(f[l3] & 15) * 4;
		end = l3 + nf_be16(f + l3 + 2);
		proto = f[l3 + 9];
		s = nf_sum(0, f + l3 + 12, 8);
	} else {
		l4 = l3 + 40;
		end = l4 + nf_be16(f + l3 + 4);
		proto = f[l3 + 6];
		s = nf_sum(0, f + l3 + 8, 32);
	}
	if (end > len)
		return false;
	s += proto + (uint32_t)(end - l4);
	return nf_sum(s, f + l4, end - l4) == 0xffff;
}

static inline bool nf_ip4_ok(const uint8_t *f, size_t l3)
{
	return nf_sum(0, f + l3, (size_t)(f[l3] & 15) * 4) == 0xffff;
}

/* An Ethernet + IPv4 + TCP frame with `payload` bytes (pattern by seed).
 * tot_len and both checksums as given (0 = leave zero). Returns its length. */
static inline size_t nf_tcp4(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], size_t payload,
                             uint32_t seed, bool lso_style)
{
	size_t len = 14 + 20 + 20 + payload;

	memset(f, 0, 54);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	nf_put16(f + 12, 0x0800);
	f[14] = 0x45;
	nf_put16(f + 16, lso_style ? 0 : (uint16_t)(len - 14));
	nf_put16(f + 18, 0x1234); /* id */
	nf_put16(f + 20, 0x4000); /* DF */
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	nf_put16(f + 34, 40000);
	nf_put16(f + 36, 5001);
	f[38] = 0x10;
	f[39] = 0x20;
	f[40] = 0x30;
	f[41] = 0x40; /* seq 0x10203040 */
	f[46] = 0x50; /* doff 5 */
	f[47] = 0x18; /* PSH ACK */
	nf_put16(f + 48, 502);
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(seed + i * 7 + (i >> 9));
	return len;
}

/* Ethernet + IPv6 + UDP, payload bytes. */
static inline size_t nf_udp6(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], size_t payload,
                             uint32_t seed)
{
	size_t len = 14 + 40 + 8 + payload;

	memset(f, 0, 62);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	nf_put16(f + 12, 0x86dd);
	f[14] = 0x60;
	nf_put16(f + 18, (uint16_t)(8 + payload));
	f[20] = 17;
	f[21] = 64;
	f[22] = 0xfd;
	f[37] = 2; /* fd00::2 */
	f[38] = 0xfd;
	f[53] = 1; /* fd00::1 */
	nf_put16(f + 54, 7000);
	nf_put16(f + 56, 7001);
	nf_put16(f + 58, (uint16_t)(8 + payload));
	for (size_t i = 0; i < payload; i++)
		f[62 + i] = (uint8_t)(seed * 3 + i);
	return len;
}

#endif
