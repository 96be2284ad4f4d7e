#!/bin/bash
# tpm2-tools and `paravane vtpm provision` against a vTPM served on its host
# socket: the libtpms engine + CRB device + host socket server, run by
# tests/unit/test_vtpm_hostsock serve (no VM). Checks: startup, getrandom,
# pcrread over mssim (TCP) and swtpm/mssim (Unix socket); provision writes
# EK certificates that tpm2_nvread reads back and `openssl verify` accepts
# against the operator CA, whose keys match the persistent EKs; PCR bank
# allocation takes effect after a TPM reset (server restart on the same
# state); garbage on the socket is survived. Skips (77) without tpm2-tools.
set -u
B=$(cd "${PVN_BUILDDIR:-.}" && pwd)
SERVER=$B/tests/unit/test_vtpm_hostsock
PARAVANE=$B/paravane
for t in tpm2_startup tpm2_getrandom tpm2_pcrread tpm2_nvread tpm2_nvreadpublic tpm2_readpublic \
	tpm2_getcap openssl; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t not installed (tpm2-tools, openssl)"
		exit 77
	fi
done
if ! [ -x "$SERVER" ] || ! [ -x "$PARAVANE" ]; then
	echo "SKIP: $SERVER or $PARAVANE not built"
	exit 77
fi

T=$(mktemp -d /tmp/pvn-vtpm-hs-XXXXXX)
pid=
stop_server() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop_server; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { # run TIMEOUT CMD...: echo, run bounded, keep output in $T/out
	local t=$1; shift
	echo "+ $*"
	timeout "$t" "$@" >"$T/out" 2>&1
	local rc=$?
	sed 's/^/    /' "$T/out"
	[ -s "$T/out" ] && [ -n "$(tail -c 1 "$T/out")" ] && echo
	return $rc
}

start_server() {
	rm -f "$T/port"
	"$SERVER" serve "$T/port" "$T/tpm.sock" "$T/tpm.state" 2>"$T/server.log" &
	pid=$!
	for _ in $(seq 300); do [ -s "$T/port" ] && break; sleep 0.1; done
	if ! [ -s "$T/port" ]; then
		cat "$T/server.log"
		echo "FAIL: server did not start"
		exit 1
	fi
	PORT=$(cat "$T/port")
	export TPM2TOOLS_TCTI=mssim:host=127.0.0.1,port=$PORT
	echo "vTPM served on 127.0.0.1:$PORT (platform $((PORT + 1))) and $T/tpm.sock"
}

# The operator CA: an ECDSA P-256 key and a self-signed certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
	-out "$T/ca.pem" -subj "/O=Paravane test/CN=Paravane test EK CA" -days 2 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	>/dev/null 2>&1 || { echo "FAIL: openssl req"; exit 1; }

start_server
[ "$(stat -c %a "$T/tpm.sock")" = 600 ] || fail "socket mode $(stat -c %a "$T/tpm.sock")"
[ "$(stat -c %a "$T/tpm.sock.ctrl")" = 600 ] || fail "ctrl socket mode"

run 60 tpm2_startup -c || fail "tpm2_startup -c"
run 60 tpm2_getrandom --hex 8 || fail "tpm2_getrandom 8"
grep -Eq '^[0-9a-f]{16}$' "$T/out" || fail "tpm2_getrandom output"
run 60 tpm2_pcrread sha256:16 || fail "tpm2_pcrread sha256:16"
grep -q "16: 0x0000000000000000000000000000000000000000000000000000000000000000" "$T/out" ||
	fail "PCR 16 not zero"
TPM2TOOLS_TCTI=swtpm:path=$T/tpm.sock run 60 tpm2_getrandom --hex 8 ||
	fail "tpm2_getrandom over swtpm:path"
TPM2TOOLS_TCTI=mssim:path=$T/tpm.sock run 60 tpm2_pcrread sha256:0 ||
	fail "tpm2_pcrread over mssim:path"

# Garbage and an oversized frame on the command port: that connection is
# closed, the server keeps serving.
printf 'GET / HTTP/1.0\r\n\r\n' >/dev/tcp/127.0.0.1/$PORT 2>/dev/null
printf '\x00\x00\x00\x08\x00\x7f\xff\xff\xff' >/dev/tcp/127.0.0.1/$PORT 2>/dev/null
sleep 0.3
run 60 tpm2_getrandom --hex 8 || fail "not serving after garbage"
grep -q "unknown protocol" "$T/server.log" || fail "garbage not logged"
grep -q "command size 2147483647 outside" "$T/server.log" || fail "oversized frame not logged"

