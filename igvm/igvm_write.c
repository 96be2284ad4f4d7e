/* SPDX-License-Identifier: MIT */
/*
 * IGVM writer: headers are appended to a growing variable header section,
 * their file data to a separate blob; finish() concatenates the two behind
 * the fixed header and patches file offsets once the section size is known.
 * Identical blobs are stored once, like the reference serializer does.
 */
#include <stdlib.h>

#include "igvm_internal.h"

struct fixup {
	uint32_t vh_pos;  /* position of the file_offset field in vh */
	uint32_t rel_off; /* offset of the blob within the file data */
};

struct blob {
	uint64_t hash;
	uint32_t off;
	uint32_t len;
};

struct pvn_igvm_writer {
	uint32_t version;
	uint32_t arch;
	unsigned flags;
	uint8_t *vh;
	size_t vh_len, vh_cap;
	uint8_t *data;
	size_t data_len, data_cap;
	struct fixup *fix;
	size_t nr_fix, cap_fix;
	struct blob *tab; /* open addressing, power-of-two size */
	size_t tab_size, tab_used;
	int error; /* sticky: first failure of an add_* call */
};

struct pvn_igvm_writer *pvn_igvm_writer_new(uint32_t version, uint32_t arch)
{
	struct pvn_igvm_writer *w;

	if (version != IGVM_FORMAT_VERSION_1 && version != IGVM_FORMAT_VERSION_2)
		return NULL;
	if (arch != IGVM_ARCH_X64 &&
	    (version == IGVM_FORMAT_VERSION_1 || arch != IGVM_ARCH_AARCH64))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->version = version;
	w->arch = arch;
	return w;
}

void pvn_igvm_writer_free(struct pvn_igvm_writer *w)
{
	if (!w)
		return;
	free(w->vh);
	free(w->data);
	free(w->fix);
	free(w->tab);
	free(w);
}

void pvn_igvm_writer_set_flags(struct pvn_igvm_writer *w, unsigned flags)
{
	w->flags = flags;
}

static int reserve(uint8_t **buf, size_t *cap, size_t need)
{
	size_t ncap;
	uint8_t *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 4096;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*buf, ncap);
	if (!n)
		return PVN_IGVM_E_NOMEM;
	*buf = n;
	*cap = ncap;
	return 0;
}

static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static int tab_grow(struct pvn_igvm_writer *w)
{
	size_t nsize = w->tab_size ? w->tab_size * 2 : 1024;
	struct blob *n = calloc(nsize, sizeof(*n));

	if (!n)
		return PVN_IGVM_E_NOMEM;
	for (size_t i = 0; i < w->tab_size; i++) {
		struct blob *b = &w->tab[i];
		size_t j;

		if (!b->len)
			continue;
		for (j = b->hash & (nsize - 1); n[j].len; j = (j + 1) & (nsize - 1))
			;
		n[j] = *b;
	}
	free(w->tab);
	w->tab = n;
	w->tab_size = nsize;
	return 0;
}

/*
 * Store len bytes (data, then zero padding up to padded) and return the
 * relative offset through *rel. Blobs equal to an earlier one reuse it.
 */
static int store_blob(struct pvn_igvm_writer *w, const void *data, size_t len, size_t padded,
                      uint32_t *rel)
{
	uint8_t *tmp = NULL;
	const uint8_t *p = data;
	uint64_t h;
	size_t j;
	int r;

	if (padded > UINT32_MAX || w->data_len + padded > UINT32_MAX)
		return PVN_IGVM_E_TOO_LARGE;
	if (padded == 0) {
		/* A zero-length blob still needs a distinct, valid offset. */
		*rel = (uint32_t)w->data_len;
		return 0;
	}
	if (len < padded) {
		tmp = calloc(1, padded);
		if (!tmp)
			return PVN_IGVM_E_NOMEM;
		memcpy(tmp, data, len);
		p = tmp;
	}
	if ((w->tab_used + 1) * 2 > w->tab_size && (r = tab_grow(w)))
		goto out;
	h = hash_bytes(p, padded);
	for (j = h & (w->tab_size - 1); w->tab[j].len; j = (j + 1) & (w->tab_size - 1)) {
		struct blob *b = &w->tab[j];

		if (b->hash == h && b->len == padded && !memcmp(w->data + b->off, p, padded)) {
			*rel = b->off;
			r = 0;
			goto out;
		}
	}
	if ((r = reserve(&w->data, &w->data_cap, w->data_len + padded)))
		goto out;
	memcpy(w->data + w->data_len, p, padded);
	w->tab[j] = (struct blob){h, (uint32_t)w->data_len, (uint32_t)padded};
	w->tab_used++;
	*rel = (uint32_t)w->data_len;
	w->data_len += padded;
	r = 0;
out:
	free(tmp);
	return r;
}

