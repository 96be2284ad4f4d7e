/* SPDX-License-Identifier: MIT */
/*
 * `paravane vtpm provision`: endorsement keys, EK certificates signed by an
 * operator CA, PCR banks. ESAPI over any TCTI; certificates with OpenSSL 3.
 *
 *  1. TPM2_Startup(CLEAR) (TPM_RC_INITIALIZE = already started: fine).
 *  2. --pcr-banks: TPM2_PCR_Allocate (platform auth), every PCR of the
 *     listed banks on, every other implemented bank off. Takes effect at the
 *     next TPM reset (the next VM start).
 *  3. RSA 2048 and ECC P-256 EKs from the TCG default templates (EK
 *     Credential Profile 2.0, templates L-1 and L-2) with CreatePrimary under
 *     the endorsement hierarchy, made persistent at 0x81010001 / 0x81010002
 *     (whatever was there is evicted first).
 *  4. For each EK an X.509 v3 certificate (issuer = the CA certificate's
 *     subject, random serial, empty subject with a critical subjectAltName
 *     naming the TPM manufacturer/model/version, basicConstraints CA:FALSE,
 *     keyUsage keyEncipherment (RSA) / keyAgreement (ECC), EKU
 *     tcg-kp-EKCertificate), DER, into NV 0x01c00002 (RSA) / 0x01c0000a
 *     (ECC): an existing index is undefined (owner auth), the index is
 *     defined with owner auth and PPWRITE|WRITEDEFINE|PPREAD|OWNERREAD|
 *     AUTHREAD|NO_DA, written with platform auth and write-locked.
 * Hierarchy authorisations are assumed empty (a freshly manufactured TPM).
 */
#include "plugins/vtpm/provision.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#define EK_RSA_NV      0x01c00002u
#define EK_ECC_NV      0x01c0000au
#define EK_RSA_PERSIST 0x81010001u
#define EK_ECC_PERSIST 0x81010002u
#define NV_CHUNK       512u

/* PolicySecret(TPM_RH_ENDORSEMENT), SHA-256: the TCG default EK policy. */
static const uint8_t ek_policy[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};

struct prov {
	ESYS_CONTEXT *esys;
	TSS2_TCTI_CONTEXT *tcti;
	EVP_PKEY *ca_key;
	X509 *ca_cert;
	char manufacturer[16]; /* "id:XXXXXXXX" */
	char model[20];
	char version[24];
};

void pvn_vtpm_cli_usage(FILE *f)
{
	fprintf(f, "  vtpm provision --tcti CONF --ca-key KEY.pem --ca-cert CERT.pem\n"
	           "                  [--pcr-banks sha1,sha256,...]\n"
	           "                  provision a TPM through a tpm2-tss TCTI (e.g.\n"
	           "                  mssim:host=127.0.0.1,port=N for a vTPM's host socket, or\n"
	           "                  swtpm:path=SOCK): RSA 2048 and ECC P-256 EKs (persistent\n"
	           "                  0x81010001/0x81010002), EK certificates signed by the CA\n"
	           "                  in NV 0x01c00002/0x01c0000a, PCR banks (next TPM reset)\n");
}

static int tss_fail(const char *what, TSS2_RC rc)
{
	fprintf(stderr, "paravane: vtpm provision: %s: %s (0x%x)\n", what, Tss2_RC_Decode(rc), rc);
	return -EIO;
}

static int ossl_fail(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	fprintf(stderr, "paravane: vtpm provision: %s%s%s\n", what, e ? ": " : "", buf);
	ERR_clear_error();
	return -EIO;
}

/* Is `handle` (persistent or NV) present? */
static int handle_exists(struct prov *p, TPM2_HANDLE handle, bool *exists)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	rc = Esys_GetCapability(p->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
	                        handle, 1, &more, &cap);
	if (rc)
		return tss_fail("GetCapability(handles)", rc);
	*exists = cap->data.handles.count > 0 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return 0;
}