# Provision through the host socket.
run 180 "$PARAVANE" vtpm provision --tcti "$TPM2TOOLS_TCTI" --ca-key "$T/ca.key" \
	--ca-cert "$T/ca.pem" --pcr-banks sha256 || fail "paravane vtpm provision"
for kind in rsa:0x01c00002:0x81010001:"Key Encipherment" ecc:0x01c0000a:0x81010002:"Key Agreement"; do
	IFS=: read -r alg nv handle usage <<<"$kind"
	run 60 tpm2_nvread "$nv" -o "$T/ek_$alg.der" || { fail "tpm2_nvread $nv"; continue; }
	run 60 tpm2_nvreadpublic "$nv" || fail "tpm2_nvreadpublic $nv"
	grep -q "ppwrite" "$T/out" && grep -q "writedefine" "$T/out" && grep -q "authread" "$T/out" ||
		fail "NV $nv attributes"
	openssl x509 -inform DER -in "$T/ek_$alg.der" -out "$T/ek_$alg.pem" || fail "$alg: not X.509 DER"
	run 30 openssl verify -CAfile "$T/ca.pem" "$T/ek_$alg.pem" || fail "openssl verify ($alg EK)"
	run 30 openssl x509 -in "$T/ek_$alg.pem" -noout -text || fail "x509 -text"
	grep -q "Version: 3" "$T/out" || fail "$alg: not v3"
	grep -q "CA:FALSE" "$T/out" || fail "$alg: basicConstraints"
	grep -q "$usage" "$T/out" || fail "$alg: key usage $usage"
	grep -q "Issuer: O = Paravane test, CN = Paravane test EK CA" "$T/out" || fail "$alg: issuer"
	# The certified key is the persistent EK.
	run 60 tpm2_readpublic -c "$handle" -f pem -o "$T/ek_$alg.pub.pem" || fail "readpublic $handle"
	openssl x509 -in "$T/ek_$alg.pem" -noout -pubkey >"$T/cert_$alg.pub.pem"
	cmp -s <(openssl pkey -pubin -in "$T/ek_$alg.pub.pem" -outform DER 2>/dev/null) \
		<(openssl pkey -pubin -in "$T/cert_$alg.pub.pem" -outform DER 2>/dev/null) ||
		fail "$alg: certificate key is not the EK at $handle"
done

# Bad arguments are refused without touching the TPM.
"$PARAVANE" vtpm provision --tcti "$TPM2TOOLS_TCTI" --ca-key "$T/ca.key" --ca-cert "$T/ca.pem" \
	--pcr-banks md5 >/dev/null 2>&1 && fail "unknown PCR bank accepted"
"$PARAVANE" vtpm provision --tcti "$TPM2TOOLS_TCTI" --ca-key "$T/ca.pem" --ca-cert "$T/ca.pem" \
	>/dev/null 2>&1 && fail "a certificate as CA key accepted"
"$PARAVANE" --help | grep -q "vtpm provision" || fail "--help does not list vtpm provision"

# TPM reset (restart on the same state): only sha256 is allocated now, the
# certificates survive.
stop_server
start_server
run 60 tpm2_startup -c || fail "tpm2_startup after restart"
run 60 tpm2_getcap pcrs || fail "tpm2_getcap pcrs"
grep -Eq 'sha1: *\[ *\]' "$T/out" || fail "sha1 bank still allocated"
grep -Eq 'sha256: *\[ *0, 1' "$T/out" || fail "sha256 bank not allocated"
run 60 tpm2_nvread 0x01c00002 -o "$T/ek_rsa2.der" && cmp -s "$T/ek_rsa.der" "$T/ek_rsa2.der" ||
	fail "EK certificate lost across the restart"

# Provisioning again (replaces the EKs' certificates, brings sha1 back).
run 180 "$PARAVANE" vtpm provision --tcti "$TPM2TOOLS_TCTI" --ca-key "$T/ca.key" \
	--ca-cert "$T/ca.pem" --pcr-banks sha1,sha256 || fail "second provision"
run 60 tpm2_nvread 0x01c00002 -o "$T/ek_rsa3.der" || fail "nvread after re-provision"
cmp -s "$T/ek_rsa.der" "$T/ek_rsa3.der" && fail "re-provision did not issue a new certificate"

stop_server
echo "--- server log"
cat "$T/server.log"
if [ $fails -gt 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "ok"
