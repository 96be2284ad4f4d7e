# plugins/nvme: the synthetic SCSI controller (VSTOR over VMBus) served from
# NVMe namespaces (libnvme) and raw files. libpvnnvme.a holds everything but
# the plugin wrapper, so the unit tests and fuzzers link the code directly.
noinst_LIBRARIES += plugins/nvme/libpvnnvme.a
NVME_CFLAGS = $(AM_CFLAGS) -fPIC $(LIBNVME_CFLAGS)
plugins_nvme_libpvnnvme_a_CFLAGS = $(NVME_CFLAGS)
plugins_nvme_libpvnnvme_a_SOURCES = \
	plugins/nvme/vstor_protocol.h plugins/nvme/scsi_protocol.h \
	plugins/nvme/scsi.c plugins/nvme/scsi.h \
	plugins/nvme/vstor.c plugins/nvme/vstor.h \
	plugins/nvme/bdev.c plugins/nvme/bdev.h \
	plugins/nvme/bdev_file.c plugins/nvme/bdev_nvme.c
PVN_NVME_LIBS = plugins/nvme/libpvnnvme.a $(LIBNVME_LIBS) -lpthread

# ---- the plugin: plain -shared -fPIC, no sanitizers, no runtime library ----
NVME_PLUGIN_SRCS = plugins/nvme/plugin.c $(filter %.c,$(plugins_nvme_libpvnnvme_a_SOURCES))
EXTRA_DIST += plugins/nvme/plugin.c
noinst_DATA += plugins/nvme/nvme.so
CLEANFILES += plugins/nvme/nvme.so
plugins/nvme/nvme.so: $(addprefix $(srcdir)/,$(NVME_PLUGIN_SRCS)) \
		$(addprefix $(srcdir)/,$(filter %.h,$(plugins_nvme_libpvnnvme_a_SOURCES))) \
		$(srcdir)/plugin-api/include/paravane/plugin.h
	@$(MKDIR_P) plugins/nvme
	$(AM_V_CC)$(PLUGIN_SO_CC) $(LIBNVME_CFLAGS) -o $@ \
		$(addprefix $(srcdir)/,$(NVME_PLUGIN_SRCS)) $(LIBNVME_LIBS) $(PLUGIN_SO_LIBS)

