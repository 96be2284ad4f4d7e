# tests/plugins: test plugins (hand-written rules: plain -shared -fPIC, no
# sanitizers, no runtime library), the plugin tests and bench/plugin_load.
TP_CFLAGS = -std=gnu11 -O2 -g -fPIC -shared -fvisibility=hidden -Wall -Wextra \
	-Wno-unused-parameter $(if $(filter -Werror,$(WARN_CFLAGS)),-Werror) \
	-I$(srcdir)/plugin-api/include
TP_SRC = $(srcdir)/tests/plugins/testplug.c
TP_DEPS = $(TP_SRC) $(srcdir)/plugin-api/include/paravane/plugin.h \
	$(srcdir)/plugin-api/include/paravane/manifest.h
TP_BUILD = $(AM_V_CC)mkdir -p tests/plugins; $(CC) $(TP_CFLAGS)

TEST_PLUGINS = tests/plugins/tp-ok.so tests/plugins/tp-other.so tests/plugins/tp-abi2.so \
	tests/plugins/tp-abi0.so tests/plugins/tp-trunc.so tests/plugins/tp-nodesc.so \
	tests/plugins/tp-mismatch.so tests/plugins/tp-minor0.so tests/plugins/tp-minor2.so \
	tests/plugins/tp-needs11.so tests/plugins/tp-requires.so tests/plugins/tp-failinit.so \
	tests/plugins/tp-big.so tests/plugins/tp-minor4.so tests/plugins/tp-vmbus.so \
	tests/plugins/tp-acpi.so

tests/plugins/tp-ok.so: $(TP_DEPS)
	$(TP_BUILD) -o $@ $(TP_SRC)
tests/plugins/tp-other.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"testplug2"' -o $@ $(TP_SRC)
tests/plugins/tp-abi2.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_ABI_MAJOR=2 -o $@ $(TP_SRC)
tests/plugins/tp-abi0.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_ABI_MAJOR=0 -o $@ $(TP_SRC)
tests/plugins/tp-trunc.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_TRUNCATED -o $@ $(TP_SRC)
tests/plugins/tp-nodesc.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NO_DESCRIPTOR -o $@ $(TP_SRC)
tests/plugins/tp-mismatch.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_MANIFEST_NAME='"impostor"' -o $@ $(TP_SRC)
tests/plugins/tp-minor0.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_ABI_MINOR=0 -o $@ $(TP_SRC)
tests/plugins/tp-minor2.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_ABI_MINOR=2 -o $@ $(TP_SRC)
tests/plugins/tp-needs11.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"svcprov"' -DTP_NEEDS_SERVICES -o $@ $(TP_SRC)
tests/plugins/tp-requires.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"svcuser"' -DTP_REQUIRES='"testsvc"' -o $@ $(TP_SRC)
tests/plugins/tp-failinit.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"failer"' -DTP_FAIL_INIT -o $@ $(TP_SRC)
tests/plugins/tp-big.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"bigplug"' -DTP_PAD_BYTES=1048576 -o $@ $(TP_SRC)
# A plugin from the future: ABI 1.4, one minor newer than this runtime.
tests/plugins/tp-minor4.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_ABI_MINOR=4 -o $@ $(TP_SRC)
# ABI 1.2: a VMBus echo channel (tests/guests/vmbus_plugin.c) and ACPI
# contributions (tests/guests/plugin_acpi.c).
tests/plugins/tp-vmbus.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"vmbusecho"' -DTP_VMBUS -o $@ $(TP_SRC)
tests/plugins/tp-acpi.so: $(TP_DEPS)
	$(TP_BUILD) -DTP_NAME='"acpiplug"' -DTP_ACPI -o $@ $(TP_SRC)

check_DATA += $(TEST_PLUGINS)
CLEANFILES += $(TEST_PLUGINS)
EXTRA_DIST += tests/plugins/testplug.c tests/plugins/lib.sh tests/plugins/refusals.sh tests/plugins/loads.sh \
	tests/plugins/abi-minor.sh tests/plugins/lifecycle.sh tests/plugins/example.sh \
	tests/plugins/bench.sh tests/plugins/abi12.sh examples/plugin-hello docs/plugin-guide.md

# cmocka unit tests of the trailer, manifest and revocation parsers.
check_PROGRAMS += tests/plugins/formats
tests_plugins_formats_SOURCES = tests/plugins/formats.c
tests_plugins_formats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_plugins_formats_LDADD = $(PVN_CORE_LIBS) $(CMOCKA_LIBS)

# bench/plugin_load: JSON lines, load time per plugin split into verify,
# dlopen and init, for a 1 MiB plugin.
noinst_PROGRAMS += bench/plugin_load
bench_plugin_load_SOURCES = bench/plugin_load.c
bench_plugin_load_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
bench_plugin_load_LDADD = $(PVN_CORE_LIBS)

# The scripts need paravane, paravane-sign, the test plugins and the plugin
# guest image (tests/guests/local.mk builds it).
check_DATA += paravane paravane-sign bench/plugin_load
# refusals.sh needs no guest; the kvm: ones run guests (tools/run-tests).
PVN_TESTS += tests/plugins/formats tests/plugins/refusals.sh kvm:tests/plugins/loads.sh \
	kvm:tests/plugins/abi-minor.sh kvm:tests/plugins/lifecycle.sh kvm:tests/plugins/example.sh \
	kvm:tests/plugins/bench.sh kvm:tests/plugins/abi12.sh
