# plugins/vmbus-net: the synthetic NIC (NVSP + RNDIS over VMBus) and its
# backends. libpvnnet.a holds everything but the plugin wrapper, so the unit
# tests, the fuzzers and the benchmark link the device model directly. Built
# PIC for the plugin .so.
noinst_LIBRARIES += plugins/vmbus-net/libpvnnet.a
NET_CFLAGS = $(AM_CFLAGS) -fPIC
plugins_vmbus_net_libpvnnet_a_CFLAGS = $(NET_CFLAGS)
plugins_vmbus_net_libpvnnet_a_SOURCES = \
	plugins/vmbus-net/nvsp_protocol.h plugins/vmbus-net/rndis_protocol.h \
	plugins/vmbus-net/netvsp.c plugins/vmbus-net/netvsp.h \
	plugins/vmbus-net/offload.c plugins/vmbus-net/offload.h \
	plugins/vmbus-net/backend.c plugins/vmbus-net/backend.h \
	plugins/vmbus-net/backend_tap.c plugins/vmbus-net/backend_socket.c
PVN_NET_LIBS = plugins/vmbus-net/libpvnnet.a

# ---- unit tests (no /dev/kvm) ----
check_PROGRAMS += tests/unit/test_net_offload
tests_unit_test_net_offload_SOURCES = tests/unit/test_net_offload.c
tests_unit_test_net_offload_CFLAGS = $(NET_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_net_offload_LDADD = $(PVN_NET_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_net_offload

check_PROGRAMS += tests/unit/test_net_netvsp
tests_unit_test_net_netvsp_SOURCES = tests/unit/test_net_netvsp.c tests/unit/net_fake.c \
	tests/unit/net_fake.h
tests_unit_test_net_netvsp_CFLAGS = $(NET_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_net_netvsp_LDADD = $(PVN_NET_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_net_netvsp

# ---- the plugin: plain -shared -fPIC, no sanitizers, no runtime library ----
NET_PLUGIN_SRCS = plugins/vmbus-net/plugin.c $(filter %.c,$(plugins_vmbus_net_libpvnnet_a_SOURCES))
EXTRA_DIST += plugins/vmbus-net/plugin.c
noinst_DATA += plugins/vmbus-net/vmbus-net.so
CLEANFILES += plugins/vmbus-net/vmbus-net.so
plugins/vmbus-net/vmbus-net.so: $(addprefix $(srcdir)/,$(NET_PLUGIN_SRCS)) \
		$(addprefix $(srcdir)/,$(filter %.h,$(plugins_vmbus_net_libpvnnet_a_SOURCES))) \
		$(srcdir)/plugin-api/include/paravane/plugin.h
	@$(MKDIR_P) plugins/vmbus-net
	$(AM_V_CC)$(PLUGIN_SO_CC) -o $@ \
		$(addprefix $(srcdir)/,$(NET_PLUGIN_SRCS)) $(PLUGIN_SO_LIBS)

# ---- guest tests: a tiny guest speaks NVSP/RNDIS (tests/guests/lib/
# netvsc_client.c) to the signed plugin, whose backend is one end of a
# socketpair the host half of the test plays the network on ----
NETVSC_GUEST_LIB = $(srcdir)/tests/guests/lib/netvsc_client.c
NETVSC_GUEST_DEPS = $(GUEST_DEPS) $(VMBUS_GUEST_LIB) $(NETVSC_GUEST_LIB) \
	$(srcdir)/tests/guests/lib/vmbus_client.h $(srcdir)/tests/guests/lib/netvsc_client.h \
	$(srcdir)/plugins/vmbus-net/nvsp_protocol.h $(srcdir)/plugins/vmbus-net/rndis_protocol.h
tests/guests/vmbus_net.elf: $(srcdir)/tests/guests/vmbus_net.c $(NETVSC_GUEST_DEPS)
	@mkdir -p tests/guests
	$(AM_V_CC)$(CC) $(GUEST_CFLAGS) -DPVN_GUEST $(GUEST_LINK) -o $@ $(GUEST_LIB) \
		$(VMBUS_GUEST_LIB) $(NETVSC_GUEST_LIB) $<
EXTRA_DIST += tests/guests/lib/netvsc_client.c tests/guests/lib/netvsc_client.h

check_PROGRAMS += tests/guests/vmbus_net
tests_guests_vmbus_net_SOURCES = tests/guests/vmbus_net.c tests/guests/harness.c \
	tests/guests/harness.h tests/guests/ucall.h tests/unit/net_frames.h
tests_guests_vmbus_net_CPPFLAGS = $(AM_CPPFLAGS) -DPVN_HOST
tests_guests_vmbus_net_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_guests_vmbus_net_LDADD = $(PVN_CORE_LIBS)
check_DATA += tests/guests/vmbus_net.elf plugins/vmbus-net/vmbus-net.so
PVN_TESTS += kvm:tests/guests/vmbus_net

# ---- libFuzzer targets: NVSP packets and RNDIS messages ----
NET_FUZZ_SRCS = tests/unit/net_fake.c $(filter %.c,$(plugins_vmbus_net_libpvnnet_a_SOURCES))
NET_FUZZ_DEPS = $(addprefix $(srcdir)/,$(NET_FUZZ_SRCS)) $(srcdir)/tests/unit/net_fake.h \
	$(addprefix $(srcdir)/,$(filter %.h,$(plugins_vmbus_net_libpvnnet_a_SOURCES)))
EXTRA_DIST += tests/fuzz/fuzz_net_nvsp.c tests/fuzz/fuzz_net_rndis.c tests/fuzz/fuzz_net.sh
if HAVE_CLANG
check_DATA += tests/fuzz/fuzz_net_nvsp tests/fuzz/fuzz_net_rndis
CLEANFILES += tests/fuzz/fuzz_net_nvsp tests/fuzz/fuzz_net_rndis
PVN_TESTS += tests/fuzz/fuzz_net.sh
tests/fuzz/fuzz_net_%: $(srcdir)/tests/fuzz/fuzz_net_%.c $(NET_FUZZ_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-g -O1 -std=gnu11 -D_GNU_SOURCE -I$(srcdir) -o $@ $< \
		$(addprefix $(srcdir)/,$(NET_FUZZ_SRCS))
endif

# ---- benchmark (host only): the device model's frame rates, JSON lines ----
noinst_PROGRAMS += bench/net_device
bench_net_device_SOURCES = bench/net_device.c tests/unit/net_fake.c tests/unit/net_fake.h \
	tests/unit/net_frames.h
bench_net_device_CFLAGS = $(NET_CFLAGS) -O2
bench_net_device_LDADD = $(PVN_NET_LIBS)
