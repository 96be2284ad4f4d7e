/* SPDX-License-Identifier: MIT */
/* Software frame offloads; see offload.h. Every header access below is after
 * a check that the header lies inside the frame (pvn_net_parse, or a length
 * test next to it). */
#include "plugins/vmbus-net/offload.h"

#include <errno.h>
#include <string.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- parsing ---- */

static bool ipv6_ext_header(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60; /* hop-by-hop, routing, destination options */
}

int pvn_net_parse(const uint8_t *f, size_t len, struct pvn_net_hdrs *h)
{
	size_t l3, l4;
	uint8_t proto;

	memset(h, 0, sizeof(*h));
	if (len < PVN_ETH_HLEN)
		return -EINVAL;
	h->ethertype = get16(f + 12);
	l3 = PVN_ETH_HLEN;
	if (h->ethertype == PVN_ETH_P_8021Q) {
		if (len < PVN_ETH_HLEN + PVN_VLAN_HLEN)
			return -EINVAL;
		h->ethertype = get16(f + 16);
		l3 += PVN_VLAN_HLEN;
	}
	h->l3_off = (uint16_t)l3;
	if (h->ethertype == PVN_ETH_P_IP) {
		size_t ihl;

		if (len < l3 + 20 || f[l3] >> 4 != 4)
			return -EINVAL;
		ihl = (size_t)(f[l3] & 15) * 4;
		if (ihl < 20 || l3 + ihl > len)
			return -EINVAL;
		proto = f[l3 + 9];
		h->fragment = (get16(f + l3 + 6) & 0x3fff) != 0; /* MF or an offset */
		l4 = l3 + ihl;
		h->ip_version = 4;
	} else if (h->ethertype == PVN_ETH_P_IPV6) {
		if (len < l3 + 40 || f[l3] >> 4 != 6)
			return -EINVAL;
		proto = f[l3 + 6];
		l4 = l3 + 40;
		for (int n = 0; n < 8; n++) {
			if (ipv6_ext_header(proto)) {
				if (l4 + 8 > len)
					return -EINVAL;
				proto = f[l4];
				l4 += ((size_t)f[l4 + 1] + 1) * 8;
				if (l4 > len)
					return -EINVAL;
			} else if (proto == 44) { /* fragment header */
				if (l4 + 8 > len)
					return -EINVAL;
				h->fragment = true;
				proto = f[l4];
				l4 += 8;
			} else {
				break;
			}
		}
		h->ip_version = 6;
	} else {
		return 0; /* not IP: nothing more to find */
	}
	/* l4 <= len here; L4 offsets must fit the 16-bit fields (frames are
	 * at most 64 KiB plus headers, extension headers at most 8 * 2 KiB). */
	if (l4 > UINT16_MAX)
		return -EINVAL;
	h->l4_off = (uint16_t)l4;
	h->l4_proto = proto;
	if (h->fragment)
		return 0;
	if (proto == PVN_IPPROTO_TCP) {
		size_t doff;

		if (l4 + 20 > len)
			return -EINVAL;
		doff = (size_t)(f[l4 + 12] >> 4) * 4;
		if (doff < 20 || l4 + doff > len)
			return -EINVAL;
		h->l4_hdr_len = (uint16_t)doff;
	} else if (proto == PVN_IPPROTO_UDP) {
		if (l4 + 8 > len)
			return -EINVAL;
		h->l4_hdr_len = 8;
	}
	return 0;
}

/* ---- checksums ---- */

uint32_t pvn_net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = 0;
	uint16_t s;

	/* Sum native-order 32-bit words, swap to network order at the end
	 * (RFC 1071: the ones'-complement sum is byte-order independent). */
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		acc += (uint32_t)w;
		acc += w >> 32;
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, p, 1); /* the byte is the high half of a network-order word */
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	s = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s >> 8 | s << 8);
#endif
	sum += s;
	return sum;
}

uint16_t pvn_net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t pvn_net_pseudo_sum(const uint8_t *f, const struct pvn_net_hdrs *h, uint8_t proto,
                            uint32_t l4_len)
{
	uint32_t sum = proto + (l4_len >> 16) + (l4_len & 0xffff);

	/* The addresses are inside the IP header pvn_net_parse checked. */
	if (h->ip_version == 4)
		return pvn_net_csum_add(sum, f + h->l3_off + 12, 8);
	return pvn_net_csum_add(sum, f + h->l3_off + 8, 32);
}

