# tests/guests: tiny guests, built freestanding (never with the host's
# sanitizer flags), and the host-side tests that run them.
GUEST_CFLAGS = -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mgeneral-regs-only -mno-red-zone -fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Wno-unused-parameter $(if $(filter -Werror,$(WARN_CFLAGS)),-Werror) \
	-I$(srcdir)/tests/guests/lib -I$(srcdir)/tests/guests -I$(srcdir)
GUEST_LINK = -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,$(srcdir)/tests/guests/lib/guest.ld
GUEST_LIB = $(srcdir)/tests/guests/lib/start.S $(srcdir)/tests/guests/lib/guest.c
GUEST_DEPS = $(GUEST_LIB) $(srcdir)/tests/guests/lib/guest.h $(srcdir)/tests/guests/lib/guest.ld \
	$(srcdir)/tests/guests/ucall.h

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
PVN_TESTS += tests/guests/pio

check_PROGRAMS += tests/guests/mmio
tests_guests_mmio_SOURCES = tests/guests/mmio.c $(GT_HOST_COMMON)
tests_guests_mmio_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_mmio_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_mmio_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/mmio.elf
PVN_TESTS += tests/guests/mmio

check_PROGRAMS += tests/guests/unclaimed
tests_guests_unclaimed_SOURCES = tests/guests/unclaimed.c $(GT_HOST_COMMON)
tests_guests_unclaimed_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_unclaimed_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_unclaimed_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/unclaimed.elf
PVN_TESTS += tests/guests/unclaimed

check_PROGRAMS += tests/guests/vtl2
tests_guests_vtl2_SOURCES = tests/guests/vtl2.c $(GT_HOST_COMMON)
tests_guests_vtl2_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_vtl2_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_vtl2_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/vtl2.elf
PVN_TESTS += tests/guests/vtl2

check_PROGRAMS += tests/guests/smp
tests_guests_smp_SOURCES = tests/guests/smp.c $(GT_HOST_COMMON)
tests_guests_smp_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_smp_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_smp_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/smp.elf
PVN_TESTS += tests/guests/smp

check_PROGRAMS += tests/guests/irq
tests_guests_irq_SOURCES = tests/guests/irq.c $(GT_HOST_COMMON)
tests_guests_irq_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_irq_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_irq_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/irq.elf
PVN_TESTS += tests/guests/irq

GUEST_TEST_IMAGES += tests/guests/exitcode.elf tests/guests/reset.elf tests/guests/fatal.elf
PVN_TESTS += tests/guests/cli.sh
EXTRA_DIST += tests/guests/cli.sh

check_PROGRAMS += tests/guests/hv
tests_guests_hv_SOURCES = tests/guests/hv.c $(GT_HOST_COMMON)
tests_guests_hv_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_hv_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_hv_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/hv.elf
PVN_TESTS += tests/guests/hv

check_PROGRAMS += tests/guests/fallback
tests_guests_fallback_SOURCES = tests/guests/fallback.c $(GT_HOST_COMMON)
tests_guests_fallback_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_fallback_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_fallback_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/fallback.elf
PVN_TESTS += tests/guests/fallback

# acpi: the guest finds and walks the tables pvn_acpi_install put in the BIOS area.
check_PROGRAMS += tests/guests/acpi
tests_guests_acpi_SOURCES = tests/guests/acpi.c $(GT_HOST_COMMON)
tests_guests_acpi_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_acpi_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_acpi_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/acpi.elf
PVN_TESTS += tests/guests/acpi

check_DATA += $(GUEST_TEST_IMAGES)

# plugin: a signed plugin (tests/plugins/tp-ok.so) provides the guest's PIO device.
check_PROGRAMS += tests/guests/plugin
tests_guests_plugin_SOURCES = tests/guests/plugin.c $(GT_HOST_COMMON)
tests_guests_plugin_CPPFLAGS = $(GT_HOST_CPPFLAGS)
tests_guests_plugin_CFLAGS = $(GT_HOST_CFLAGS)
tests_guests_plugin_LDADD = $(GT_HOST_LIBS)
GUEST_TEST_IMAGES += tests/guests/plugin.elf
check_DATA += tests/guests/plugin.elf tests/plugins/tp-ok.so
PVN_TESTS += tests/guests/plugin