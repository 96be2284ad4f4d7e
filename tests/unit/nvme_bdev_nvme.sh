#!/bin/bash
# The nvme plugin's NVMe back end on QEMU's emulated NVMe controller: boots
# the test VM with `tools/testvm --nvme FILE` (a 64 MiB backing file on the
# host), runs tests/unit/nvme_bdev_nvme against /dev/ng0n1 in it, then checks
# on the host that the 1 MiB written through NVMe Write is in the file at
# LBA 2048 (SHA-256 of both) and that the deallocated range reads zeros.
set -u
S=$(cd "${PVN_SRCDIR:-.}" && pwd)
B=$(cd "${PVN_BUILDDIR:-.}" && pwd)
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
[ -n "${PVN_TESTVM_INSIDE:-}" ] && { echo "SKIP: already inside a test VM (it has no NVMe controller)"; exit 77; }
W=$(mktemp -d "$B/tests/nvme-bdev.XXXXXX")
trap 'rm -rf "$W"' EXIT
truncate -s 64M "$W/ns.img"
"$S/tools/testvm" -q --timeout 300 --nvme "$W/ns.img" -- \
	"$B/tests/unit/nvme_bdev_nvme" /dev/ng0n1 $((64 * 2048)) || { echo "FAIL: in the test VM"; exit 1; }
python3 - "$W/ns.img" <<'PY' || exit 1
import hashlib, sys
d = open(sys.argv[1], 'rb').read()
want = bytes(((i * 13 + (i >> 12)) & 0xff) for i in range(1 << 20))
got = d[2048 * 512:2048 * 512 + (1 << 20)]
print("sha256 written %s\nsha256 in file %s" % (hashlib.sha256(want).hexdigest(), hashlib.sha256(got).hexdigest()))
if got != want:
    print("FAIL: the backing file does not hold what NVMe Write wrote"); sys.exit(1)
z = d[2048 * 512 + (1 << 20):2048 * 512 + (2 << 20)]
if any(z):
    print("FAIL: the deallocated range is not zero in the file"); sys.exit(1)
print("ok: backing file matches, deallocated range is zero")
PY