void pvn_net_ipv4_csum(uint8_t *f, const struct pvn_net_hdrs *h)
{
	uint8_t *ip = f + h->l3_off;
	size_t ihl = (size_t)(ip[0] & 15) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~pvn_net_csum_fold(pvn_net_csum_add(0, ip, ihl)));
}

static size_t csum_field(uint8_t proto)
{
	return proto == PVN_IPPROTO_TCP ? 16 : 6;
}

int pvn_net_l4_csum(uint8_t *f, size_t len, const struct pvn_net_hdrs *h, uint8_t proto)
{
	size_t off = h->l4_off, field = off + csum_field(proto);
	uint32_t sum;
	uint16_t c;

	if (!off || off > len || field + 2 > len ||
	    len - off < (proto == PVN_IPPROTO_TCP ? 20u : 8u))
		return -EINVAL;
	put16(f + field, 0);
	sum = pvn_net_pseudo_sum(f, h, proto, (uint32_t)(len - off));
	sum = pvn_net_csum_add(sum, f + off, len - off);
	c = (uint16_t)~pvn_net_csum_fold(sum);
	if (proto == PVN_IPPROTO_UDP && c == 0)
		c = 0xffff; /* zero means "no checksum" for UDP */
	put16(f + field, c);
	return 0;
}

bool pvn_net_l4_csum_ok(const uint8_t *f, size_t len, const struct pvn_net_hdrs *h)
{
	size_t off = h->l4_off;
	uint32_t sum;

	if (!off || off > len || !h->l4_hdr_len)
		return false;
	sum = pvn_net_pseudo_sum(f, h, h->l4_proto, (uint32_t)(len - off));
	sum = pvn_net_csum_add(sum, f + off, len - off);
	return pvn_net_csum_fold(sum) == 0xffff;
}

/* ---- transmit ---- */

/* End of the IP datagram, from its own length field; 0 when inconsistent. */
static size_t ip_end(const uint8_t *f, size_t len, const struct pvn_net_hdrs *h)
{
	size_t l3 = h->l3_off, n;

	if (h->ip_version == 4)
		n = get16(f + l3 + 2);
	else
		n = 40 + (size_t)get16(f + l3 + 4);
	if (n > len - l3 || l3 + n < (size_t)h->l4_off + h->l4_hdr_len)
		return 0;
	return l3 + n;
}

