# tests/guests: tiny guests, built freestanding (never with the host's
# sanitizer flags), and the host-side tests that run them.
GUEST_CFLAGS = -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mgeneral-regs-only -mno-red-zone -fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Wno-unused-parameter $(if $(filter -Werror,$(WARN_CFLAGS)),-Werror) \
	-I$(srcdir)/tests/guests/lib -I$(srcdir)/tests/guests -I$(srcdir)
GUEST_LINK = -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,$(srcdir)/tests/guests/lib/guest.ld
GUEST_LIB = $(srcdir)/tests/guests/lib/start.S $(srcdir)/tests/guests/lib/guest.c
GUEST_DEPS = $(GUEST_LIB) $(srcdir)/tests/guests/lib/guest.h $(srcdir)/tests/guests/lib/guest.ld \
	$(srcdir)/tests/guests/ucall.h $(srcdir)/tests/guests/lib/guest_acpi.h

# A guest built from tests/guests/NAME.c; host tests built from the same
# file with -DPVN_HOST (guest and host halves of a test read as one story).
tests/guests/%.elf: $(srcdir)/tests/guests/%.c $(GUEST_DEPS)
	@mkdir -p tests/guests
	$(AM_V_CC)$(CC) $(GUEST_CFLAGS) -DPVN_GUEST $(GUEST_LINK) -o $@ $(GUEST_LIB) $<

