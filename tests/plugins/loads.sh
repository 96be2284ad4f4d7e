#!/bin/bash
# The positive controls of refusals.sh, with a guest: a signed plugin loads
# (its constructor leaves the marker) and answers the guest; in permissive
# mode an unsigned one loads too, with a loud warning.
. "$PVN_SRCDIR/tests/plugins/lib.sh"
need_kvm

keygen pub trusted
P='path = "'$T'/p.so"; settings = { port = 0x710; };'

signed "$TP/tp-ok.so" pub "$T/p.so"
cfg ok "{ $P }"
expect_runs signed ok "signed by $KEYID_pub"

cp "$TP/tp-ok.so" "$T/p.so"
cfg perm "{ $P }" 'mode = "permissive";'
expect_runs "unsigned in permissive mode" perm "UNSIGNED plugin loaded"
finish
