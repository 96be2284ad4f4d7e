include $(srcdir)/tests/unit/local.mk
include $(srcdir)/tests/guests/local.mk
