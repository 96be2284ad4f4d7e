# bench/: benchmarks with machine-readable output (JSON lines on stdout).
# `make` builds them; `make bench` builds and runs every program in bench/
# (bench/run-benchmarks). They are not part of `make check`: nothing here
# asserts on timing.
noinst_PROGRAMS += bench/exit_dispatch bench/startup

# exit_dispatch: guest port exits through the runtime vs a bare KVM loop.
bench_exit_dispatch_SOURCES = bench/exit_dispatch.c bench/bare_kvm.c bench/bare_kvm.h \
	bench/bench_pio.h
bench_exit_dispatch_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
bench_exit_dispatch_LDADD = $(PVN_CORE_LIBS)

# startup: exec-to-exit time and peak RSS of `paravane run`. It runs the
# paravane binary and links libc only, so that the bare KVM program it also
# measures (itself, re-run with --bare-child) carries no extra libraries.
bench_startup_SOURCES = bench/startup.c bench/bare_kvm.c bench/bare_kvm.h

# The guests they run (built with the tests/guests/%.elf pattern rule).
noinst_DATA += tests/guests/bench_pio.elf tests/guests/exitcode.elf
tests/guests/bench_pio.elf: $(srcdir)/bench/bench_pio.h
EXTRA_DIST += bench/run-benchmarks tests/guests/bench_pio.c \
	bench/linux_io bench/linux_io_init.sh bench/linux_io_host.py

# guest_ioqd: the block I/O load generator of bench/linux_io's guest, static
# (it runs from the guest's busybox initramfs), with the host's libc only.
noinst_DATA += bench/guest_ioqd
CLEANFILES += bench/guest_ioqd
bench/guest_ioqd: $(srcdir)/bench/guest_ioqd.c
	$(AM_V_CC)$(CC) -std=gnu11 -O2 -Wall -Wextra -static -o $@ $(srcdir)/bench/guest_ioqd.c

.PHONY: bench
bench: all
	@$(SHELL) $(srcdir)/bench/run-benchmarks --builddir $(builddir)
