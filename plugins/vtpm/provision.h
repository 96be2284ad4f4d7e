/* SPDX-License-Identifier: MIT */
/*
 * `paravane vtpm provision`: provision a TPM 2.0 the way a cloud vTPM is
 * provisioned, through any tpm2-tss TCTI (a running vTPM's host socket, a
 * swtpm, ...). Built on ESAPI and OpenSSL; see docs/vtpm.md.
 *
 * Pure C interface so runtime/main.c needs neither tss2 nor OpenSSL headers.
 */
#ifndef PVN_VTPM_PROVISION_H
#define PVN_VTPM_PROVISION_H

#include <stdio.h>

/* argv[0] is "vtpm"; argv[1] the subcommand ("provision"). Returns the
 * process exit status (0 ok, 1 failure, 2 usage). */
int pvn_vtpm_cli_main(int argc, char **argv);
/* The lines `paravane --help` shows for the vtpm commands. */
void pvn_vtpm_cli_usage(FILE *f);

#endif
