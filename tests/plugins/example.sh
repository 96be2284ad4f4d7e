#!/bin/bash
# The example third-party plugin builds out of tree against the headers and
# pkg-config file that `make install DESTDIR=...` puts in a staging dir, is
# signed with the installed paravane-sign, and answers a guest.
. "$PVN_SRCDIR/tests/plugins/lib.sh"
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }

dest=$T/dest
make -C "$B" install DESTDIR="$dest" >"$T/install.log" 2>&1 ||
	{ tail -n 20 "$T/install.log"; fail "make install DESTDIR=$dest"; finish; exit 1; }
pc=$(find "$dest" -name paravane-plugin.pc | head -1)
hdr=$(find "$dest" -path '*/include/paravane/plugin.h' | head -1)
sign=$(find "$dest" -path '*/bin/paravane-sign' | head -1)
[ -n "$pc" ] && [ -n "$hdr" ] && [ -n "$sign" ] || { fail "install lacks pc/header/paravane-sign"; finish; exit 1; }
echo "installed: $pc $hdr $sign"

# A third party's checkout: a copy outside the Paravane tree.
cp -r "$S/examples/plugin-hello" "$T/hello"
rm -f "$T/hello/hello.so"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest
echo "cflags: $(pkg-config --cflags paravane-plugin)"
make -C "$T/hello" PARAVANE_SIGN="$sign" >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "example build"; }
grep -q -- "-I$dest" "$T/build.log" || fail "example did not build against the staged headers"
make -C "$T/hello" PARAVANE_SIGN="$sign" keys sign >"$T/sign.log" 2>&1 || { cat "$T/sign.log"; fail "example keys+sign"; }
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
nm -D --defined-only "$T/hello/hello.so" | grep -qw pvn_plugin_descriptor || fail "no descriptor exported"
extern=$(nm -D --undefined-only "$T/hello/hello.so" | awk '$1 == "U" && $2 !~ /@GLIBC/')
[ -z "$extern" ] || fail "the plugin needs symbols from something other than libc: $extern"
"$sign" show "$T/hello/hello.so"
"$sign" verify --key "$T/hello/publisher.pub" "$T/hello/hello.so" || fail "verify"

need_kvm
cp "$T/hello/publisher.pub" "$T/trust/"
cfg hello "{ path = \"$T/hello/hello.so\"; settings = { port = 0x710; greeting = \"Hello, guest!\"; }; }"
"$PARAVANE" plugins "$T/hello.cfg" || fail "paravane plugins"
rm -f "$PVN_TEST_MARKER"
"$PARAVANE" run "$T/hello.cfg" >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ $rc -eq 0 ] || fail "the guest did not pass with the hello plugin (exit $rc)"
grep -qF "hello: greeting on ports 0x710-0x711" "$T/out" || fail "hello did not log"
finish