static void tpm_props(struct prov *p)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	uint32_t vendor[4] = {0}, fw1 = 0, fw2 = 0, manuf = 0;
	TPMI_YES_NO more;

	if (Esys_GetCapability(p->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                       TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER, 12, &more,
	                       &cap) == TSS2_RC_SUCCESS) {
		for (uint32_t i = 0; i < cap->data.tpmProperties.count; i++) {
			TPMS_TAGGED_PROPERTY *t = &cap->data.tpmProperties.tpmProperty[i];
			if (t->property == TPM2_PT_MANUFACTURER)
				manuf = t->value;
			else if (t->property >= TPM2_PT_VENDOR_STRING_1 &&
			         t->property <= TPM2_PT_VENDOR_STRING_4)
				vendor[t->property - TPM2_PT_VENDOR_STRING_1] = t->value;
			else if (t->property == TPM2_PT_FIRMWARE_VERSION_1)
				fw1 = t->value;
			else if (t->property == TPM2_PT_FIRMWARE_VERSION_2)
				fw2 = t->value;
		}
		Esys_Free(cap);
	}
	snprintf(p->manufacturer, sizeof(p->manufacturer), "id:%08X", manuf);
	for (unsigned i = 0, n = 0; i < 16; i++) {
		char ch = (char)(vendor[i / 4] >> (24 - 8 * (i % 4)));
		if (ch >= 0x20 && ch < 0x7f)
			p->model[n++] = ch;
	}
	if (!p->model[0])
		snprintf(p->model, sizeof(p->model), "vTPM");
	snprintf(p->version, sizeof(p->version), "id:%08X%08X", fw1, fw2);
}

static int parse_banks(const char *list, TPMI_ALG_HASH *algs, unsigned *n)
{
	static const struct {
		const char *name;
		TPMI_ALG_HASH alg;
	} known[] = {{"sha1", TPM2_ALG_SHA1},
	             {"sha256", TPM2_ALG_SHA256},
	             {"sha384", TPM2_ALG_SHA384},
	             {"sha512", TPM2_ALG_SHA512},
	             {"sm3_256", TPM2_ALG_SM3_256}};
	char *copy = strdup(list), *save = NULL, *tok;

	*n = 0;
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(tok, known[i].name))
				break;
		if (i == sizeof(known) / sizeof(known[0]) || *n == 8) {
			fprintf(stderr,
			        "paravane: vtpm provision: unknown PCR bank '%s' (sha1, sha256, "
			        "sha384, sha512, sm3_256)\n",
			        tok);
			free(copy);
			return -EINVAL;
		}
		algs[(*n)++] = known[i].alg;
	}
	free(copy);
	if (!*n) {
		fprintf(stderr, "paravane: vtpm provision: --pcr-banks: empty list\n");
		return -EINVAL;
	}
	return 0;
}

static int allocate_pcrs(struct prov *p, const TPMI_ALG_HASH *algs, unsigned nalgs)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPML_PCR_SELECTION alloc = {0};
	TPMI_YES_NO more, ok = 0;
	UINT32 max_pcr = 0, needed = 0, avail = 0;
	TSS2_RC rc;

	rc = Esys_GetCapability(p->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0,
	                        1, &more, &cap);
	if (rc)
		return tss_fail("GetCapability(PCRs)", rc);
	alloc = cap->data.assignedPCR;
	Esys_Free(cap);
	for (unsigned a = 0; a < nalgs; a++) {
		bool found = false;
		for (UINT32 i = 0; i < alloc.count; i++)
			found |= alloc.pcrSelections[i].hash == algs[a];
		if (!found) {
			fprintf(stderr,
			        "paravane: vtpm provision: the TPM has no PCR bank for algorithm "
			        "0x%x\n",
			        algs[a]);
			return -EINVAL;
		}
	}
	for (UINT32 i = 0; i < alloc.count; i++) {
		TPMS_PCR_SELECTION *s = &alloc.pcrSelections[i];
		bool on = false;
		for (unsigned a = 0; a < nalgs; a++)
			on |= s->hash == algs[a];
		if (s->sizeofSelect < 3)
			s->sizeofSelect = 3;
		memset(s->pcrSelect, on ? 0xff : 0x00, s->sizeofSelect);
	}
	rc = Esys_PCR_Allocate(p->esys, ESYS_TR_RH_PLATFORM, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                       ESYS_TR_NONE, &alloc, &ok, &max_pcr, &needed, &avail);
	if (rc)
		return tss_fail("PCR_Allocate", rc);
	if (!ok) {
		fprintf(stderr,
		        "paravane: vtpm provision: PCR_Allocate refused (needs %u bytes, %u "
		        "available)\n",
		        needed, avail);
		return -EIO;
	}
	printf("pcr banks: allocated (%u PCRs each); effective at the next TPM reset\n", max_pcr);
	return 0;
}

