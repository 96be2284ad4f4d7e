/* SPDX-License-Identifier: MIT */
/*
 * Host-side access to the vTPM: a small server that speaks the TPM command
 * protocols of tpm2-tss's TCTIs, so tpm2-tools and tpm2-tss programs on the
 * host can provision and inspect the TPM the guest uses. Off unless asked
 * for (the plugin's `host_socket` / `host_port` settings).
 *
 * Listeners (each optional):
 *  - TCP 127.0.0.1:PORT (command channel) and 127.0.0.1:PORT+1 (platform
 *    channel): `mssim:host=127.0.0.1,port=PORT`, or
 *    `swtpm:host=127.0.0.1,port=PORT`. Loopback only.
 *  - Unix socket PATH (command channel) and PATH.ctrl (platform channel),
 *    both mode 0600: `mssim:path=PATH` or `swtpm:path=PATH`.
 *
 * Command channel: the protocol is picked per connection from its first
 * byte. 0x00: Microsoft simulator framing (u32 TPM_SEND_COMMAND = 8, u8
 * locality, u32 size, command; answered u32 size, response, u32 0;
 * TPM_SESSION_END = 20 closes). 0x80: raw TPM commands (tag 0x8001/0x8002,
 * as tss2-tcti-swtpm sends them), answered with the raw response. All
 * integers big-endian. Locality other than 0 is answered TPM_RC_LOCALITY.
 *
 * Platform channel (mssim): POWER_ON 1, POWER_OFF 2, PP_ON/OFF 3/4,
 * CANCEL_ON/OFF 9/10, NV_ON/OFF 11/12, STOP 21 are answered with a u32 0 and
 * have no effect: the TPM's power belongs to the VM (the guest's TPM is
 * never reset by the host). SESSION_END 20 closes. Of the swtpm control
 * channel, CMD_SET_LOCALITY (u32 5, u8 locality; tss2-tcti-swtpm sends it
 * on init) is answered 0 for locality 0 and TPM_BAD_LOCALITY otherwise;
 * its other control commands are not supported.
 *
 * Errors (each logged, rate-limited, counted; the server keeps serving other
 * and later connections): a frame size outside 10..PVN_VTPM_MAX_BUF, an
 * unknown command code, an unknown protocol byte, a frame truncated by EOF,
 * or a partial frame left pending longer than idle_timeout_ms close that
 * connection. A TPM header whose size disagrees with the frame is answered
 * TPM_RC_COMMAND_SIZE; an engine failure TPM_RC_FAILURE.
 *
 * Threading: the server runs on its own thread (poll()), not on the runtime
 * event loop, because a TPM command (an RSA key generation in libtpms) can
 * take seconds and must not stall the VM's loop. Commands go through
 * pvn_vtpm_crb_host_transmit, i.e. under the CRB device lock, so a host
 * command never interleaves with a guest command. Connections are served
 * one command at a time, non-blocking, so one slow client does not block
 * another except while its command runs.
 */
#ifndef PVN_VTPM_HOST_SOCKET_H
#define PVN_VTPM_HOST_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "plugins/vtpm/crb.h"

struct pvn_vtpm_hostsock_cfg {
	const char *unix_path;    /* NULL: no Unix socket */
	int tcp_port;             /* <0: no TCP; 0: pick a free pair; N: N and N+1 */
	unsigned max_conns;       /* 0: 16 */
	unsigned idle_timeout_ms; /* a partial frame pending this long closes; 0: 30000 */
};

struct pvn_vtpm_hostsock_stats {
	uint64_t connections; /* accepted */
	uint64_t refused;     /* accepted and closed at once: too many connections */
	uint64_t commands;    /* TPM commands executed */
	uint64_t platform;    /* platform-channel commands answered */
	uint64_t bad_frames;  /* connections closed for a protocol error */
};

struct pvn_vtpm_hostsock;

/* Create the listeners and start the server thread. crb must outlive the
 * server. On failure returns a negative errno with the reason in err. */
int pvn_vtpm_hostsock_start(struct pvn_vtpm_crb *crb, const struct pvn_vtpm_hostsock_cfg *cfg,
                            struct pvn_vtpm_hostsock **out, char *err, size_t errlen);
/* The TCP command port (the platform port is this + 1), or -1. */
int pvn_vtpm_hostsock_port(const struct pvn_vtpm_hostsock *s);
void pvn_vtpm_hostsock_get_stats(struct pvn_vtpm_hostsock *s, struct pvn_vtpm_hostsock_stats *out);
/* Stop and join the thread, close every connection, remove the Unix
 * sockets. NULL is fine. */
void pvn_vtpm_hostsock_stop(struct pvn_vtpm_hostsock *s);

#endif