GUEST_IMAGES = tests/guests/hello.elf
noinst_DATA += $(GUEST_IMAGES)
CLEANFILES += tests/guests/*.elf
EXTRA_DIST += tests/guests/lib tests/guests/ucall.h tests/guests/hello.c

# ---- guest tests: tests/guests/NAME.c holds both halves ----
GT_HOST_CPPFLAGS = $(AM_CPPFLAGS) -DPVN_HOST
GT_HOST_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
GT_HOST_LIBS = $(PVN_CORE_LIBS)
GT_HOST_COMMON = tests/guests/harness.c tests/guests/harness.h tests/guests/ucall.h

check_PROGRAMS += tests/guests/pio
tests_guests_pio_SOURCES = tests/guests/pio.c $(GT_HOST_COMMON)
tests_guests_pio_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_pio_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_pio_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES = tests/guests/pio.elf
PVN_TESTS += kvm:tests/guests/pio

check_PROGRAMS += tests/guests/mmio
tests_guests_mmio_SOURCES = tests/guests/mmio.c $(GT_HOST_COMMON)
tests_guests_mmio_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_mmio_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_mmio_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/mmio.elf
PVN_TESTS += kvm:tests/guests/mmio

check_PROGRAMS += tests/guests/unclaimed
tests_guests_unclaimed_SOURCES = tests/guests/unclaimed.c $(GT_HOST_COMMON)
tests_guests_unclaimed_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_unclaimed_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_unclaimed_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/unclaimed.elf
PVN_TESTS += kvm:tests/guests/unclaimed

check_PROGRAMS += tests/guests/vtl2
tests_guests_vtl2_SOURCES = tests/guests/vtl2.c $(GT_HOST_COMMON)
tests_guests_vtl2_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vtl2_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_vtl2_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/vtl2.elf
PVN_TESTS += kvm:tests/guests/vtl2

check_PROGRAMS += tests/guests/smp
tests_guests_smp_SOURCES = tests/guests/smp.c $(GT_HOST_COMMON)
tests_guests_smp_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_smp_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_smp_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/smp.elf
PVN_TESTS += kvm:tests/guests/smp

check_PROGRAMS += tests/guests/irq
tests_guests_irq_SOURCES = tests/guests/irq.c $(GT_HOST_COMMON)
tests_guests_irq_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_irq_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_irq_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/irq.elf
PVN_TESTS += kvm:tests/guests/irq

GUEST_TEST_IMAGES += tests/guests/exitcode.elf tests/guests/reset.elf tests/guests/fatal.elf
PVN_TESTS += kvm:tests/guests/cli.sh
EXTRA_DIST += tests/guests/cli.sh

check_PROGRAMS += tests/guests/hv
tests_guests_hv_SOURCES = tests/guests/hv.c $(GT_HOST_COMMON)
tests_guests_hv_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_hv_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_hv_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/hv.elf
PVN_TESTS += kvm:tests/guests/hv

check_PROGRAMS += tests/guests/fallback
tests_guests_fallback_SOURCES = tests/guests/fallback.c $(GT_HOST_COMMON)
tests_guests_fallback_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_fallback_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_fallback_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/fallback.elf
PVN_TESTS += kvm:tests/guests/fallback

# acpi: the guest finds and walks the tables pvn_acpi_install put in the BIOS area.
check_PROGRAMS += tests/guests/acpi
tests_guests_acpi_SOURCES = tests/guests/acpi.c $(GT_HOST_COMMON)
tests_guests_acpi_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_acpi_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_acpi_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/acpi.elf
PVN_TESTS += kvm:tests/guests/acpi

# ---- VMBus guest tests: the guest side links the VMBus client library ----
VMBUS_GUEST_LIB = $(srcdir)/tests/guests/lib/vmbus_client.c
tests/guests/vmbus_%.elf: $(srcdir)/tests/guests/vmbus_%.c $(GUEST_DEPS) $(VMBUS_GUEST_LIB) \
		$(srcdir)/tests/guests/lib/vmbus_client.h
	@mkdir -p tests/guests
	$(AM_V_CC)$(CC) $(GUEST_CFLAGS) -DPVN_GUEST $(GUEST_LINK) -o $@ $(GUEST_LIB) $(VMBUS_GUEST_LIB) $<
GT_VMBUS_LIBS = $(GT_HOST_LIBS)

check_PROGRAMS += tests/guests/vmbus_echo
tests_guests_vmbus_echo_SOURCES = tests/guests/vmbus_echo.c $(GT_HOST_COMMON)
tests_guests_vmbus_echo_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vmbus_echo_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_vmbus_echo_LDADD = $(GT_VMBUS_LIBS)
GUEST_TEST_IMAGES += tests/guests/vmbus_echo.elf
PVN_TESTS += kvm:tests/guests/vmbus_echo

check_PROGRAMS += tests/guests/vmbus_connect
tests_guests_vmbus_connect_SOURCES = tests/guests/vmbus_connect.c $(GT_HOST_COMMON)
tests_guests_vmbus_connect_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vmbus_connect_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_vmbus_connect_LDADD = $(GT_VMBUS_LIBS)
GUEST_TEST_IMAGES += tests/guests/vmbus_connect.elf
PVN_TESTS += kvm:tests/guests/vmbus_connect

check_PROGRAMS += tests/guests/vmbus_evil
tests_guests_vmbus_evil_SOURCES = tests/guests/vmbus_evil.c $(GT_HOST_COMMON)
tests_guests_vmbus_evil_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vmbus_evil_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_vmbus_evil_LDADD = $(GT_VMBUS_LIBS)
GUEST_TEST_IMAGES += tests/guests/vmbus_evil.elf
PVN_TESTS += kvm:tests/guests/vmbus_evil
EXTRA_DIST += tests/guests/lib/vmbus_client.c tests/guests/lib/vmbus_client.h

check_DATA += $(GUEST_TEST_IMAGES)

# plugin: a signed plugin (tests/plugins/tp-ok.so) provides the guest's PIO device.
check_PROGRAMS += tests/guests/plugin
tests_guests_plugin_SOURCES = tests/guests/plugin.c $(GT_HOST_COMMON)
tests_guests_plugin_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_plugin_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_plugin_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/plugin.elf
check_DATA += tests/guests/plugin.elf tests/plugins/tp-ok.so
PVN_TESTS += kvm:tests/guests/plugin

# vtpm: a CRB driver in the guest against the vTPM device; the same guest
# with each engine, picked by the executable's name (see tests/guests/vtpm.c).
if PLUGIN_VTPM
VTPM_GT_CFLAGS = $(GT_HOST_CFLAGS) $(LIBTPMS_CFLAGS) $(TSS2_CFLAGS) $(CRYPTO_CFLAGS)
VTPM_GT_LIBS = $(PVN_VTPM_LIBS) $(GT_HOST_LIBS)
check_PROGRAMS += tests/guests/vtpm tests/guests/vtpm_swtpm tests/guests/vtpm_tcti
tests_guests_vtpm_SOURCES = tests/guests/vtpm.c $(GT_HOST_COMMON)
tests_guests_vtpm_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vtpm_CFLAGS = $(VTPM_GT_CFLAGS)
tests_guests_vtpm_LDADD = $(VTPM_GT_LIBS)
tests_guests_vtpm_swtpm_SOURCES = tests/guests/vtpm.c $(GT_HOST_COMMON)
tests_guests_vtpm_swtpm_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vtpm_swtpm_CFLAGS = $(VTPM_GT_CFLAGS)
tests_guests_vtpm_swtpm_LDADD = $(VTPM_GT_LIBS)
tests_guests_vtpm_tcti_SOURCES = tests/guests/vtpm.c $(GT_HOST_COMMON)
tests_guests_vtpm_tcti_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vtpm_tcti_CFLAGS = $(VTPM_GT_CFLAGS)
tests_guests_vtpm_tcti_LDADD = $(VTPM_GT_LIBS)
GUEST_TEST_IMAGES += tests/guests/vtpm.elf
check_DATA += tests/guests/vtpm.elf
PVN_TESTS += kvm:tests/guests/vtpm kvm:tests/guests/vtpm_swtpm kvm:tests/guests/vtpm_tcti
endif

# igvm_boot: the test guest made into an IGVM image by `igvmtool build
# --guest-abi paravane` at test time and booted with boot.igvm; the script
# checks the refusals (too little memory, corrupted files, ...) through the CLI.
check_PROGRAMS += tests/guests/igvm_boot
tests_guests_igvm_boot_SOURCES = tests/guests/igvm_boot.c $(GT_HOST_COMMON)
tests_guests_igvm_boot_CPPFLAGS = $(GT_HOST_CPPFLAGS) -I$(top_srcdir)/igvm/include
tests_guests_igvm_boot_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_igvm_boot_LDADD = $(GT_HOST_LIBS)
EXTRA_tests_guests_igvm_boot_DEPENDENCIES = igvmtool paravane tests/guests/igvm_boot.elf
GUEST_TEST_IMAGES += tests/guests/igvm_boot.elf
check_DATA += tests/guests/igvm_boot.elf
PVN_TESTS += kvm:tests/guests/igvm_boot kvm:tests/guests/igvm_boot.sh kvm:tests/guests/bzimage.sh
EXTRA_DIST += tests/guests/igvm_boot.sh tests/guests/bzimage.sh

# Plugin ABI 1.2: a signed plugin's VMBus echo channel (tests/plugins/tp-vmbus.so)
# and a plugin's ACPI table and DSDT device (tests/plugins/tp-acpi.so).
check_PROGRAMS += tests/guests/vmbus_plugin
tests_guests_vmbus_plugin_SOURCES = tests/guests/vmbus_plugin.c $(GT_HOST_COMMON)
tests_guests_vmbus_plugin_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vmbus_plugin_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_vmbus_plugin_LDADD = $(GT_VMBUS_LIBS)
check_DATA += tests/guests/vmbus_plugin.elf tests/plugins/tp-vmbus.so
PVN_TESTS += kvm:tests/guests/vmbus_plugin

check_PROGRAMS += tests/guests/plugin_acpi
tests_guests_plugin_acpi_SOURCES = tests/guests/plugin_acpi.c $(GT_HOST_COMMON)
tests_guests_plugin_acpi_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_plugin_acpi_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_plugin_acpi_LDADD = $(GT_HOST_LIBS)
check_DATA += tests/guests/plugin_acpi.elf tests/plugins/tp-acpi.so
PVN_TESTS += kvm:tests/guests/plugin_acpi
