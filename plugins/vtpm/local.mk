# plugins/vtpm: the TPM 2.0 CRB device, its engines and its state file.
# libpvnvtpm.a holds everything but the plugin wrapper, so tests, the fuzzer
# and the benchmark link the device directly. Built PIC for the plugin .so.
noinst_LIBRARIES += plugins/vtpm/libpvnvtpm.a
VTPM_CFLAGS = $(AM_CFLAGS) -fPIC $(LIBTPMS_CFLAGS) $(TSS2_CFLAGS) $(CRYPTO_CFLAGS)
plugins_vtpm_libpvnvtpm_a_CFLAGS = $(VTPM_CFLAGS)
plugins_vtpm_libpvnvtpm_a_SOURCES = \
	plugins/vtpm/crb.c plugins/vtpm/crb.h plugins/vtpm/crb_protocol.h \
	plugins/vtpm/tpm2_wire.h \
	plugins/vtpm/engine.c plugins/vtpm/engine.h plugins/vtpm/engine_factory.c \
	plugins/vtpm/engine_libtpms.c plugins/vtpm/engine_swtpm.c plugins/vtpm/engine_tcti.c \
	plugins/vtpm/engine_service.c \
	plugins/vtpm/state.c plugins/vtpm/state.h \
	plugins/vtpm/vtpm_log.c plugins/vtpm/vtpm_log.h \
	plugins/vtpm/acpi_tpm2.c plugins/vtpm/acpi_tpm2.h
PVN_VTPM_LIBS = plugins/vtpm/libpvnvtpm.a $(LIBTPMS_LIBS) $(TSS2_LIBS) $(CRYPTO_LIBS) -lpthread