/* Where a type keeps its file_offset, and how far its data is padded. */
static int data_field(uint32_t type, const void *body, uint32_t len, size_t data_len,
                      uint32_t *field, size_t *padded)
{
	type &= ~IGVM_VHT_OPTIONAL_BIT;
	*padded = data_len;
	switch (type) {
	case IGVM_VHT_PAGE_DATA: {
		struct igvm_vhs_page_data p;

		if (len != sizeof(p))
			return PVN_IGVM_E_INVAL;
		memcpy(&p, body, sizeof(p));
		*padded =
		    (p.flags & IGVM_PAGE_DATA_FLAG_2MB) ? IGVM_PAGE_SIZE_2M : IGVM_PAGE_SIZE_4K;
		*field = offsetof(struct igvm_vhs_page_data, file_offset);
		break;
	}
	case IGVM_VHT_PARAMETER_AREA: {
		struct igvm_vhs_parameter_area p;

		if (len != sizeof(p))
			return PVN_IGVM_E_INVAL;
		memcpy(&p, body, sizeof(p));
		if (p.number_of_bytes > UINT32_MAX)
			return PVN_IGVM_E_TOO_LARGE;
		*padded = p.number_of_bytes;
		*field = offsetof(struct igvm_vhs_parameter_area, file_offset);
		break;
	}
	case IGVM_VHT_VP_CONTEXT:
		if (len != sizeof(struct igvm_vhs_vp_context))
			return PVN_IGVM_E_INVAL;
		*field = offsetof(struct igvm_vhs_vp_context, file_offset);
		break;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		if (len != sizeof(struct igvm_vhs_corim_data))
			return PVN_IGVM_E_INVAL;
		*field = offsetof(struct igvm_vhs_corim_data, file_offset);
		break;
	default:
		return PVN_IGVM_E_INVAL;
	}
	if (data_len > *padded)
		return PVN_IGVM_E_INVAL;
	return 0;
}

static int add_header(struct pvn_igvm_writer *w, uint32_t type, const void *body, uint32_t len,
                      const void *data, size_t data_len)
{
	struct igvm_vhs_variable_header vh = {type, len};
	size_t pos = w->vh_len, total = sizeof(vh) + pvn_igvm_align8(len);
	uint32_t field = 0, rel = 0;
	size_t padded = 0;
	int r;

	if (len > UINT32_MAX - 16 || (len && !body))
		return PVN_IGVM_E_INVAL;
	if (data && (r = data_field(type, body, len, data_len, &field, &padded)))
		return r;
	if (w->vh_len + total > UINT32_MAX)
		return PVN_IGVM_E_TOO_LARGE;
	if ((r = reserve(&w->vh, &w->vh_cap, w->vh_len + total)))
		return r;
	if (data && (r = store_blob(w, data, data_len, padded, &rel)))
		return r;
	memcpy(w->vh + pos, &vh, sizeof(vh));
	if (len)
		memcpy(w->vh + pos + sizeof(vh), body, len);
	memset(w->vh + pos + sizeof(vh) + len, 0, total - sizeof(vh) - len);
	w->vh_len += total;
	if (data) {
		struct fixup *fx = NULL;

		if (w->nr_fix == w->cap_fix) {
			size_t ncap = w->cap_fix ? w->cap_fix * 2 : 64;
			struct fixup *n = realloc(w->fix, ncap * sizeof(*n));

			if (!n)
				return PVN_IGVM_E_NOMEM;
			w->fix = n;
			w->cap_fix = ncap;
		}
		fx = &w->fix[w->nr_fix++];
		fx->vh_pos = (uint32_t)(pos + sizeof(vh) + field);
		fx->rel_off = rel;
	}
	return 0;
}

int pvn_igvm_writer_add_header(struct pvn_igvm_writer *w, uint32_t type, const void *body,
                               uint32_t len, const void *data, size_t data_len)
{
	int r;

	if (!w)
		return PVN_IGVM_E_INVAL;
	r = add_header(w, type, body, len, data, data_len);
	if (r && !w->error)
		w->error = r;
	return r;
}

