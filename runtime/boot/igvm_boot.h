/* SPDX-License-Identifier: MIT */
/*
 * IGVM boot (boot = { igvm = "FILE"; }), see runtime/boot/igvm_boot.c and
 * docs/igvm.md, "Booting".
 */
#ifndef PVN_BOOT_IGVM_H
#define PVN_BOOT_IGVM_H

struct pvn_vm;

/*
 * Load the IGVM file at path into vm for the NATIVE platform: page data into
 * VTL0 RAM, parameter areas filled from the VM (VP count, memory map, MMIO
 * hole, MADT, cmdline or, when NULL, the image's own command line), VP
 * contexts into the VPs. Call after ACPI and plugins have claimed their
 * memory. On a refusal returns a negative errno and leaves the reason,
 * naming the IGVM header, in vm->mem.error (also logged).
 */
int pvn_boot_igvm(struct pvn_vm *vm, const char *path, const char *cmdline);

#endif
