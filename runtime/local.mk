# runtime/: the paravane binary. Everything except main.c also goes into
# libpvncore.a, which the tests and benchmarks link.
noinst_LIBRARIES += runtime/libpvncore.a
runtime_libpvncore_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBELF_CFLAGS) $(CRYPTO_CFLAGS) \
	-I$(top_srcdir)/igvm/include
runtime_libpvncore_a_SOURCES = \
	runtime/core/log.c runtime/core/log.h \
	runtime/core/loop.c runtime/core/loop.h \
	runtime/backend/backend.h runtime/backend/kvm.c \
	runtime/mem/mem.c runtime/mem/mem.h \
	runtime/irq/irq.c runtime/irq/irq.h \
	runtime/vp/intercept.c runtime/vp/intercept.h \
	runtime/vp/vp.c runtime/vp/fallback.c runtime/vp/fallback.h \
	runtime/vm.c runtime/vm.h \
	runtime/chipset/chipset.h runtime/chipset/uart.c runtime/chipset/power.c \
	runtime/config/config.c runtime/config/config.h \
	runtime/boot/boot.c runtime/boot/boot.h \
	runtime/boot/igvm_boot.c runtime/boot/igvm_boot.h \
	igvm/igvm.c igvm/igvm_write.c igvm/igvm_load.c igvm/igvm_internal.h \
	runtime/hv/hv.c runtime/hv/hv.h runtime/hv/hv_protocol.h \
	runtime/instance.c runtime/instance.h

PVN_CORE_LIBS = runtime/libpvncore.a $(LIBCONFIG_LIBS) $(LIBELF_LIBS) $(CRYPTO_LIBS) -lpthread -ldl

bin_PROGRAMS += paravane
paravane_SOURCES = runtime/main.c
paravane_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
paravane_LDADD = $(PVN_CORE_LIBS)
if PLUGIN_VTPM
# `paravane vtpm provision` (plugins/vtpm/provision.c): tss2-esys/tctildr, OpenSSL
paravane_CFLAGS += -DPVN_HAVE_VTPM_CLI
paravane_LDADD += $(PVN_VTPM_PROV_LIBS)
endif

include $(srcdir)/runtime/plugin/local.mk
include $(srcdir)/runtime/acpi/local.mk
include $(srcdir)/runtime/vmbus/local.mk
