/* SPDX-License-Identifier: MIT */
/* The CRB device model against a fake engine: the register protocol and
 * every guest-error path of crb.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/vtpm/acpi_tpm2.h"
#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

struct fake {
	struct pvn_vtpm_engine e;
	unsigned calls;
	uint8_t last[PVN_VTPM_MAX_BUF];
	size_t last_len;
	int fail;            /* return this from transmit */
	bool malformed;      /* answer a response whose header lies */
	uint8_t locality;
	unsigned cancels;
};

static int fake_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len, uint8_t *rsp,
			 size_t *rsplen)
{
	struct fake *f = e->priv;
	f->calls++;
	memcpy(f->last, cmd, len);
	f->last_len = len;
	if (f->fail)
		return f->fail;
	/* success response carrying 4 payload bytes 0xa5 */
	tpm2_error_rsp(rsp, 0);
	memset(rsp + 10, 0xa5, 4);
	rsp[5] = f->malformed ? 200 : 14;
	*rsplen = 14;
	return 0;
}
static int fake_loc(struct pvn_vtpm_engine *e, uint8_t loc)
{
	((struct fake *)e->priv)->locality = loc;
	return 0;
}
static int fake_cancel(struct pvn_vtpm_engine *e)
{
	((struct fake *)e->priv)->cancels++;
	return 0;
}
static struct pvn_vtpm_engine_ops fake_ops = {
	.size = sizeof(struct pvn_vtpm_engine_ops),
	.abi_major = PVN_VTPM_ENGINE_ABI_MAJOR,
	.version = PVN_VTPM_ENGINE_VERSION,
	.transmit = fake_transmit,
	.cancel = fake_cancel,
	.set_locality = fake_loc,
};

static struct fake fk;
static struct pvn_vtpm_crb crb;

static uint64_t rd(uint64_t off, unsigned size)
{
	uint64_t v = 0;
	pvn_vtpm_crb_mmio(&crb, off, size, false, &v);
	return v;
}
static int wr(uint64_t off, unsigned size, uint64_t v)
{
	return pvn_vtpm_crb_mmio(&crb, off, size, true, &v);
}
/* Copy a command into the buffer with 4-byte writes, as a driver would. */
static void put_cmd(const uint8_t *cmd, size_t len)
{
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		memcpy(&w, cmd + i, len - i < 4 ? len - i : 4);
		assert_int_equal(wr(PVN_CRB_DATA + i, 4, w), 0);
	}
}
static void get_rsp(uint8_t *rsp, size_t len)
{
	for (size_t i = 0; i < len; i++)
		rsp[i] = (uint8_t)rd(PVN_CRB_DATA + i, 1);
}
static uint32_t rsp_rc(void)
{
	uint8_t h[10];
	get_rsp(h, 10);
	return tpm2_get32(h + 6);
}
static void ready(void)
{
	assert_int_equal(wr(PVN_CRB_LOC_CTRL, 4, PVN_CRB_LOC_CTRL_REQUEST), 0);
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.e.size = sizeof(fk.e);
	fk.e.version = PVN_VTPM_ENGINE_VERSION;
	fk.e.ops = &fake_ops;
	fk.e.priv = &fk;
	fk.locality = 0xff;
	strcpy(fk.e.name, "fake");
	return pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, &fk.e);
}
static int teardown(void **state)
{
	(void)state;
	pvn_vtpm_crb_fini(&crb);
	return 0;
}

static void test_identity_registers(void **state)
{
	(void)state;
	uint64_t id = rd(PVN_CRB_INTF_ID, 8);
	assert_int_equal(id & 0xf, 1);                   /* CRB */
	assert_true(id & PVN_CRB_INTF_CAP_CRB);
	assert_int_equal(rd(PVN_CRB_INTF_ID, 4), (uint32_t)id);
	assert_int_equal(rd(PVN_CRB_INTF_ID + 4, 4), id >> 32);
	assert_int_equal(rd(PVN_CRB_LOC_STATE, 4) & PVN_CRB_LOC_STATE_REG_VALID,
			 PVN_CRB_LOC_STATE_REG_VALID);
	ready();
	assert_int_equal(rd(PVN_CRB_CTRL_CMD_LADDR, 4), (uint32_t)(PVN_CRB_BASE + 0x80));
	assert_int_equal(rd(PVN_CRB_CTRL_CMD_HADDR, 4), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_RSP_ADDR, 8), PVN_CRB_BASE + 0x80);
	assert_int_equal(rd(PVN_CRB_CTRL_CMD_SIZE, 4), PVN_CRB_DATA_SIZE);
	assert_int_equal(rd(PVN_CRB_CTRL_RSP_SIZE, 4), PVN_CRB_DATA_SIZE);
}

