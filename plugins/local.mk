# plugins: build rules (included from the top-level Makefile.am)

# How an in-tree plugin .so is compiled and linked: plain -shared -fPIC with
# hidden visibility (only the descriptor is exported), no sanitizers and no
# runtime library, every symbol resolved at link time. Use as
#   $(PLUGIN_SO_CC) $(MY_CFLAGS) -o $@ SOURCES $(MY_LIBS) $(PLUGIN_SO_LIBS)
PLUGIN_SO_CC = $(CC) -std=gnu11 -O2 -g -fPIC -shared -fvisibility=hidden -D_GNU_SOURCE \
	$(WARN_CFLAGS) -I$(srcdir) -I$(srcdir)/plugin-api/include
PLUGIN_SO_LIBS = -lpthread -Wl,--no-undefined
if PLUGIN_VTPM
include $(srcdir)/plugins/vtpm/local.mk
endif
if PLUGIN_VMBUS_NET
include $(srcdir)/plugins/vmbus-net/local.mk
endif
if PLUGIN_NVME
include $(srcdir)/plugins/nvme/local.mk
endif