int pvn_net_tx_prepare(const uint8_t *f, size_t len, const struct pvn_net_tx_req *req,
                       size_t max_frame, struct pvn_net_tx_plan *plan, const char **why)
{
	struct pvn_net_hdrs *h = &plan->h;
	bool csum = req->csum_tcp || req->csum_udp;

	memset(plan, 0, sizeof(*plan));
	plan->segments = 1;
	plan->l4_end = (uint32_t)len;
	*why = NULL;
	if (len < PVN_ETH_HLEN) {
		*why = "frame shorter than an Ethernet header";
		return -EINVAL;
	}
	if (!req->mss && !csum && !req->csum_ip) {
		if (len > max_frame) {
			*why = "frame larger than the MTU";
			return -EMSGSIZE;
		}
		return 0;
	}
	if (pvn_net_parse(f, len, h) || !h->ip_version) {
		*why = "offload requested for a frame whose IP/TCP/UDP headers do not parse";
		return -EINVAL;
	}
	if ((req->ipv4 && h->ip_version != 4) || (req->ipv6 && h->ip_version != 6)) {
		*why = "offload request names another IP version than the frame has";
		return -EINVAL;
	}
	if (req->csum_ip && h->ip_version != 4) {
		*why = "IPv4 header checksum requested for a non-IPv4 frame";
		return -EINVAL;
	}
	plan->ip_csum = req->csum_ip;
	if (req->mss) {
		size_t payload;

		if (h->l4_proto != PVN_IPPROTO_TCP || h->fragment || !h->l4_hdr_len) {
			*why = "segmentation requested for a frame that is not an unfragmented TCP "
			       "segment";
			return -EINVAL;
		}
		if (req->l4_off && req->l4_off != h->l4_off) {
			*why = "segmentation request's TCP header offset is not where the TCP "
			       "header is";
			return -EINVAL;
		}
		if (req->mss < 32) {
			*why = "segmentation with an MSS below 32";
			return -EINVAL;
		}
		plan->hdr_len = (uint16_t)(h->l4_off + h->l4_hdr_len);
		if (plan->hdr_len + (size_t)req->mss > max_frame) {
			*why = "segmentation MSS makes frames larger than the MTU";
			return -EINVAL;
		}
		if (len - h->l3_off > 65535 + (h->ip_version == 6 ? 40u : 0u)) {
			*why = "segmentation of more than one IP packet can hold";
			return -EINVAL;
		}
		payload = len - plan->hdr_len;
		plan->mss = req->mss;
		plan->segments = payload ? (uint32_t)((payload + req->mss - 1) / req->mss) : 1;
		plan->proto = PVN_IPPROTO_TCP;
		plan->tso = true;
		return 0;
	}
	if (len > max_frame) {
		*why = "frame larger than the MTU";
		return -EMSGSIZE;
	}
	if (csum) {
		uint8_t want = req->csum_tcp ? PVN_IPPROTO_TCP : PVN_IPPROTO_UDP;
		size_t end;

		if (h->l4_proto != want || h->fragment || !h->l4_hdr_len) {
			*why = "checksum requested for another protocol than the frame carries, or "
			       "a fragment";
			return -EINVAL;
		}
		if (req->l4_off && req->l4_off != h->l4_off) {
			*why = "checksum request's L4 offset is not where the L4 header is";
			return -EINVAL;
		}
		end = ip_end(f, len, h);
		if (!end) {
			*why = "IP length field disagrees with the frame";
			return -EINVAL;
		}
		plan->proto = want;
		plan->l4_end = (uint32_t)end;
	}
	return 0;
}

void pvn_net_tx_csum(uint8_t *f, size_t len, const struct pvn_net_tx_plan *plan)
{
	(void)len;
	if (plan->ip_csum)
		pvn_net_ipv4_csum(f, &plan->h);
	if (plan->proto)
		pvn_net_l4_csum(f, plan->l4_end, &plan->h, plan->proto);
}

/* Set the IP length fields for a datagram ending at `end`. */
static void set_ip_len(uint8_t *f, size_t end, const struct pvn_net_hdrs *h)
{
	size_t l3 = h->l3_off;

	if (h->ip_version == 4)
		put16(f + l3 + 2, (uint16_t)(end - l3));
	else
		put16(f + l3 + 4, (uint16_t)(end - l3 - 40));
}

int pvn_net_tso_segment(const uint8_t *f, size_t len, const struct pvn_net_tx_plan *plan,
                        uint8_t *seg, int (*emit)(void *opaque, const uint8_t *seg, size_t len),
                        void *opaque)
{
	const struct pvn_net_hdrs *h = &plan->h;
	size_t hl = plan->hdr_len, l4 = h->l4_off;
	uint32_t seq = get32(f + l4 + 4);
	uint16_t id = h->ip_version == 4 ? get16(f + h->l3_off + 4) : 0;
	uint8_t flags = f[l4 + 13];

	for (uint32_t i = 0; i < plan->segments; i++) {
		size_t off = hl + (size_t)i * plan->mss;
		size_t n = off < len ? len - off : 0;
		uint8_t fl = flags;
		int r;

		if (n > plan->mss)
			n = plan->mss;
		/* hdr_len + n <= hdr_len + mss: the caller sized seg for that. */
		memcpy(seg, f, hl);
		memcpy(seg + hl, f + off, n);
		set_ip_len(seg, hl + n, h);
		if (h->ip_version == 4) {
			put16(seg + h->l3_off + 4, (uint16_t)(id + i));
			pvn_net_ipv4_csum(seg, h);
		}
		put32(seg + l4 + 4, seq + (uint32_t)(i * plan->mss));
		if (i + 1 < plan->segments)
			fl &= (uint8_t)~0x09; /* FIN and PSH only on the last */
		if (i)
			fl &= (uint8_t)~0x80; /* CWR only on the first */
		seg[l4 + 13] = fl;
		pvn_net_l4_csum(seg, hl + n, h, PVN_IPPROTO_TCP);
		r = emit(opaque, seg, hl + n);
		if (r)
			return r;
	}
	return 0;
}