int pvn_igvm_writer_add_platform(struct pvn_igvm_writer *w, uint8_t platform_type,
                                 uint32_t compat_mask, uint8_t highest_vtl,
                                 uint64_t shared_gpa_boundary)
{
	struct igvm_vhs_supported_platform p = {
	    .compatibility_mask = compat_mask,
	    .highest_vtl = highest_vtl,
	    .platform_type = platform_type,
	    .platform_version = IGVM_PLATFORM_VERSION_1,
	    .shared_gpa_boundary = shared_gpa_boundary,
	};

	return pvn_igvm_writer_add_header(w, IGVM_VHT_SUPPORTED_PLATFORM, &p, sizeof(p), NULL, 0);
}

int pvn_igvm_writer_add_page_data(struct pvn_igvm_writer *w, uint64_t gpa, uint32_t compat_mask,
                                  uint32_t flags, uint16_t data_type, const void *data, size_t len)
{
	struct igvm_vhs_page_data p = {
	    .gpa = gpa,
	    .compatibility_mask = compat_mask,
	    .flags = flags,
	    .data_type = data_type,
	};

	return pvn_igvm_writer_add_header(w, IGVM_VHT_PAGE_DATA, &p, sizeof(p), data,
	                                  data ? len : 0);
}

int pvn_igvm_writer_add_parameter_area(struct pvn_igvm_writer *w, uint32_t index, uint64_t bytes,
                                       const void *init, size_t init_len)
{
	struct igvm_vhs_parameter_area p = {
	    .number_of_bytes = bytes,
	    .parameter_area_index = index,
	};

	return pvn_igvm_writer_add_header(w, IGVM_VHT_PARAMETER_AREA, &p, sizeof(p), init,
	                                  init ? init_len : 0);
}

int pvn_igvm_writer_add_parameter(struct pvn_igvm_writer *w, uint32_t type, uint32_t index,
                                  uint32_t byte_offset)
{
	struct igvm_vhs_parameter p = {index, byte_offset};

	return pvn_igvm_writer_add_header(w, type, &p, sizeof(p), NULL, 0);
}

int pvn_igvm_writer_add_parameter_insert(struct pvn_igvm_writer *w, uint64_t gpa,
                                         uint32_t compat_mask, uint32_t index)
{
	struct igvm_vhs_parameter_insert p = {gpa, compat_mask, index};

	return pvn_igvm_writer_add_header(w, IGVM_VHT_PARAMETER_INSERT, &p, sizeof(p), NULL, 0);
}

int pvn_igvm_writer_add_required_memory(struct pvn_igvm_writer *w, uint64_t gpa,
                                        uint32_t compat_mask, uint32_t bytes, uint32_t flags)
{
	struct igvm_vhs_required_memory p = {gpa, compat_mask, bytes, flags, 0};

	return pvn_igvm_writer_add_header(w, IGVM_VHT_REQUIRED_MEMORY, &p, sizeof(p), NULL, 0);
}

int pvn_igvm_writer_add_vp_context_x64(struct pvn_igvm_writer *w, uint32_t compat_mask,
                                       uint16_t vp_index,
                                       const struct igvm_native_vp_context_x64 *ctx)
{
	struct igvm_vhs_vp_context p = {.compatibility_mask = compat_mask, .vp_index = vp_index};
	uint8_t page[IGVM_PAGE_SIZE_4K] = {0};

	if (!ctx)
		return PVN_IGVM_E_INVAL;
	memcpy(page, ctx, sizeof(*ctx));
	return pvn_igvm_writer_add_header(w, IGVM_VHT_VP_CONTEXT, &p, sizeof(p), page,
	                                  sizeof(page));
}

int pvn_igvm_writer_add_vp_context_vbs(struct pvn_igvm_writer *w, uint32_t compat_mask, uint8_t vtl,
                                       const uint32_t *names, const uint8_t (*values)[16],
                                       uint32_t count)
{
	struct igvm_vhs_vp_context p = {.compatibility_mask = compat_mask};
	struct igvm_vbs_vp_context_header vh = {count};
	size_t len = sizeof(vh) + (size_t)count * sizeof(struct igvm_vbs_vp_context_register);
	uint8_t *buf;
	int r;

	if (!w || (count && (!names || !values)) || count > 0x100000)
		return PVN_IGVM_E_INVAL;
	buf = calloc(1, len);
	if (!buf)
		return PVN_IGVM_E_NOMEM;
	memcpy(buf, &vh, sizeof(vh));
	for (uint32_t i = 0; i < count; i++) {
		struct igvm_vbs_vp_context_register reg = {.vtl = vtl, .register_name = names[i]};

		memcpy(reg.register_value, values[i], 16);
		memcpy(buf + sizeof(vh) + (size_t)i * sizeof(reg), &reg, sizeof(reg));
	}
	r = pvn_igvm_writer_add_header(w, IGVM_VHT_VP_CONTEXT, &p, sizeof(p), buf, len);
	free(buf);
	return r;
}

