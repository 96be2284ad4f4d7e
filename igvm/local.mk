# igvm: build rules (included from the top-level Makefile.am)
#
# libparavane-igvm (parse/validate/write/load IGVM files), igvmtool, the unit
# tests, the libFuzzer target and the benchmark.

IGVM_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/igvm/include
IGVM_LIB_SOURCES = \
	igvm/igvm.c \
	igvm/igvm_write.c \
	igvm/igvm_load.c \
	igvm/igvm_internal.h

lib_LTLIBRARIES += igvm/libparavane-igvm.la
igvm_libparavane_igvm_la_SOURCES = $(IGVM_LIB_SOURCES)
igvm_libparavane_igvm_la_CPPFLAGS = $(IGVM_CPPFLAGS)
igvm_libparavane_igvm_la_CFLAGS = $(AM_CFLAGS) -fvisibility=default
igvm_libparavane_igvm_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0

igvmincludedir = $(includedir)/paravane
igvminclude_HEADERS = \
	igvm/include/paravane/igvm.h \
	igvm/include/paravane/igvm_defs.h

bin_PROGRAMS += igvmtool
igvmtool_SOURCES = igvm/igvmtool.c
igvmtool_CPPFLAGS = $(IGVM_CPPFLAGS)
igvmtool_CFLAGS = $(AM_CFLAGS) $(LIBELF_CFLAGS)
igvmtool_LDADD = igvm/libparavane-igvm.la $(LIBELF_LIBS)

# Unit tests (cmocka) and the igvmtool script test.
check_PROGRAMS += tests/unit/igvm/test_igvm
tests_unit_igvm_test_igvm_SOURCES = tests/unit/igvm/test_igvm.c
tests_unit_igvm_test_igvm_CPPFLAGS = $(IGVM_CPPFLAGS)
tests_unit_igvm_test_igvm_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_igvm_test_igvm_LDADD = igvm/libparavane-igvm.la $(CMOCKA_LIBS)

PVN_TESTS += tests/unit/igvm/test_igvm tests/unit/igvm/igvmtool.sh
EXTRA_DIST += tests/unit/igvm/igvmtool.sh docs/igvm.md

# Benchmark: 64 MiB image, parse/load throughput against memcpy.
noinst_PROGRAMS += bench/igvm_bench
bench_igvm_bench_SOURCES = bench/igvm_bench.c
bench_igvm_bench_CPPFLAGS = $(IGVM_CPPFLAGS)
bench_igvm_bench_CFLAGS = $(AM_CFLAGS) -O2
bench_igvm_bench_LDADD = igvm/libparavane-igvm.la

# libFuzzer target: built straight from the library sources with clang.
EXTRA_DIST += tests/fuzz/fuzz_igvm.c tests/fuzz/fuzz_igvm.sh
if HAVE_CLANG
check_DATA += tests/fuzz/fuzz_igvm
CLEANFILES += tests/fuzz/fuzz_igvm
PVN_TESTS += tests/fuzz/fuzz_igvm.sh
tests/fuzz/fuzz_igvm: $(srcdir)/tests/fuzz/fuzz_igvm.c $(addprefix $(srcdir)/,$(IGVM_LIB_SOURCES)) \
		$(srcdir)/igvm/include/paravane/igvm.h $(srcdir)/igvm/include/paravane/igvm_defs.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-g -O1 -std=gnu11 -D_GNU_SOURCE -I$(srcdir)/igvm/include -I$(srcdir)/igvm \
		-o $@ $(srcdir)/tests/fuzz/fuzz_igvm.c \
		$(filter %.c,$(addprefix $(srcdir)/,$(IGVM_LIB_SOURCES)))
endif