static void ek_template(bool rsa, TPM2B_PUBLIC *pub)
{
	memset(pub, 0, sizeof(*pub));
	pub->publicArea.nameAlg = TPM2_ALG_SHA256;
	pub->publicArea.objectAttributes =
	    TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
	    TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	pub->publicArea.authPolicy.size = sizeof(ek_policy);
	memcpy(pub->publicArea.authPolicy.buffer, ek_policy, sizeof(ek_policy));
	if (rsa) {
		TPMS_RSA_PARMS *r = &pub->publicArea.parameters.rsaDetail;
		pub->publicArea.type = TPM2_ALG_RSA;
		r->symmetric.algorithm = TPM2_ALG_AES;
		r->symmetric.keyBits.aes = 128;
		r->symmetric.mode.aes = TPM2_ALG_CFB;
		r->scheme.scheme = TPM2_ALG_NULL;
		r->keyBits = 2048;
		r->exponent = 0;
		pub->publicArea.unique.rsa.size = 256;
	} else {
		TPMS_ECC_PARMS *e = &pub->publicArea.parameters.eccDetail;
		pub->publicArea.type = TPM2_ALG_ECC;
		e->symmetric.algorithm = TPM2_ALG_AES;
		e->symmetric.keyBits.aes = 128;
		e->symmetric.mode.aes = TPM2_ALG_CFB;
		e->scheme.scheme = TPM2_ALG_NULL;
		e->curveID = TPM2_ECC_NIST_P256;
		e->kdf.scheme = TPM2_ALG_NULL;
		pub->publicArea.unique.ecc.x.size = 32;
		pub->publicArea.unique.ecc.y.size = 32;
	}
}

/* CreatePrimary + EvictControl to `persist`. *out is the EK's public area. */
static int create_ek(struct prov *p, bool rsa, TPM2_HANDLE persist, TPM2B_PUBLIC **out)
{
	TPM2B_SENSITIVE_CREATE sens = {0};
	TPM2B_DATA outside = {0};
	TPML_PCR_SELECTION pcrs = {0};
	TPM2B_PUBLIC tmpl;
	ESYS_TR obj = ESYS_TR_NONE, old = ESYS_TR_NONE, pers = ESYS_TR_NONE;
	bool exists;
	TSS2_RC rc;
	int r;

	ek_template(rsa, &tmpl);
	rc = Esys_CreatePrimary(p->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                        ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, &obj, out, NULL, NULL,
	                        NULL);
	if (rc)
		return tss_fail(rsa ? "CreatePrimary(RSA EK)" : "CreatePrimary(ECC EK)", rc);
	if ((r = handle_exists(p, persist, &exists)))
		goto out;
	if (exists) {
		rc = Esys_TR_FromTPMPublic(p->esys, persist, ESYS_TR_NONE, ESYS_TR_NONE,
		                           ESYS_TR_NONE, &old);
		if (!rc)
			rc = Esys_EvictControl(p->esys, ESYS_TR_RH_OWNER, old, ESYS_TR_PASSWORD,
			                       ESYS_TR_NONE, ESYS_TR_NONE, persist, &pers);
		if (rc) {
			r = tss_fail("EvictControl(remove the old EK)", rc);
			goto out;
		}
		pers = ESYS_TR_NONE; /* old is closed by the eviction */
	}
	rc = Esys_EvictControl(p->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                       ESYS_TR_NONE, persist, &pers);
	if (rc) {
		r = tss_fail("EvictControl(persist the EK)", rc);
		goto out;
	}
	Esys_TR_Close(p->esys, &pers);
	printf("%s EK: persistent 0x%08x\n", rsa ? "RSA 2048" : "ECC P-256", persist);
out:
	Esys_FlushContext(p->esys, obj);
	if (r) {
		Esys_Free(*out);
		*out = NULL;
	}
	return r;
}

