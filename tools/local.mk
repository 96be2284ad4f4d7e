# tools: build rules (included from the top-level Makefile.am)

# paravane-sign: publisher keys and plugin signatures (shares the loader's
# signature and manifest code through libpvncore).
bin_PROGRAMS += paravane-sign
paravane_sign_SOURCES = tools/paravane-sign.c
paravane_sign_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(CRYPTO_CFLAGS) $(LIBELF_CFLAGS)
paravane_sign_LDADD = $(PVN_CORE_LIBS)