# ---- unit tests (host only) ----
check_PROGRAMS += tests/unit/test_nvme_scsi
tests_unit_test_nvme_scsi_SOURCES = tests/unit/test_nvme_scsi.c
tests_unit_test_nvme_scsi_CFLAGS = $(NVME_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_nvme_scsi_LDADD = $(PVN_NVME_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_nvme_scsi

check_PROGRAMS += tests/unit/test_nvme_vstor
tests_unit_test_nvme_vstor_SOURCES = tests/unit/test_nvme_vstor.c tests/unit/nvme_fake.h
tests_unit_test_nvme_vstor_CFLAGS = $(NVME_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_nvme_vstor_LDADD = $(PVN_NVME_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_nvme_vstor

check_PROGRAMS += tests/unit/test_nvme_bdev
tests_unit_test_nvme_bdev_SOURCES = tests/unit/test_nvme_bdev.c
tests_unit_test_nvme_bdev_CFLAGS = $(NVME_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_nvme_bdev_LDADD = $(PVN_NVME_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_nvme_bdev

# the NVMe back end on QEMU's emulated controller (boots the test VM itself
# with tools/testvm --nvme)
check_PROGRAMS += tests/unit/nvme_bdev_nvme
tests_unit_nvme_bdev_nvme_SOURCES = tests/unit/nvme_bdev_nvme.c
tests_unit_nvme_bdev_nvme_CFLAGS = $(NVME_CFLAGS)
tests_unit_nvme_bdev_nvme_LDADD = $(PVN_NVME_LIBS)
EXTRA_DIST += tests/unit/nvme_bdev_nvme.sh
PVN_TESTS += tests/unit/nvme_bdev_nvme.sh

# ---- libFuzzer targets: VSTOR packets and SCSI CDBs ----
NVME_FUZZ_SRCS = plugins/nvme/scsi.c plugins/nvme/vstor.c plugins/nvme/bdev.c plugins/nvme/bdev_file.c
NVME_FUZZ_HDRS = plugins/nvme/scsi.h plugins/nvme/scsi_protocol.h plugins/nvme/vstor.h \
	plugins/nvme/vstor_protocol.h plugins/nvme/bdev.h tests/unit/nvme_fake.h
EXTRA_DIST += tests/fuzz/fuzz_nvme_vstor.c tests/fuzz/fuzz_nvme_cdb.c tests/fuzz/fuzz_nvme.sh
if HAVE_CLANG
check_DATA += tests/fuzz/fuzz_nvme_vstor tests/fuzz/fuzz_nvme_cdb
CLEANFILES += tests/fuzz/fuzz_nvme_vstor tests/fuzz/fuzz_nvme_cdb
PVN_TESTS += tests/fuzz/fuzz_nvme.sh
tests/fuzz/fuzz_nvme_vstor: $(srcdir)/tests/fuzz/fuzz_nvme_vstor.c \
		$(addprefix $(srcdir)/,$(NVME_FUZZ_SRCS) $(NVME_FUZZ_HDRS))
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-g -O1 -std=gnu11 -D_GNU_SOURCE -I$(srcdir) -o $@ $(srcdir)/tests/fuzz/fuzz_nvme_vstor.c \
		$(addprefix $(srcdir)/,$(NVME_FUZZ_SRCS)) -lpthread
tests/fuzz/fuzz_nvme_cdb: $(srcdir)/tests/fuzz/fuzz_nvme_cdb.c $(srcdir)/plugins/nvme/scsi.c \
		$(srcdir)/plugins/nvme/scsi.h $(srcdir)/plugins/nvme/scsi_protocol.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-g -O1 -std=gnu11 -D_GNU_SOURCE -I$(srcdir) -o $@ $(srcdir)/tests/fuzz/fuzz_nvme_cdb.c \
		$(srcdir)/plugins/nvme/scsi.c
endif

# ---- guest test: a tiny guest drives VSTOR and SCSI through the signed
# plugin (and, with `durability`, the kill -9 test) ----
tests/plugins/nvme.so: plugins/nvme/nvme.so
	@$(MKDIR_P) tests/plugins
	cp plugins/nvme/nvme.so $@
CLEANFILES += tests/plugins/nvme.so
check_PROGRAMS += tests/guests/nvme_storvsc
tests_guests_nvme_storvsc_SOURCES = tests/guests/nvme_storvsc.c $(GT_HOST_COMMON)
tests_guests_nvme_storvsc_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_nvme_storvsc_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_nvme_storvsc_LDADD = $(GT_VMBUS_LIBS)
check_DATA += tests/guests/nvme_storvsc.elf tests/plugins/nvme.so
EXTRA_DIST += tests/guests/nvme_durability.sh
PVN_TESTS += kvm:tests/guests/nvme_storvsc kvm:tests/guests/nvme_durability.sh
tests/guests/nvme_storvsc.elf: $(srcdir)/tests/guests/nvme_storvsc.c $(GUEST_DEPS) $(VMBUS_GUEST_LIB) \
		$(srcdir)/tests/guests/lib/vmbus_client.h $(srcdir)/plugins/nvme/vstor_protocol.h \
		$(srcdir)/plugins/nvme/scsi_protocol.h
	@mkdir -p tests/guests
	$(AM_V_CC)$(CC) $(GUEST_CFLAGS) -DPVN_GUEST $(GUEST_LINK) -o $@ $(GUEST_LIB) $(VMBUS_GUEST_LIB) $<

# ---- benchmark: the tiny guest drives 4 KiB random reads (QD1, QD32) and
# 1 MiB sequential reads/writes through the plugin, file and NVMe back ends
# (bench/run-benchmarks attaches an NVMe controller in the test VM) ----
noinst_PROGRAMS += bench/nvme_storvsc
bench_nvme_storvsc_SOURCES = tests/guests/nvme_storvsc.c $(GT_HOST_COMMON)
bench_nvme_storvsc_CPPFLAGS = $(GT_HOST_CPPFLAGS) -DNVME_BENCH_MAIN
bench_nvme_storvsc_CFLAGS = $(GT_HOST_CFLAGS) $(LIBNVME_CFLAGS) -O2
bench_nvme_storvsc_LDADD = $(GT_VMBUS_LIBS) $(PVN_NVME_LIBS)
noinst_DATA += tests/guests/nvme_storvsc.elf tests/plugins/nvme.so