static EVP_PKEY *ek_pkey(const TPM2B_PUBLIC *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;
	const TPMT_PUBLIC *t = &pub->publicArea;
	uint8_t point[1 + 2 * 66];

	if (!bld)
		return NULL;
	if (t->type == TPM2_ALG_RSA) {
		n = BN_bin2bn(t->unique.rsa.buffer, t->unique.rsa.size, NULL);
		e = BN_new();
		if (!n || !e ||
		    !BN_set_word(e, t->parameters.rsaDetail.exponent
		                        ? t->parameters.rsaDetail.exponent
		                        : 65537) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		size_t xl = t->unique.ecc.x.size, yl = t->unique.ecc.y.size;
		if (xl != 32 || yl != 32)
			goto out;
		point[0] = 0x04;
		memcpy(point + 1, t->unique.ecc.x.buffer, 32);
		memcpy(point + 33, t->unique.ecc.y.buffer, 32);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
		                                     0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65))
			goto out;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!ctx || !params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static int add_ext(X509 *x, X509 *ca, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1)) {
		X509_EXTENSION_free(ext);
		return -1;
	}
	X509_EXTENSION_free(ext);
	return 0;
}

/* subjectAltName (critical): directoryName with the TCG TPM attributes. */
static int add_tpm_san(struct prov *p, X509 *x)
{
	static const char *const oids[3] = {"2.23.133.2.1", "2.23.133.2.2", "2.23.133.2.3"};
	const char *vals[3] = {p->manufacturer, p->model, p->version};
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gen = GENERAL_NAME_new();
	X509_NAME *dn = X509_NAME_new();
	int r = -1;

	if (!gens || !gen || !dn)
		goto out;
	for (int i = 0; i < 3; i++) {
		ASN1_OBJECT *o = OBJ_txt2obj(oids[i], 1);
		int ok = o && X509_NAME_add_entry_by_OBJ(dn, o, MBSTRING_UTF8,
		                                         (const unsigned char *)vals[i], -1, -1, 0);
		ASN1_OBJECT_free(o);
		if (!ok)
			goto out;
	}
	GENERAL_NAME_set0_value(gen, GEN_DIRNAME, dn);
	dn = NULL;
	if (!sk_GENERAL_NAME_push(gens, gen))
		goto out;
	gen = NULL;
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, X509V3_ADD_DEFAULT) == 1)
		r = 0;
out:
	X509_NAME_free(dn);
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	return r;
}

