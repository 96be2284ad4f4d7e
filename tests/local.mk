include $(srcdir)/tests/unit/local.mk
include $(srcdir)/tests/guests/local.mk
include $(srcdir)/tests/plugins/local.mk
include $(srcdir)/tests/e2e/local.mk
