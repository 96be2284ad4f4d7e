# tests/e2e: the Linux end-to-end tier with Debian's own kernel (long: not
# part of make check).
#   make check-linux   prepare the guest from installed packages, boot it where
#                      /dev/kvm works (here or in the test VM), run the checks
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/init.sh tests/e2e/run-linux
E2E_CHECKS = hv,vmbus
E2E_PLUGINS =
if PLUGIN_VTPM
E2E_CHECKS += ,tpm,tpmhost
E2E_PLUGINS += plugins/vtpm/vtpm.so
endif
if PLUGIN_VMBUS_NET
E2E_CHECKS += ,net
E2E_PLUGINS += plugins/vmbus-net/vmbus-net.so
endif
# disk: the nvme plugin's SCSI disks through the guest's own hv_storvsc
# (file back end; nvmedisk: a boot of its own with the NVMe back end, on
# QEMU's emulated NVMe controller in the test VM)
if PLUGIN_NVME
E2E_CHECKS += ,disk,nvmedisk
E2E_PLUGINS += plugins/nvme/nvme.so
endif
PVN_E2E_CHECKS ?= $(subst $(eval) ,,$(E2E_CHECKS))
.PHONY: check-linux
check-linux: paravane paravane-sign $(E2E_PLUGINS)
	@$(SHELL) $(srcdir)/tests/e2e/run-linux --srcdir $(srcdir) --builddir $(builddir) \
		--checks $(PVN_E2E_CHECKS)