# ---- unit tests (no /dev/kvm) ----
check_PROGRAMS += tests/unit/test_vtpm_crb
tests_unit_test_vtpm_crb_SOURCES = tests/unit/test_vtpm_crb.c
tests_unit_test_vtpm_crb_CFLAGS = $(VTPM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vtpm_crb_LDADD = $(PVN_VTPM_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_vtpm_crb

check_PROGRAMS += tests/unit/test_vtpm_state
tests_unit_test_vtpm_state_SOURCES = tests/unit/test_vtpm_state.c
tests_unit_test_vtpm_state_CFLAGS = $(VTPM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vtpm_state_LDADD = $(PVN_VTPM_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_vtpm_state

check_PROGRAMS += tests/unit/test_vtpm_crash
tests_unit_test_vtpm_crash_SOURCES = tests/unit/test_vtpm_crash.c
tests_unit_test_vtpm_crash_CFLAGS = $(VTPM_CFLAGS)
tests_unit_test_vtpm_crash_LDADD = $(PVN_VTPM_LIBS)
PVN_TESTS += tests/unit/test_vtpm_crash

# ---- libFuzzer target over the CRB register and command path ----
VTPM_FUZZ_SRCS = plugins/vtpm/crb.c plugins/vtpm/engine.c plugins/vtpm/vtpm_log.c
EXTRA_DIST += tests/fuzz/fuzz_vtpm_crb.c tests/fuzz/fuzz_vtpm_crb.sh
if HAVE_CLANG
check_DATA += tests/fuzz/fuzz_vtpm_crb
CLEANFILES += tests/fuzz/fuzz_vtpm_crb
PVN_TESTS += tests/fuzz/fuzz_vtpm_crb.sh
tests/fuzz/fuzz_vtpm_crb: $(srcdir)/tests/fuzz/fuzz_vtpm_crb.c $(addprefix $(srcdir)/,$(VTPM_FUZZ_SRCS)) \
		$(srcdir)/plugins/vtpm/crb.h $(srcdir)/plugins/vtpm/crb_protocol.h \
		$(srcdir)/plugins/vtpm/engine.h $(srcdir)/plugins/vtpm/tpm2_wire.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-g -O1 -std=gnu11 -D_GNU_SOURCE -I$(srcdir) -o $@ $(srcdir)/tests/fuzz/fuzz_vtpm_crb.c \
		$(addprefix $(srcdir)/,$(VTPM_FUZZ_SRCS)) -lpthread
endif

# ---- benchmark: GetRandom(32) round trip per engine through the CRB model ----
noinst_PROGRAMS += bench/vtpm_rtt
bench_vtpm_rtt_SOURCES = bench/vtpm_rtt.c
bench_vtpm_rtt_CFLAGS = $(VTPM_CFLAGS) -O2
bench_vtpm_rtt_LDADD = $(PVN_VTPM_LIBS)

# ---- the plugin: plain -shared -fPIC, no sanitizers, no runtime library ----
VTPM_PLUGIN_SRCS = plugins/vtpm/plugin.c $(filter %.c,$(plugins_vtpm_libpvnvtpm_a_SOURCES))
EXTRA_DIST += plugins/vtpm/plugin.c plugins/vtpm/tpm_service.h
noinst_DATA += plugins/vtpm/vtpm.so
CLEANFILES += plugins/vtpm/vtpm.so
plugins/vtpm/vtpm.so: $(addprefix $(srcdir)/,$(VTPM_PLUGIN_SRCS)) \
		$(srcdir)/plugin-api/include/paravane/plugin.h $(srcdir)/plugins/vtpm/crb.h \
		$(srcdir)/plugins/vtpm/engine.h $(srcdir)/plugins/vtpm/state.h \
		$(srcdir)/plugin-api/include/paravane/tpm_engine.h
	@$(MKDIR_P) plugins/vtpm
	$(AM_V_CC)$(PLUGIN_SO_CC) \
		$(LIBTPMS_CFLAGS) $(TSS2_CFLAGS) $(CRYPTO_CFLAGS) -o $@ \
		$(addprefix $(srcdir)/,$(VTPM_PLUGIN_SRCS)) \
		$(LIBTPMS_LIBS) $(TSS2_LIBS) $(CRYPTO_LIBS) $(PLUGIN_SO_LIBS)

# ---- host-side access: the mssim/swtpm socket server (host_socket.{h,c}) ----
plugins_vtpm_libpvnvtpm_a_SOURCES += plugins/vtpm/host_socket.c plugins/vtpm/host_socket.h

# ---- `paravane vtpm provision` (ESAPI + OpenSSL), linked into the runtime ----
noinst_LIBRARIES += plugins/vtpm/libpvnvtpmprov.a
plugins_vtpm_libpvnvtpmprov_a_CFLAGS = $(AM_CFLAGS) $(TSS2_CFLAGS) $(CRYPTO_CFLAGS)
plugins_vtpm_libpvnvtpmprov_a_SOURCES = plugins/vtpm/provision.c plugins/vtpm/provision.h
PVN_VTPM_PROV_LIBS = plugins/vtpm/libpvnvtpmprov.a $(TSS2_LIBS) $(CRYPTO_LIBS)

check_PROGRAMS += tests/unit/test_vtpm_hostsock
tests_unit_test_vtpm_hostsock_SOURCES = tests/unit/test_vtpm_hostsock.c tests/unit/test_vtpm_hostsock_tcti.c
tests_unit_test_vtpm_hostsock_CFLAGS = $(VTPM_CFLAGS)
tests_unit_test_vtpm_hostsock_LDADD = $(PVN_VTPM_LIBS)
PVN_TESTS += tests/unit/test_vtpm_hostsock

# tpm2-tools + `paravane vtpm provision` against a served vTPM (skips without them)
EXTRA_DIST += tests/plugins/vtpm_hostsock.sh
PVN_TESTS += tests/plugins/vtpm_hostsock.sh

# ---- a third-party engine as a plugin: tests/plugins/tp_engine.c provides the
# `tpm-engine` service (paravane/tpm_engine.h) with its own libtpms; vtpm uses
# it with engine = "service" (tests/plugins/vtpm_engine.sh) ----
tests/plugins/tp-engine.so: $(srcdir)/tests/plugins/tp_engine.c \
		$(srcdir)/plugin-api/include/paravane/plugin.h \
		$(srcdir)/plugin-api/include/paravane/tpm_engine.h
	$(TP_BUILD) $(LIBTPMS_CFLAGS) -o $@ $(srcdir)/tests/plugins/tp_engine.c $(LIBTPMS_LIBS) \
		-Wl,--no-undefined
check_DATA += tests/plugins/tp-engine.so plugins/vtpm/vtpm.so tests/guests/vtpm.elf
CLEANFILES += tests/plugins/tp-engine.so
EXTRA_DIST += tests/plugins/tp_engine.c tests/plugins/vtpm_engine.sh
PVN_TESTS += kvm:tests/plugins/vtpm_engine.sh

# ---- benchmark: GetRandom(32) round trips driven by a guest through the CRB
# MMIO registers at CPL3 (tests/guests/vtpm_bench.c), per engine ----
noinst_PROGRAMS += bench/vtpm_rtt_guest
bench_vtpm_rtt_guest_SOURCES = tests/guests/vtpm_bench.c tests/guests/harness.c \
	tests/guests/harness.h tests/guests/ucall.h
bench_vtpm_rtt_guest_CPPFLAGS = $(AM_CPPFLAGS) -DPVN_HOST
bench_vtpm_rtt_guest_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBTPMS_CFLAGS) $(TSS2_CFLAGS) \
	$(CRYPTO_CFLAGS) -O2
bench_vtpm_rtt_guest_LDADD = $(PVN_VTPM_LIBS) $(PVN_CORE_LIBS)
noinst_DATA += tests/guests/vtpm_bench.elf
