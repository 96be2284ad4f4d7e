/* SPDX-License-Identifier: MIT */
/*
 * A few TPM 2.0 wire constants and a tiny big-endian command builder and
 * response reader. Header-only and freestanding (no libc), so the test
 * guests, the host tests, the benchmark and the CRB device share it. Only
 * what the device and its tests need; a real client uses tpm2-tss.
 */
#ifndef PVN_VTPM_TPM2_WIRE_H
#define PVN_VTPM_TPM2_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#define TPM2_HDR_SIZE 10u

#define TPM2_ST_NO_SESSIONS 0x8001
#define TPM2_ST_SESSIONS 0x8002

#define TPM2_CC_NV_UNDEFINE_SPACE 0x122
#define TPM2_CC_NV_DEFINE_SPACE 0x12A
#define TPM2_CC_NV_WRITE 0x137
#define TPM2_CC_STARTUP 0x144
#define TPM2_CC_SHUTDOWN 0x145
#define TPM2_CC_NV_READ 0x14E
#define TPM2_CC_GET_RANDOM 0x17B
#define TPM2_CC_PCR_READ 0x17E
#define TPM2_CC_PCR_EXTEND 0x182

#define TPM2_SU_CLEAR 0x0000
#define TPM2_SU_STATE 0x0001
#define TPM2_ALG_SHA256 0x000B
#define TPM2_RH_OWNER 0x40000001u
#define TPM2_RS_PW 0x40000009u

#define TPM2_RC_SUCCESS 0x000
#define TPM2_RC_BAD_TAG 0x01E
#define TPM2_RC_INITIALIZE 0x100
#define TPM2_RC_FAILURE 0x101
#define TPM2_RC_COMMAND_SIZE 0x142
#define TPM2_RC_NV_DEFINED 0x14C
#define TPM2_RC_CANCELED 0x909

/* TPMA_NV bits used by the tests */
#define TPMA_NV_OWNERWRITE (1u << 1)
#define TPMA_NV_OWNERREAD (1u << 17)
#define TPMA_NV_NO_DA (1u << 25)

struct tpm2_buf {
	uint8_t *b;
	uint32_t cap, len;
	bool overflow;
};

static inline void tpm2_put8(struct tpm2_buf *w, uint8_t v)
{
	if (w->len >= w->cap) {
		w->overflow = true;
		return;
	}
	w->b[w->len++] = v;
}
static inline void tpm2_put16(struct tpm2_buf *w, uint16_t v)
{
	tpm2_put8(w, v >> 8);
	tpm2_put8(w, v & 0xff);
}
static inline void tpm2_put32(struct tpm2_buf *w, uint32_t v)
{
	tpm2_put16(w, v >> 16);
	tpm2_put16(w, v & 0xffff);
}
static inline void tpm2_putn(struct tpm2_buf *w, const void *p, uint32_t n)
{
	const uint8_t *s = p;
	for (uint32_t i = 0; i < n; i++)
		tpm2_put8(w, s[i]);
}
static inline uint16_t tpm2_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t tpm2_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Start a command: tag, size (patched by tpm2_end), code. */
static inline void tpm2_begin(struct tpm2_buf *w, uint8_t *buf, uint32_t cap, uint16_t tag,
			      uint32_t cc)
{
	w->b = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
	tpm2_put16(w, tag);
	tpm2_put32(w, 0);
	tpm2_put32(w, cc);
}
/* An authorization area holding one empty password session. */
static inline void tpm2_put_pw_session(struct tpm2_buf *w)
{
	tpm2_put32(w, 9);          /* authorizationSize */
	tpm2_put32(w, TPM2_RS_PW); /* sessionHandle */
	tpm2_put16(w, 0);          /* nonce */
	tpm2_put8(w, 0);           /* sessionAttributes */
	tpm2_put16(w, 0);          /* hmac (empty password) */
}
/* Patch the size field; returns the command length, 0 on overflow. */
static inline uint32_t tpm2_end(struct tpm2_buf *w)
{
	if (w->overflow || w->len < TPM2_HDR_SIZE)
		return 0;
	w->b[2] = w->len >> 24;
	w->b[3] = w->len >> 16;
	w->b[4] = w->len >> 8;
	w->b[5] = w->len;
	return w->len;
}