static void test_locality(void **state)
{
	uint64_t v = 0;
	struct pvn_vtpm_crb_stats st;
	(void)state;

	/* Not requested: CTRL_* and the buffer are refused. */
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, PVN_CRB_CTRL_STS, 4, false, &v), -EACCES);
	assert_int_equal(v, ~0ull);
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, PVN_CRB_DATA, 4, false, &v), -EACCES);
	assert_int_equal(v, ~0ull);
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), -EACCES);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), -EACCES);
	assert_int_equal(fk.calls, 0);
	assert_false(rd(PVN_CRB_LOC_STATE, 4) & PVN_CRB_LOC_STATE_ASSIGNED);

	assert_int_equal(wr(PVN_CRB_LOC_CTRL, 4, PVN_CRB_LOC_CTRL_REQUEST), 0);
	assert_true(rd(PVN_CRB_LOC_STATE, 4) & PVN_CRB_LOC_STATE_ASSIGNED);
	assert_int_equal(rd(PVN_CRB_LOC_STS, 4), PVN_CRB_LOC_STS_GRANTED);
	assert_int_equal(fk.locality, 0);
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), PVN_CRB_CTRL_STS_IDLE);

	assert_int_equal(wr(PVN_CRB_LOC_CTRL, 4, PVN_CRB_LOC_CTRL_RELINQUISH), 0);
	assert_false(rd(PVN_CRB_LOC_STATE, 4) & PVN_CRB_LOC_STATE_ASSIGNED);
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, PVN_CRB_CTRL_STS, 4, false, &v), -EACCES);
	pvn_vtpm_crb_get_stats(&crb, &st);
	assert_true(st.refused >= 5);
}

static void test_command_roundtrip(void **state)
{
	uint8_t cmd[64], rsp[14];
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 32);
	(void)state;

	ready();
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, PVN_CRB_CTRL_START_INVOKE), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_START, 4), 0); /* completed */
	assert_int_equal(fk.calls, 1);
	assert_int_equal(fk.last_len, len);
	assert_memory_equal(fk.last, cmd, len);
	get_rsp(rsp, sizeof(rsp));
	assert_int_equal(tpm2_get32(rsp + 2), 14);
	assert_int_equal(rsp[13], 0xa5);
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), 0);
	/* 8-byte reads of the buffer, as memcpy_fromio does */
	assert_int_equal(rd(PVN_CRB_DATA, 8) & 0xffff, 0x0180);

	/* An agreeing CTRL_CMD_SIZE is fine. */
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), 0);
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_CMD_SIZE, 4, len), 0);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(fk.calls, 2);
	assert_int_equal(rsp_rc(), 0);

	/* Cancel reaches the engine and reads back until cleared. */
	assert_int_equal(wr(PVN_CRB_CTRL_CANCEL, 4, 1), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_CANCEL, 4), 1);
	assert_int_equal(fk.cancels, 1);
	assert_int_equal(wr(PVN_CRB_CTRL_CANCEL, 4, 0), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_CANCEL, 4), 0);

	/* go idle */
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_GO_IDLE), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), PVN_CRB_CTRL_STS_IDLE);
}

static void test_start_while_idle(void **state)
{
	uint8_t cmd[64];
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	(void)state;

	ready();
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_GO_IDLE), 0);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(fk.calls, 0);
	assert_true(rd(PVN_CRB_CTRL_STS, 4) & PVN_CRB_CTRL_STS_ERROR);
	/* Buffer writes while idle are dropped. */
	assert_int_equal(wr(PVN_CRB_DATA, 4, 0x12345678), -EIO);
	/* cmdReady clears the error and the device works again. */
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), 0);
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), 0);
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(fk.calls, 1);
}

static void test_bad_sizes(void **state)
{
	uint8_t cmd[64];
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	struct pvn_vtpm_crb_stats st;
	(void)state;

	ready();
	/* header size larger than the buffer: device error + COMMAND_SIZE */
	cmd[2] = 0;
	cmd[3] = 0;
	cmd[4] = 0x10;
	cmd[5] = 0x00; /* 4096 > 0xF80 */
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(fk.calls, 0);
	assert_true(rd(PVN_CRB_CTRL_STS, 4) & PVN_CRB_CTRL_STS_ERROR);
	assert_int_equal(rsp_rc(), TPM2_RC_COMMAND_SIZE);
	/* ... huge sizes too (no wrap) */
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), 0);
	memset(cmd + 2, 0xff, 4);
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), TPM2_RC_COMMAND_SIZE);
	assert_int_equal(fk.calls, 0);

	/* below the header: error response, no device error */
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), 0);
	len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	cmd[5] = 9;
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), TPM2_RC_COMMAND_SIZE);
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), 0);
	assert_int_equal(fk.calls, 0);

	/* CTRL_CMD_SIZE disagreeing with the header */
	len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_CMD_SIZE, 4, len + 4), 0);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), TPM2_RC_COMMAND_SIZE);
	assert_int_equal(fk.calls, 0);

	/* CTRL_CMD_SIZE larger than the buffer */
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_CMD_SIZE, 4, 0x10000), 0);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), TPM2_RC_COMMAND_SIZE);
	assert_true(rd(PVN_CRB_CTRL_STS, 4) & PVN_CRB_CTRL_STS_ERROR);
	assert_int_equal(fk.calls, 0);

	/* a command of exactly the buffer size is accepted */
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, PVN_CRB_CTRL_REQ_CMD_READY), 0);
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_DATA + 2, 4, 0x800f0000), 0); /* BE 0x00000f80 */
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(fk.calls, 1);
	assert_int_equal(fk.last_len, PVN_CRB_DATA_SIZE);
	pvn_vtpm_crb_get_stats(&crb, &st);
	assert_int_equal(st.cmd_errors, 5);
}

