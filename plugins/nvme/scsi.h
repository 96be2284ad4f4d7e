/* SPDX-License-Identifier: MIT */
/*
 * The SCSI target side of the nvme plugin: parses a guest CDB into what it
 * asks for (checked against the disk), builds sense data, and answers the
 * commands that need no I/O (INQUIRY and its VPD pages, READ CAPACITY,
 * MODE SENSE, REPORT LUNS). Pure functions: no I/O, no guest memory, no
 * locks, so the CDB fuzzer and the unit tests drive them directly.
 */
#ifndef PVN_NVME_SCSI_H
#define PVN_NVME_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/nvme/scsi_protocol.h"

/* What a LUN looks like to the guest. */
struct scsi_disk {
	uint64_t blocks;          /* capacity in logical blocks */
	uint32_t block_size;      /* 512 or 4096 */
	uint32_t max_xfer_blocks; /* most blocks one READ/WRITE may move */
	bool read_only;
	bool discard;    /* UNMAP / WRITE SAME(16) with UNMAP supported */
	bool vwc;        /* volatile write cache: the guest must flush */
	bool lbprz;      /* unmapped blocks read zeros */
	char serial[21]; /* ASCII, NUL-terminated */
	uint64_t id;     /* unique per LUN: NAA locally assigned designator */
};

enum scsi_action {
	SCSI_ACT_NONE,             /* GOOD, nothing to move (TEST UNIT READY, 0 blocks) */
	SCSI_ACT_EMULATE,          /* data-in built by scsi_emulate() */
	SCSI_ACT_READ,             /* lba, blocks */
	SCSI_ACT_WRITE,            /* lba, blocks */
	SCSI_ACT_FLUSH,            /* SYNCHRONIZE CACHE */
	SCSI_ACT_UNMAP,            /* parameter list of xfer_len bytes: scsi_unmap_parse() */
	SCSI_ACT_WRITE_SAME_UNMAP, /* one block of data-out (zeros), then discard lba, blocks */
};

enum scsi_dir {
	SCSI_DIR_NONE,
	SCSI_DIR_IN,  /* device -> guest */
	SCSI_DIR_OUT, /* guest -> device */
};

struct scsi_cmd {
	uint8_t opcode;
	enum scsi_action action;
	enum scsi_dir dir;
	uint64_t lba;
	uint32_t blocks;
	/* Bytes: exact for READ/WRITE/WRITE SAME (blocks * block_size or one
	 * block); the allocation length for emulated data-in; the parameter
	 * list length for UNMAP. */
	uint32_t xfer_len;
	bool fua;
};

struct scsi_sense {
	uint8_t key, asc, ascq;
};

/* A range to discard. */
struct scsi_extent {
	uint64_t lba;
	uint32_t blocks;
};

#define SCSI_CDB_MIN          6
#define SCSI_MAX_UNMAP_DESC   16
#define SCSI_MAX_UNMAP_BLOCKS (1u << 22)
#define SCSI_EMULATE_MAX      4096 /* the largest emulated response */

/* Parse `len` bytes of CDB for disk `d`. 0: *c says what to do. -1: refuse
 * with CHECK CONDITION and *s (never touches *c partially in a way that
 * matters). */
int scsi_parse(const uint8_t *cdb, size_t len, const struct scsi_disk *d, struct scsi_cmd *c,
               struct scsi_sense *s);

/* Build the response of an SCSI_ACT_EMULATE command into out (cap >=
 * SCSI_EMULATE_MAX). nr_luns: LUNs on this target (REPORT LUNS). Returns
 * the response length before truncation to the allocation length, or -1
 * with *s. */
int scsi_emulate(const uint8_t *cdb, size_t len, const struct scsi_disk *d, unsigned nr_luns,
                 uint8_t *out, size_t cap, struct scsi_sense *s);

/* INQUIRY / REPORT LUNS for a LUN or target that does not exist: standard
 * INQUIRY with peripheral qualifier 3 / an empty list (nr_luns 0). Other
 * commands get LOGICAL UNIT NOT SUPPORTED. Same contract as scsi_emulate. */
int scsi_emulate_absent(const uint8_t *cdb, size_t len, uint8_t *out, size_t cap,
                        struct scsi_sense *s);

/* Parse an UNMAP parameter list of `len` bytes for disk d into at most
 * `max` extents. 0 and *n, or -1 with *s. */
int scsi_unmap_parse(const uint8_t *p, size_t len, const struct scsi_disk *d,
                     struct scsi_extent *out, unsigned max, unsigned *n, struct scsi_sense *s);

/* Fixed-format sense data for s into out (cap >= 18): the length. */
size_t scsi_sense_build(const struct scsi_sense *s, uint8_t *out, size_t cap);

static inline void scsi_sense_set(struct scsi_sense *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
	s->key = key;
	s->asc = asc;
	s->ascq = ascq;
}

#endif
