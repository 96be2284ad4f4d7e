# plugins: build rules (included from the top-level Makefile.am)
if PLUGIN_VTPM
include $(srcdir)/plugins/vtpm/local.mk
endif
if PLUGIN_VMBUS_NET
include $(srcdir)/plugins/vmbus-net/local.mk
endif
if PLUGIN_NVME
include $(srcdir)/plugins/nvme/local.mk
endif
