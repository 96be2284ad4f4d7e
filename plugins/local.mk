# plugins: build rules (included from the top-level Makefile.am)
if PLUGIN_VTPM
include $(srcdir)/plugins/vtpm/local.mk
endif