static void test_engine_errors(void **state)
{
	uint8_t cmd[64];
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	(void)state;

	ready();
	fk.fail = -EIO;
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), TPM2_RC_FAILURE);
	fk.fail = 0;
	fk.malformed = true;
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), TPM2_RC_FAILURE);
	fk.malformed = false;
	put_cmd(cmd, len);
	assert_int_equal(wr(PVN_CRB_CTRL_START, 4, 1), 0);
	assert_int_equal(rsp_rc(), 0);
	assert_int_equal(fk.calls, 3);
}

static void test_bad_access(void **state)
{
	uint64_t v = 0;
	(void)state;

	ready();
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, 0, 3, false, &v), -EINVAL);
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, 0xffe, 4, false, &v), -EINVAL);
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, 0x1000, 1, false, &v), -EINVAL);
	assert_int_equal(pvn_vtpm_crb_mmio(&crb, ~0ull, 8, true, &v), -EINVAL);
	assert_int_equal(wr(PVN_CRB_CTRL_STS + 1, 1, 1), -EINVAL); /* unaligned register */
	assert_int_equal(wr(PVN_CRB_INTF_ID, 8, 0), 0);            /* read-only: dropped */
	assert_int_equal(rd(PVN_CRB_INTF_ID, 4) & 0xf, 1);
	assert_int_equal(wr(PVN_CRB_CTRL_REQ, 4, 3), 0); /* both bits: ignored */
	assert_int_equal(rd(PVN_CRB_CTRL_STS, 4), 0);
	/* the last byte of the page is the buffer's */
	assert_int_equal(wr(0xfff, 1, 0x5a), 0);
	assert_int_equal(rd(0xfff, 1), 0x5a);
	assert_int_equal(rd(0xff8, 8) >> 56, 0x5a);
}

static void test_engine_abi_checked(void **state)
{
	struct pvn_vtpm_engine_ops ops = fake_ops;
	struct fake f2 = fk;
	struct pvn_vtpm_crb c2;
	(void)state;

	ops.abi_major = 99;
	f2.e.ops = &ops;
	assert_int_equal(pvn_vtpm_crb_init(&c2, PVN_CRB_BASE, &f2.e), -EPROTO);
	ops = fake_ops;
	ops.size = offsetof(struct pvn_vtpm_engine_ops, transmit); /* too old: no transmit */
	assert_int_equal(pvn_vtpm_crb_init(&c2, PVN_CRB_BASE, &f2.e), -EINVAL);
	/* An older engine without cancel: the wrapper says ENOSYS, no crash. */
	ops = fake_ops;
	ops.size = offsetof(struct pvn_vtpm_engine_ops, cancel);
	assert_int_equal(pvn_vtpm_engine_cancel(&f2.e), -ENOSYS);
}

static void test_acpi_bytes(void **state)
{
	uint8_t t[PVN_VTPM_TPM2_TABLE_LEN], aml[64], sum = 0;
	size_t n;
	(void)state;

	pvn_vtpm_acpi_tpm2_table(t, PVN_CRB_BASE);
	for (unsigned i = 0; i < sizeof(t); i++)
		sum += t[i];
	assert_int_equal(sum, 0);
	assert_memory_equal(t, "TPM2", 4);
	assert_int_equal(t[48], PVN_ACPI_TPM2_START_METHOD_CRB);
	assert_int_equal(t[40] | t[41] << 8 | t[42] << 16 | (uint32_t)t[43] << 24, 0xFED40040u);
	n = pvn_vtpm_acpi_dsdt_device(aml, sizeof(aml), 0xFED40000u);
	assert_int_equal(n, 52);
	assert_int_equal(aml[2], n - 2);
	assert_non_null(memmem(aml, n, "MSFT0101", 8));
	assert_int_equal(aml[42] | aml[43] << 8 | aml[44] << 16 | (uint32_t)aml[45] << 24,
			 0xFED40000u);
	assert_int_equal(pvn_vtpm_acpi_dsdt_device(aml, 10, 0), 0);
}

static void quiet(void *opaque, int level, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locality, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_while_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_abi_checked, setup, teardown),
		cmocka_unit_test(test_acpi_bytes),
	};
	pvn_vtpm_log_set(quiet, NULL, PVN_VTPM_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
