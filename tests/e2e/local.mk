# tests/e2e: the Linux end-to-end tier with Debian's own kernel (long: not
# part of make check).
#   make check-linux   prepare the guest from installed packages, boot it where
#                      /dev/kvm works (here or in the test VM), run the checks
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/init.sh tests/e2e/run-linux
if PLUGIN_VTPM
PVN_E2E_CHECKS ?= hv,vmbus,tpm,tpmhost$(E2E_DISK_CHECKS)
E2E_PLUGINS = plugins/vtpm/vtpm.so
else
PVN_E2E_CHECKS ?= hv,vmbus$(E2E_DISK_CHECKS)
E2E_PLUGINS =
endif
# disk: the nvme plugin's SCSI disks through the guest's own hv_storvsc
# (nvmedisk: one of them on QEMU's emulated NVMe controller in the test VM)
if PLUGIN_NVME
E2E_DISK_CHECKS = ,disk,nvmedisk
E2E_PLUGINS += plugins/nvme/nvme.so
endif
.PHONY: check-linux
check-linux: paravane paravane-sign $(E2E_PLUGINS)
	@$(SHELL) $(srcdir)/tests/e2e/run-linux --srcdir $(srcdir) --builddir $(builddir) \
		--checks $(PVN_E2E_CHECKS)