/* The EK certificate, DER, malloc'd by OpenSSL (OPENSSL_free). */
static int make_cert(struct prov *p, const TPM2B_PUBLIC *pub, bool rsa, unsigned char **der,
                     int *derlen)
{
	EVP_PKEY *ek = ek_pkey(pub);
	X509 *x = X509_new();
	BIGNUM *serial = NULL;
	unsigned char rnd[16];
	const EVP_MD *md = EVP_sha256();
	int r = -EIO;

	*der = NULL;
	if (!ek || !x) {
		ossl_fail("cannot convert the EK public key");
		goto out;
	}
	if (EVP_PKEY_is_a(p->ca_key, "ED25519") || EVP_PKEY_is_a(p->ca_key, "ED448"))
		md = NULL;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto fail;
	rnd[0] &= 0x7f; /* positive */
	rnd[0] |= 0x40; /* and 16 bytes long */
	serial = BN_bin2bn(rnd, sizeof(rnd), NULL);
	if (!serial || !X509_set_version(x, 2) ||
	    !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(p->ca_cert)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "99991231235959Z") ||
	    !X509_set_pubkey(x, ek))
		goto fail;
	if (add_ext(x, p->ca_cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, p->ca_cert, NID_key_usage,
	            rsa ? "critical,keyEncipherment" : "critical,keyAgreement") ||
	    add_ext(x, p->ca_cert, NID_ext_key_usage, "2.23.133.8.1") ||
	    add_ext(x, p->ca_cert, NID_authority_key_identifier, "keyid") || add_tpm_san(p, x))
		goto fail;
	if (!X509_sign(x, p->ca_key, md))
		goto fail;
	*derlen = i2d_X509(x, der);
	if (*derlen <= 0)
		goto fail;
	r = 0;
	goto out;
fail:
	ossl_fail(rsa ? "cannot make the RSA EK certificate"
	              : "cannot make the ECC EK certificate");
out:
	BN_free(serial);
	EVP_PKEY_free(ek);
	X509_free(x);
	return r;
}

static int write_nv_cert(struct prov *p, TPM2_HANDLE index, const unsigned char *der, int len)
{
	TPM2B_NV_PUBLIC pub = {0};
	TPM2B_AUTH auth = {0};
	ESYS_TR nv = ESYS_TR_NONE;
	bool exists;
	TSS2_RC rc;
	int r;

	if ((r = handle_exists(p, index, &exists)))
		return r;
	if (exists) {
		rc = Esys_TR_FromTPMPublic(p->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
		                           &nv);
		if (!rc)
			rc = Esys_NV_UndefineSpace(p->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
			                           ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc)
			return tss_fail("NV_UndefineSpace(old EK certificate)", rc);
		nv = ESYS_TR_NONE;
	}
	pub.nvPublic.nvIndex = index;
	pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub.nvPublic.attributes = TPMA_NV_PPWRITE | TPMA_NV_WRITEDEFINE | TPMA_NV_PPREAD |
	                          TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA;
	pub.nvPublic.dataSize = (UINT16)len;
	rc = Esys_NV_DefineSpace(p->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                         ESYS_TR_NONE, &auth, &pub, &nv);
	if (rc)
		return tss_fail("NV_DefineSpace", rc);
	for (int off = 0; off < len; off += NV_CHUNK) {
		TPM2B_MAX_NV_BUFFER chunk = {0};
		chunk.size = (UINT16)(len - off < (int)NV_CHUNK ? len - off : (int)NV_CHUNK);
		memcpy(chunk.buffer, der + off, chunk.size);
		rc = Esys_NV_Write(p->esys, ESYS_TR_RH_PLATFORM, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		                   ESYS_TR_NONE, &chunk, (UINT16)off);
		if (rc) {
			Esys_TR_Close(p->esys, &nv);
			return tss_fail("NV_Write (platform auth)", rc);
		}
	}
	rc = Esys_NV_WriteLock(p->esys, ESYS_TR_RH_PLATFORM, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                       ESYS_TR_NONE);
	Esys_TR_Close(p->esys, &nv);
	if (rc)
		return tss_fail("NV_WriteLock", rc);
	printf("EK certificate: %d bytes in NV 0x%08x\n", len, index);
	return 0;
}

static int provision_ek(struct prov *p, bool rsa)
{
	TPM2B_PUBLIC *pub = NULL;
	unsigned char *der = NULL;
	int derlen = 0, r;

	r = create_ek(p, rsa, rsa ? EK_RSA_PERSIST : EK_ECC_PERSIST, &pub);
	if (!r)
		r = make_cert(p, pub, rsa, &der, &derlen);
	if (!r)
		r = write_nv_cert(p, rsa ? EK_RSA_NV : EK_ECC_NV, der, derlen);
	OPENSSL_free(der);
	Esys_Free(pub);
	return r;
}

