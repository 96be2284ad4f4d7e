include $(srcdir)/tests/guests/local.mk
