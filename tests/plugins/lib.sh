# Shared by the plugin test scripts: paths, a temp dir, keys, VM configs and
# expectations. Sourced, not run.
set -u
B=$(cd "${PVN_BUILDDIR:-.}" && pwd)
S=$(cd "${PVN_SRCDIR:-.}" && pwd)
PARAVANE=$B/paravane
SIGN=$B/paravane-sign
GUEST=$B/tests/guests/plugin.elf
TP=$B/tests/plugins
fails=0

need_kvm() { # for the tests that run guests (kvm: in the Makefile)
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo "SKIP: no usable /dev/kvm"
		exit 77
	fi
}

T=$(mktemp -d /tmp/pvn-plugins-XXXXXX)
trap 'rm -rf "$T"' EXIT
export PVN_TEST_MARKER=$T/marker
export PVN_TEST_FINI_LOG=$T/fini.log
mkdir -p "$T/trust"

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# keygen NAME [trusted]: creates $T/NAME.key/.pub, sets KEYID_NAME
keygen() {
	local out id
	out=$("$SIGN" keygen "$T/$1") || { fail "keygen $1"; return; }
	id=$(echo "$out" | sed -n 's/^key id \([0-9a-f]*\):.*/\1/p')
	eval "KEYID_$1=$id"
	[ "${2:-}" = trusted ] && cp "$T/$1.pub" "$T/trust/"
	return 0
}

# signed SRC.so KEY OUT.so
signed() {
	cp "$1" "$3" && "$SIGN" sign --key "$T/$2.key" "$3" >/dev/null || fail "sign $1"
}

# cfg NAME 'plugin entries' ['policy body']
cfg() {
	local policy="trust_store = \"$T/trust\"; mode = \"enforce\";"
	[ $# -ge 3 ] && policy=$3
	cat >"$T/$1.cfg" <<EOF
name = "$1";
memory = { size_mib = 32; };
boot = { image = "$GUEST"; };
console = { output = "stderr"; };
plugins = ( $2 );
plugin_policy = { $policy };
EOF
}

# expect_refused CASE CFG PATTERN...: paravane run exits 1 before the guest
# runs, says every PATTERN, and no plugin constructor ran. Unless the refusal
# comes from plugin code (ctor_ok set), `paravane check` refuses it too.
expect_refused() {
	local name=$1 cfg=$2 rc p
	shift 2
	rm -f "$PVN_TEST_MARKER" "$PVN_TEST_FINI_LOG"
	PVN_TESTVM=never "$PARAVANE" run "$T/$cfg.cfg" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "$name: exit $rc, expected 1"
	for p in "$@"; do
		grep -qF -- "$p" "$T/out" || fail "$name: output lacks '$p'"
	done
	if [ -z "${ctor_ok:-}" ]; then
		"$PARAVANE" check "$T/$cfg.cfg" >"$T/check.out" 2>&1
		rc=$?
		[ $rc -eq 1 ] || fail "$name: paravane check exits $rc, expected 1"
		for p in "$@"; do
			grep -qF -- "$p" "$T/check.out" || fail "$name: paravane check lacks '$p'"
		done
	fi
	# Claims are made by init, so a clash is found after the constructors ran.
	if [ -z "${ctor_ok:-}" ] && [ -e "$PVN_TEST_MARKER" ]; then
		fail "$name: a refused plugin's constructor ran ($(tr '\n' ' ' <"$PVN_TEST_MARKER"))"
	fi
	echo "ok: $name refused: $(grep -v ': info: ' "$T/out" | grep -m1 -E 'plugins: |paravane: ' | cut -c1-220)"
}

# expect_runs CASE CFG [PATTERN...]: the guest runs to exit 0 with the
# plugin's device, and the plugin's constructor ran.
expect_runs() {
	local name=$1 cfg=$2 rc p
	shift 2
	rm -f "$PVN_TEST_MARKER" "$PVN_TEST_FINI_LOG"
	"$PARAVANE" run "$T/$cfg.cfg" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { fail "$name: exit $rc, expected 0"; sed 's/^/    /' "$T/out" | tail -n 15; }
	[ -e "$PVN_TEST_MARKER" ] || fail "$name: the plugin's constructor did not run"
	for p in "$@"; do
		grep -qF -- "$p" "$T/out" || fail "$name: output lacks '$p'"
	done
	echo "ok: $name runs"
}

# expect_checks_ok CASE CFG: `paravane check` and `paravane plugins` accept
# every plugin of CFG, and neither ran plugin code.
expect_checks_ok() {
	local name=$1 cfg=$2 rc
	rm -f "$PVN_TEST_MARKER"
	"$PARAVANE" check "$T/$cfg.cfg" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { fail "$name: paravane check exits $rc"; sed 's/^/    /' "$T/out"; }
	grep -q "plugin(s) verified" "$T/out" || fail "$name: check did not verify the plugins"
	"$PARAVANE" plugins "$T/$cfg.cfg" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { fail "$name: paravane plugins exits $rc"; sed 's/^/    /' "$T/out"; }
	grep -q "verification: ok" "$T/out" || fail "$name: plugins did not say ok"
	[ -e "$PVN_TEST_MARKER" ] && fail "$name: a check ran plugin code"
	echo "ok: $name passes check and plugins"
}

finish() {
	echo "$fails failure(s)"
	[ $fails -eq 0 ]
}