static int load_ca(struct prov *p, const char *key, const char *cert)
{
	FILE *f;

	f = fopen(key, "r");
	if (!f) {
		fprintf(stderr, "paravane: vtpm provision: %s: %s\n", key, strerror(errno));
		return -errno;
	}
	p->ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!p->ca_key)
		return ossl_fail("cannot read the CA key (PEM)");
	f = fopen(cert, "r");
	if (!f) {
		fprintf(stderr, "paravane: vtpm provision: %s: %s\n", cert, strerror(errno));
		return -errno;
	}
	p->ca_cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!p->ca_cert)
		return ossl_fail("cannot read the CA certificate (PEM)");
	if (X509_check_private_key(p->ca_cert, p->ca_key) != 1)
		return ossl_fail("the CA key does not match the CA certificate");
	return 0;
}

static int provision(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tcti", required_argument, NULL, 't'},    {"ca-key", required_argument, NULL, 'k'},
	    {"ca-cert", required_argument, NULL, 'c'}, {"pcr-banks", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *tcti = NULL, *ca_key = NULL, *ca_cert = NULL, *banks = NULL;
	TPMI_ALG_HASH algs[8];
	unsigned nalgs = 0;
	struct prov p = {0};
	TSS2_RC rc;
	int c, r;

	optind = 0; /* GNU getopt: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tcti = optarg;
			break;
		case 'k':
			ca_key = optarg;
			break;
		case 'c':
			ca_cert = optarg;
			break;
		case 'p':
			banks = optarg;
			break;
		case 'h':
			printf("Usage: paravane\n");
			pvn_vtpm_cli_usage(stdout);
			return 0;
		default:
			pvn_vtpm_cli_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !tcti || !ca_key || !ca_cert) {
		fprintf(stderr, "paravane: vtpm provision needs --tcti, --ca-key and --ca-cert\n");
		pvn_vtpm_cli_usage(stderr);
		return 2;
	}
	if (banks && parse_banks(banks, algs, &nalgs))
		return 2;
	if ((r = load_ca(&p, ca_key, ca_cert)))
		goto out;
	rc = Tss2_TctiLdr_Initialize(tcti, &p.tcti);
	if (rc) {
		r = tss_fail(tcti, rc);
		goto out;
	}
	rc = Esys_Initialize(&p.esys, p.tcti, NULL);
	if (rc) {
		r = tss_fail("Esys_Initialize", rc);
		goto out;
	}
	rc = Esys_Startup(p.esys, TPM2_SU_CLEAR);
	if (rc && rc != TPM2_RC_INITIALIZE) {
		r = tss_fail("Startup", rc);
		goto out;
	}
	tpm_props(&p);
	printf("TPM: manufacturer %s, model %s, firmware %s\n", p.manufacturer, p.model, p.version);
	if (nalgs && (r = allocate_pcrs(&p, algs, nalgs)))
		goto out;
	if ((r = provision_ek(&p, true)) || (r = provision_ek(&p, false)))
		goto out;
	printf("provisioned\n");
out:
	if (p.esys)
		Esys_Finalize(&p.esys);
	if (p.tcti)
		Tss2_TctiLdr_Finalize(&p.tcti);
	EVP_PKEY_free(p.ca_key);
	X509_free(p.ca_cert);
	return r ? 1 : 0;
}

int pvn_vtpm_cli_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "provision"))
		return provision(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: paravane\n");
		pvn_vtpm_cli_usage(stdout);
		return 0;
	}
	fprintf(stderr, "paravane: vtpm: unknown or missing subcommand\nUsage: paravane\n");
	pvn_vtpm_cli_usage(stderr);
	return 2;
}