void pvn_net_tx_vnet(uint8_t *f, size_t len, const struct pvn_net_tx_plan *plan,
                     struct pvn_vnet_hdr *vh)
{
	const struct pvn_net_hdrs *h = &plan->h;

	memset(vh, 0, sizeof(*vh));
	if (plan->tso) {
		/* The guest leaves the IP length 0 (Windows LSO): the host stack
		 * checks it, and segments from the pseudo-header sum over the
		 * whole TCP length. */
		set_ip_len(f, len, h);
		if (h->ip_version == 4)
			pvn_net_ipv4_csum(f, h);
	} else if (plan->ip_csum) {
		pvn_net_ipv4_csum(f, h);
	}
	if (!plan->proto)
		return;
	put16(f + h->l4_off + csum_field(plan->proto),
	      pvn_net_csum_fold(pvn_net_pseudo_sum(f, h, plan->proto, plan->l4_end - h->l4_off)));
	vh->flags = PVN_VNET_F_NEEDS_CSUM;
	vh->csum_start = h->l4_off;
	vh->csum_offset = (uint16_t)csum_field(plan->proto);
	if (plan->tso && plan->segments > 1) {
		vh->gso_type = h->ip_version == 4 ? PVN_VNET_GSO_TCPV4 : PVN_VNET_GSO_TCPV6;
		vh->gso_size = (uint16_t)plan->mss;
		vh->hdr_len = plan->hdr_len;
	}
}

int pvn_net_vlan_insert(const uint8_t *f, size_t len, uint16_t tci, uint8_t *out)
{
	if (len < PVN_ETH_HLEN)
		return -EINVAL;
	memcpy(out, f, 12);
	put16(out + 12, PVN_ETH_P_8021Q);
	put16(out + 14, tci);
	memcpy(out + 16, f + 12, len - 12);
	return 0;
}

/* ---- receive ---- */

int pvn_net_rx_csum_complete(uint8_t *f, size_t len, const struct pvn_vnet_hdr *vh)
{
	size_t start = vh->csum_start, field = start + vh->csum_offset;
	uint16_t c;

	if (start > len || field + 2 > len || field < start)
		return -EINVAL;
	/* The field holds the pseudo-header sum: sum everything from start. */
	c = (uint16_t)~pvn_net_csum_fold(pvn_net_csum_add(0, f + start, len - start));
	if (c == 0 && vh->csum_offset == 6)
		c = 0xffff; /* UDP */
	put16(f + field, c);
	return 0;
}

int pvn_net_rx_gso_plan(const uint8_t *f, size_t len, const struct pvn_vnet_hdr *vh,
                        struct pvn_net_tx_plan *plan)
{
	struct pvn_net_hdrs *h = &plan->h;
	uint8_t type = vh->gso_type & (uint8_t)~PVN_VNET_GSO_ECN;
	size_t payload;

	memset(plan, 0, sizeof(*plan));
	if (type != PVN_VNET_GSO_TCPV4 && type != PVN_VNET_GSO_TCPV6)
		return -EINVAL;
	if (pvn_net_parse(f, len, h) || h->l4_proto != PVN_IPPROTO_TCP || h->fragment ||
	    !h->l4_hdr_len || h->ip_version != (type == PVN_VNET_GSO_TCPV4 ? 4 : 6))
		return -EINVAL;
	if (!vh->gso_size || ((vh->flags & PVN_VNET_F_NEEDS_CSUM) && vh->csum_start != h->l4_off))
		return -EINVAL;
	plan->hdr_len = (uint16_t)(h->l4_off + h->l4_hdr_len);
	payload = len - plan->hdr_len;
	plan->mss = vh->gso_size;
	plan->segments = payload ? (uint32_t)((payload + plan->mss - 1) / plan->mss) : 1;
	plan->proto = PVN_IPPROTO_TCP;
	plan->tso = true;
	plan->l4_end = (uint32_t)len;
	return 0;
}