int pvn_igvm_writer_finish(struct pvn_igvm_writer *w, void **out, size_t *out_len,
                           struct pvn_igvm_error *err)
{
	struct igvm_fixed_header_v2 fh = {0};
	size_t fixed = w && w->version == IGVM_FORMAT_VERSION_2 ? sizeof(fh)
	                                                        : sizeof(struct igvm_fixed_header);
	uint64_t total;
	uint8_t *buf;
	uint32_t crc;

	if (err) {
		memset(err, 0, sizeof(*err));
		err->header_index = -1;
	}
	if (!w || !out || !out_len)
		return pvn_igvm_set_err(err, PVN_IGVM_E_INVAL, NULL, -1, "invalid argument");
	if (w->error)
		return pvn_igvm_set_err(err, w->error, NULL, -1, "an earlier add failed: %s",
		                        pvn_igvm_strerror(w->error));
	total = fixed + w->vh_len + w->data_len;
	if (total > UINT32_MAX)
		return pvn_igvm_set_err(err, PVN_IGVM_E_TOO_LARGE, NULL, -1,
		                        "file would be %llu bytes", (unsigned long long)total);
	buf = malloc(total ? total : 1);
	if (!buf)
		return pvn_igvm_set_err(err, PVN_IGVM_E_NOMEM, NULL, -1, "out of memory");

	fh.magic = IGVM_MAGIC_VALUE;
	fh.format_version = w->version;
	fh.variable_header_offset = (uint32_t)fixed;
	fh.variable_header_size = (uint32_t)w->vh_len;
	fh.total_file_size = (uint32_t)total;
	fh.architecture = w->arch;
	fh.page_size = IGVM_PAGE_SIZE_4K;
	memcpy(buf, &fh, fixed);
	if (w->vh_len)
		memcpy(buf + fixed, w->vh, w->vh_len);
	if (w->data_len)
		memcpy(buf + fixed + w->vh_len, w->data, w->data_len);
	for (size_t i = 0; i < w->nr_fix; i++) {
		uint32_t off = (uint32_t)(fixed + w->vh_len) + w->fix[i].rel_off;

		memcpy(buf + fixed + w->fix[i].vh_pos, &off, sizeof(off));
	}
	crc = pvn_igvm_crc32(0, buf, fixed);
	crc = pvn_igvm_crc32(crc, buf + fixed, w->vh_len);
	memcpy(buf + offsetof(struct igvm_fixed_header, checksum), &crc, sizeof(crc));

	if (!(w->flags & PVN_IGVM_WRITER_NO_VALIDATE)) {
		struct pvn_igvm *f;
		int r = pvn_igvm_parse(buf, total, &f, err);

		if (r) {
			free(buf);
			return r;
		}
		pvn_igvm_free(f);
	}
	*out = buf;
	*out_len = total;
	return 0;
}

int pvn_igvm_rewrite(const struct pvn_igvm *f, void **out, size_t *out_len,
                     struct pvn_igvm_error *err)
{
	struct pvn_igvm_writer *w;
	int r = 0;

	if (!f || !out || !out_len)
		return pvn_igvm_set_err(err, PVN_IGVM_E_INVAL, NULL, -1, "invalid argument");
	w = pvn_igvm_writer_new(f->fh.format_version, f->fh.architecture);
	if (!w)
		return pvn_igvm_set_err(err, PVN_IGVM_E_NOMEM, NULL, -1, "out of memory");
	for (size_t i = 0; i < f->nr_hdr && !r; i++) {
		const struct pvn_igvm_header *h = &f->hdr[i];
		const void *data;
		size_t len;
		uint8_t body[1024];
		const void *b = h->body;

		pvn_igvm_header_data(f, h, &data, &len);
		/* Headers that reference data get their file_offset recomputed. */
		if (data && h->known && h->length <= sizeof(body)) {
			memcpy(body, h->body, h->length);
			b = body;
		}
		r = pvn_igvm_writer_add_header(w, h->type, b, h->length, h->known ? data : NULL,
		                               len);
		if (r)
			pvn_igvm_set_err(err, r, f, (long)i, "cannot re-add: %s",
			                 pvn_igvm_strerror(r));
	}
	if (!r)
		r = pvn_igvm_writer_finish(w, out, out_len, err);
	pvn_igvm_writer_free(w);
	return r;
}
