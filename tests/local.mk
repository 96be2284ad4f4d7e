include $(srcdir)/tests/unit/local.mk
include $(srcdir)/tests/guests/local.mk
include $(srcdir)/tests/plugins/local.mk
