# tests/e2e: the Linux end-to-end tier (long: not part of make check).
#   make check-linux   build (or reuse) the guest kernel, boot it, run the checks
EXTRA_DIST += tests/e2e/build-kernel tests/e2e/kernel.fragment tests/e2e/patches \
	tests/e2e/init.c tests/e2e/run-linux
if PLUGIN_VTPM
PVN_E2E_CHECKS ?= vmbus,tpm,tpmhost
E2E_PLUGINS = plugins/vtpm/vtpm.so
else
PVN_E2E_CHECKS ?= vmbus
E2E_PLUGINS =
endif
.PHONY: check-linux
check-linux: paravane paravane-sign $(E2E_PLUGINS)
	@$(SHELL) $(srcdir)/tests/e2e/run-linux --srcdir $(srcdir) --builddir $(builddir) \
		--checks $(PVN_E2E_CHECKS)
