# tools: build rules (included from the top-level Makefile.am)

# paravane-sign: publisher keys and plugin signatures (shares the loader's
# signature and manifest code through libpvncore).
bin_PROGRAMS += paravane-sign
paravane_sign_SOURCES = tools/paravane-sign.c
paravane_sign_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(CRYPTO_CFLAGS) $(LIBELF_CFLAGS)
paravane_sign_LDADD = $(PVN_CORE_LIBS)

# The nested test VM for hosts without /dev/kvm (tools/testvm) and the test
# runner that uses it; tests/tools/testvm.sh checks the runner itself.
EXTRA_DIST += tools/testvm tools/run-tests tools/install-deps tests/tools/testvm.sh
PVN_TESTS += tests/tools/testvm.sh
