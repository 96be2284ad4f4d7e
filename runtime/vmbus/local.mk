# runtime/vmbus: the VMBus server, its ring buffers, the echo test device,
# and their unit tests, fuzz targets and benchmark.
runtime_libpvncore_a_SOURCES += \
	runtime/vmbus/vmbus_protocol.h \
	runtime/vmbus/ring.c runtime/vmbus/ring.h \
	runtime/vmbus/vmbus.c runtime/vmbus/vmbus.h \
	runtime/vmbus/vmbus_hv.c \
	runtime/vmbus/echo.c

# ---- host-side unit tests (cmocka, no /dev/kvm) ----
check_PROGRAMS += tests/unit/test_vmbus_ring tests/unit/test_vmbus_server
tests_unit_test_vmbus_ring_SOURCES = tests/unit/test_vmbus_ring.c
tests_unit_test_vmbus_ring_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vmbus_ring_LDADD = $(PVN_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_vmbus_server_SOURCES = tests/unit/test_vmbus_server.c
tests_unit_test_vmbus_server_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vmbus_server_LDADD = $(PVN_CORE_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_vmbus_ring tests/unit/test_vmbus_server

# ---- benchmark: bench/vmbus_ring (host-only, two threads) ----
noinst_PROGRAMS += bench/vmbus_ring
bench_vmbus_ring_SOURCES = bench/vmbus_ring.c
bench_vmbus_ring_LDADD = $(PVN_CORE_LIBS)

# ---- fuzz targets: the parsers build standalone (no KVM) ----
VMBUS_FUZZ_DEPS = runtime/vmbus/vmbus.c runtime/vmbus/ring.c runtime/vmbus/echo.c \
	runtime/mem/mem.c runtime/core/log.c
EXTRA_DIST += tests/fuzz/fuzz_vmbus_msg.c tests/fuzz/fuzz_vmbus_ring.c tests/fuzz/fuzz_vmbus.sh \
	tests/fuzz/run-fuzzer
if HAVE_CLANG
VMBUS_FUZZ_CFLAGS = -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I$(top_srcdir) -I$(top_builddir) -D_GNU_SOURCE
check_DATA += tests/fuzz/fuzz_vmbus_msg tests/fuzz/fuzz_vmbus_ring
CLEANFILES += tests/fuzz/fuzz_vmbus_msg tests/fuzz/fuzz_vmbus_ring
PVN_TESTS += tests/fuzz/fuzz_vmbus.sh
tests/fuzz/fuzz_vmbus_msg: $(srcdir)/tests/fuzz/fuzz_vmbus_msg.c \
		$(addprefix $(srcdir)/,$(VMBUS_FUZZ_DEPS)) $(srcdir)/runtime/vmbus/vmbus.h \
		$(srcdir)/runtime/vmbus/ring.h $(srcdir)/runtime/vmbus/vmbus_protocol.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(VMBUS_FUZZ_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_vmbus_msg.c \
		$(addprefix $(srcdir)/,$(VMBUS_FUZZ_DEPS)) -lpthread
tests/fuzz/fuzz_vmbus_ring: $(srcdir)/tests/fuzz/fuzz_vmbus_ring.c $(srcdir)/runtime/vmbus/ring.c \
		$(srcdir)/runtime/vmbus/ring.h $(srcdir)/runtime/vmbus/vmbus_protocol.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(VMBUS_FUZZ_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_vmbus_ring.c \
		$(srcdir)/runtime/vmbus/ring.c
endif
