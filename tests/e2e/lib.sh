# tests/e2e/lib.sh: the pieces of an end-to-end test with Debian's own,
# unmodified kernel as the guest. Sourced, not run. Needs only installed
# packages (linux-image-amd64, busybox-static, cpio, gzip): no compiler and
# no kernel source.
#
#   e2e_kernel            sets E2E_KVER, E2E_KPKG and E2E_VMLINUZ: the kernel
#                         linux-image-amd64 depends on, after checking
#                         /boot/vmlinuz-* against the package's own md5sums
#   e2e_initrd OUT INIT [--module NAME]... [--file SRC:DST]...
#                         an initramfs (newc, gzip) with busybox-static at
#                         /bin/busybox, INIT as /init, each NAME with the
#                         modules it depends on (from the same kernel
#                         package, each checked against its md5sums, listed
#                         in load order in /etc/pvn-modules), and extra files
#   e2e_sign_plugin SO OUTDIR
#                         signs a copy of SO with a throw-away key whose
#                         public half is the only key in OUTDIR/keys;
#                         prints the signed copy's path
#   e2e_guest_lines LOG PREFIX
#                         the guest's "PREFIX ..." lines from a serial log
#                         (carriage returns dropped)
#
# Guest protocol (tests/e2e/init.sh and tests that write their own /init):
# lines on the serial console starting with PVN- are for the host;
# "PVN-CHECK name: ok|FAILED: why" is a verdict the guest reached alone,
# "PVN-FACT key value..." a fact the host compares with what it knows.

e2e_die() {
	echo "e2e: $*" >&2
	exit 1
}

e2e_kernel() {
	local dep md5file want got
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) ||
		e2e_die "linux-image-amd64 is not installed (tools/install-deps installs it)"
	E2E_KPKG=$(echo "$dep" | sed -n 's/^\(linux-image-[^ ,]*\).*/\1/p')
	[ -n "$E2E_KPKG" ] || e2e_die "cannot tell which kernel linux-image-amd64 depends on ('$dep')"
	E2E_KVER=${E2E_KPKG#linux-image-}
	E2E_VMLINUZ=/boot/vmlinuz-$E2E_KVER
	md5file=/var/lib/dpkg/info/$E2E_KPKG.md5sums
	[ -r "$md5file" ] || e2e_die "no $md5file: is $E2E_KPKG installed?"
	want=$(awk -v f="boot/vmlinuz-$E2E_KVER" '$2 == f { print $1 }' "$md5file")
	got=$(md5sum <"$E2E_VMLINUZ" | cut -d' ' -f1)
	[ -n "$want" ] && [ "$want" = "$got" ] ||
		e2e_die "$E2E_VMLINUZ (md5 $got) is not the file $E2E_KPKG shipped (md5 ${want:-none})"
	E2E_KPKG_VERSION=$(dpkg-query -W -f='${Version}' "$E2E_KPKG")
	E2E_KMD5=$got
	export E2E_KVER E2E_KPKG E2E_VMLINUZ E2E_KPKG_VERSION E2E_KMD5
}

# e2e_module_files NAME...: the .ko files for NAME and its dependencies, in
# load order, each checked against the kernel package's md5sums. Returns 1
# (and says why) when one is missing or differs.
e2e_module_files() {
	local md5file=/var/lib/dpkg/info/$E2E_KPKG.md5sums m deps verb path rel want got
	local -a list=()
	for m in "$@"; do
		deps=$(modprobe -S "$E2E_KVER" --show-depends "$m" 2>&1) ||
			{ echo "e2e: module $m is not in $E2E_KPKG: $deps" >&2; return 1; }
		while read -r verb path _; do
			[ "$verb" = insmod ] || continue
			[[ " ${list[*]} " == *" $path "* ]] || list+=("$path")
		done <<<"$deps"
	done
	for path in "${list[@]}"; do
		rel=${path#/}
		rel=${rel#usr/}
		want=$(awk -v f="$rel" '$2 == f { print $1 }' "$md5file")
		got=$(md5sum <"$path" | cut -d' ' -f1)
		if [ -z "$want" ] || [ "$want" != "$got" ]; then
			echo "e2e: $path (md5 $got) is not the file $E2E_KPKG shipped" >&2
			return 1
		fi
		echo "$path"
	done
}

e2e_initrd() {
	local out=$1 init=$2 work busybox f src dst
	shift 2
	local mods=() files=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--module) mods+=("$2"); shift 2 ;;
		--file) files+=("$2"); shift 2 ;;
		*) e2e_die "e2e_initrd: unknown argument $1" ;;
		esac
	done
	[ -n "${E2E_KVER:-}" ] || e2e_kernel
	busybox=
	for f in /usr/bin/busybox /bin/busybox; do
		if [ -x "$f" ] && ! readelf -lW "$f" 2>/dev/null | grep -q INTERP; then busybox=$f; break; fi
	done
	[ -n "$busybox" ] || e2e_die "no static busybox (Debian package busybox-static)"
	work=$(mktemp -d "${TMPDIR:-/tmp}/pvn-e2e-initrd.XXXXXX")
	mkdir -p "$work"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,lib/modules/"$E2E_KVER"}
	cp "$busybox" "$work/bin/busybox"
	ln -s busybox "$work/bin/sh"
	cp "$init" "$work/init"
	chmod 755 "$work/init"
	: >"$work/etc/pvn-modules"
	if [ ${#mods[@]} -gt 0 ]; then
		e2e_module_files "${mods[@]}" >"$work/mods.list" || { rm -rf "$work"; e2e_die "cannot collect the modules"; }
		while read -r f; do
			cp "$f" "$work/lib/modules/$E2E_KVER/"
			echo "/lib/modules/$E2E_KVER/$(basename "$f")" >>"$work/etc/pvn-modules"
		done <"$work/mods.list"
		rm -f "$work/mods.list"
	fi
	for f in "${files[@]}"; do
		src=${f%%:*}
		dst=${f#*:}
		mkdir -p "$work/$(dirname "$dst")"
		cp -a "$src" "$work/$dst"
	done
	(cd "$work" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" &&
		mv "$out.tmp" "$out"
	local rc=$?
	rm -rf "$work"
	[ $rc -eq 0 ] || e2e_die "cannot write $out"
}

e2e_sign_plugin() {
	local so=$1 dir=$2 sign=${PVN_BUILDDIR:-.}/paravane-sign
	rm -rf "$dir/keys" && mkdir -p "$dir/keys"
	"$sign" keygen "$dir/keys/e2e" >/dev/null || e2e_die "paravane-sign keygen failed"
	cp "$so" "$dir/$(basename "$so")"
	"$sign" sign --key "$dir/keys/e2e.key" "$dir/$(basename "$so")" >/dev/null ||
		e2e_die "paravane-sign sign failed"
	rm -f "$dir/keys/e2e.key" # only the public key stays in the trust store
	echo "$dir/$(basename "$so")"
}

e2e_guest_lines() {
	tr -d '\r' <"$1" | sed -n "s/^$2 //p"
}