static inline uint32_t tpm2_cmd_startup(uint8_t *buf, uint32_t cap, uint16_t su)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_STARTUP);
	tpm2_put16(&w, su);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_shutdown(uint8_t *buf, uint32_t cap, uint16_t su)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_SHUTDOWN);
	tpm2_put16(&w, su);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_get_random(uint8_t *buf, uint32_t cap, uint16_t n)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_RANDOM);
	tpm2_put16(&w, n);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_pcr_extend_sha256(uint8_t *buf, uint32_t cap, uint32_t pcr,
						  const uint8_t digest[32])
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);
	tpm2_put32(&w, pcr);
	tpm2_put_pw_session(&w);
	tpm2_put32(&w, 1); /* TPML_DIGEST_VALUES.count */
	tpm2_put16(&w, TPM2_ALG_SHA256);
	tpm2_putn(&w, digest, 32);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_pcr_read_sha256(uint8_t *buf, uint32_t cap, uint32_t pcr)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_PCR_READ);
	tpm2_put32(&w, 1); /* TPML_PCR_SELECTION.count */
	tpm2_put16(&w, TPM2_ALG_SHA256);
	tpm2_put8(&w, 3); /* sizeofSelect */
	for (unsigned i = 0; i < 3; i++)
		tpm2_put8(&w, pcr / 8 == i ? (uint8_t)(1u << (pcr % 8)) : 0);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_nv_define(uint8_t *buf, uint32_t cap, uint32_t index,
					  uint16_t size)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_DEFINE_SPACE);
	tpm2_put32(&w, TPM2_RH_OWNER);
	tpm2_put_pw_session(&w);
	tpm2_put16(&w, 0);  /* auth */
	tpm2_put16(&w, 14); /* TPM2B_NV_PUBLIC.size */
	tpm2_put32(&w, index);
	tpm2_put16(&w, TPM2_ALG_SHA256);
	tpm2_put32(&w, TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_NO_DA);
	tpm2_put16(&w, 0); /* authPolicy */
	tpm2_put16(&w, size);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_nv_undefine(uint8_t *buf, uint32_t cap, uint32_t index)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_UNDEFINE_SPACE);
	tpm2_put32(&w, TPM2_RH_OWNER);
	tpm2_put32(&w, index);
	tpm2_put_pw_session(&w);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_nv_write(uint8_t *buf, uint32_t cap, uint32_t index,
					 const void *data, uint16_t len, uint16_t offset)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_WRITE);
	tpm2_put32(&w, TPM2_RH_OWNER);
	tpm2_put32(&w, index);
	tpm2_put_pw_session(&w);
	tpm2_put16(&w, len);
	tpm2_putn(&w, data, len);
	tpm2_put16(&w, offset);
	return tpm2_end(&w);
}
static inline uint32_t tpm2_cmd_nv_read(uint8_t *buf, uint32_t cap, uint32_t index, uint16_t len,
					uint16_t offset)
{
	struct tpm2_buf w;
	tpm2_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_READ);
	tpm2_put32(&w, TPM2_RH_OWNER);
	tpm2_put32(&w, index);
	tpm2_put_pw_session(&w);
	tpm2_put16(&w, len);
	tpm2_put16(&w, offset);
	return tpm2_end(&w);
}

/* Response code of a response of `len` bytes, or TPM2_RC_FAILURE when the
 * header is short or its size field disagrees with len. */
static inline uint32_t tpm2_rsp_rc(const uint8_t *rsp, uint32_t len)
{
	if (len < TPM2_HDR_SIZE || tpm2_get32(rsp + 2) != len)
		return TPM2_RC_FAILURE;
	return tpm2_get32(rsp + 6);
}

/* Fill a 10-byte error response. */
static inline uint32_t tpm2_error_rsp(uint8_t *rsp, uint32_t rc)
{
	rsp[0] = TPM2_ST_NO_SESSIONS >> 8;
	rsp[1] = TPM2_ST_NO_SESSIONS & 0xff;
	rsp[2] = rsp[3] = rsp[4] = 0;
	rsp[5] = TPM2_HDR_SIZE;
	rsp[6] = rc >> 24;
	rsp[7] = rc >> 16;
	rsp[8] = rc >> 8;
	rsp[9] = rc;
	return TPM2_HDR_SIZE;
}

/*
 * Offsets into well-formed responses of the commands above:
 *  GetRandom: hdr, TPM2B_DIGEST randomBytes          -> bytes at 12
 *  PCR_Read (one SHA-256 PCR): hdr, updateCounter u32, TPML_PCR_SELECTION
 *     (4+2+1+3), TPML_DIGEST count u32, TPM2B size u16 -> digest at 30
 *  NV_Read: hdr, parameterSize u32, TPM2B data       -> bytes at 16
 */
#define TPM2_GET_RANDOM_DATA_OFF 12
#define TPM2_PCR_READ_DIGEST_OFF 30
#define TPM2_NV_READ_DATA_OFF 16

#endif
