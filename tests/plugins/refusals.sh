#!/bin/bash
# Every way a plugin must be refused, before any of its code runs: the test
# plugin's constructor writes a marker file, which must stay absent. The
# checks run before the runtime touches the hypervisor, so this needs no
# /dev/kvm: `paravane run`, `check` and `plugins` must all refuse. (The
# positive controls that run a guest with the plugin are in loads.sh.)
. "$PVN_SRCDIR/tests/plugins/lib.sh"

keygen pub trusted
keygen stranger
keygen leaked trusted
P='path = "'$T'/p.so"; settings = { port = 0x710; };'

# The positive control: a signed plugin passes every static check.
signed "$TP/tp-ok.so" pub "$T/p.so"
cfg ok "{ $P }"
expect_checks_ok signed ok
"$SIGN" verify --key "$T/pub.pub" "$T/p.so" >/dev/null || fail "verify --key of a good plugin"
"$SIGN" verify --trust "$T/trust" "$T/p.so" >/dev/null || fail "verify --trust of a good plugin"
cp "$T/p.so" "$T/good.so"

cp "$TP/tp-ok.so" "$T/p.so"
expect_refused unsigned ok "not signed" "$T/p.so"
"$SIGN" verify --trust "$T/trust" "$T/p.so" >/dev/null 2>&1 && fail "verify accepted an unsigned plugin"

# One flipped byte: ELF header, program/section headers, code, data, and
# every field of the trailer.
size=$(stat -c %s "$T/good.so")
section_offset() { # the file offset of section $1 in good.so
	echo $((16#$(readelf -SW "$T/good.so" |
		awk -v s="$1" '{ for (i = 1; i < NF; i++) if ($i == s) print $(i + 3) }')))
}
text=$(section_offset .text)
dynsym=$(section_offset .dynsym)
tr=$((size - 96))
for pos in 1 4 24 40 64 $((dynsym + 8)) $((text + 16)) $((size / 2)) $((tr - 1)) \
	$((tr + 5)) $((tr + 63)) $((tr + 66)) $((tr + 72)) $((tr + 77)) $((tr + 84)) $((size - 1)); do
	cp "$T/good.so" "$T/p.so"
	b=$(od -An -tu1 -j $pos -N1 "$T/p.so" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 0x20)))" | dd of="$T/p.so" bs=1 seek=$pos conv=notrunc status=none
	cmp -s "$T/good.so" "$T/p.so" && fail "flip at $pos did not change the file"
	expect_refused "byte $pos of $size flipped" ok "$T/p.so"
	"$SIGN" verify --trust "$T/trust" "$T/p.so" >/dev/null 2>&1 && fail "verify accepted flip at $pos"
done

signed "$TP/tp-ok.so" stranger "$T/p.so"
expect_refused "untrusted key" ok "signed by key $KEYID_stranger, which is not in the trust store"

signed "$TP/tp-ok.so" leaked "$T/p.so"
echo "key $KEYID_leaked  # leaked" >"$T/revoked"
cfg revkey "{ $P }" "trust_store = \"$T/trust\"; revocation_list = \"$T/revoked\";"
expect_refused "revoked key" revkey "signed by key $KEYID_leaked, which is revoked in $T/revoked"
"$SIGN" verify --trust "$T/trust" --revocations "$T/revoked" "$T/p.so" >/dev/null 2>&1 &&
	fail "verify accepted a revoked key"

signed "$TP/tp-ok.so" pub "$T/p.so"
printf '# digests\nsha256 %s\n' "$(sha256sum "$T/p.so" | cut -d' ' -f1)" >"$T/revoked"
expect_refused "revoked digest" revkey "revoked: its sha256 is listed in $T/revoked"

signed "$TP/tp-abi2.so" pub "$T/p.so"
expect_refused "ABI major too new" ok "built for plugin ABI 2." "this runtime provides ABI 1."
signed "$TP/tp-abi0.so" pub "$T/p.so"
expect_refused "ABI major too old" ok "built for plugin ABI 0."
signed "$TP/tp-trunc.so" pub "$T/p.so"
expect_refused "truncated descriptor" ok "truncated descriptor: struct_size 8"
signed "$TP/tp-nodesc.so" pub "$T/p.so"
expect_refused "missing descriptor" ok "does not export the descriptor symbol 'pvn_plugin_descriptor'"
signed "$TP/tp-mismatch.so" pub "$T/p.so"
expect_refused "manifest disagrees with descriptor" ok \
	"the manifest names the plugin 'impostor' but the descriptor names it 'testplug'"

# Development mode: unsigned passes (loads.sh runs it). Broken signatures still do not.
cp "$TP/tp-ok.so" "$T/p.so"
cfg perm "{ $P }" 'mode = "permissive";'
expect_checks_ok "unsigned in permissive mode" perm
cp "$T/good.so" "$T/p.so"
printf 'X' | dd of="$T/p.so" bs=1 seek=$((size / 2)) conv=notrunc status=none
cfg perm2 "{ $P }" "trust_store = \"$T/trust\"; mode = \"permissive\";"
expect_refused "tampered in permissive mode" perm2 "signature does not verify"

# paravane plugins: lists without running anything.
cp "$T/good.so" "$T/p.so"
cp "$TP/tp-ok.so" "$T/u.so"
cfg list "{ $P }, { path = \"$T/u.so\"; }, { path = \"$T/u.so\"; enabled = false; }"
rm -f "$PVN_TEST_MARKER"
"$PARAVANE" plugins "$T/list.cfg" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "plugins: exit $rc, expected 1 (one plugin is unsigned)"
grep -q "signer: key $KEYID_pub (trusted)" "$T/out" || fail "plugins: no signer line"
grep -q "name testplug, version 0.1.0, ABI 1.3" "$T/out" || fail "plugins: no manifest line"
grep -q "verification: ok" "$T/out" || fail "plugins: no ok line"
grep -q "verification: REFUSED: .*not signed" "$T/out" || fail "plugins: no refusal line"
grep -q "disabled" "$T/out" || fail "plugins: no disabled line"
[ -e "$PVN_TEST_MARKER" ] && fail "plugins ran plugin code"
cat "$T/out"
finish
