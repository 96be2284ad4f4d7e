#!/bin/sh
# /init of the bench/linux_io guest: Debian's kernel, busybox-static and the
# package's own modules (tests/e2e/lib.sh e2e_initrd). The same initramfs
# boots on Paravane (hv_netvsc, hv_storvsc) and on QEMU (virtio_net,
# virtio_blk): every module in /etc/pvn-modules is tried, those for absent
# hardware fail to load and are skipped.
#
# The host (bench/linux_io_host.py, on 10.77.1.1) does the timing. Before and
# after each phase the guest calls `mark NAME [key=value...]`: a TCP
# connection to the host's port 5010 carrying one line, which the host
# answers (after doing its own part of the phase, for h2g and udp) and
# closes. The host samples the clock and the VMM's CPU time at each mark.
#   bench.mib=N        size of each TCP transfer and each sequential dd (16)
#   bench.udp_secs=S   how long the host sends 64-byte UDP frames (3)
#   bench.qd32_ios=N   4 KiB reads in the QD32 phase (4096)
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
exec >/dev/console 2>&1

mib=16 udp_secs=3 qd32_ios=4096
for w in $(cat /proc/cmdline); do
	case "$w" in
	bench.mib=*) mib=${w#bench.mib=} ;;
	bench.udp_secs=*) udp_secs=${w#bench.udp_secs=} ;;
	bench.qd32_ios=*) qd32_ios=${w#bench.qd32_ios=} ;;
	esac
done
gip=10.77.1.2 hip=10.77.1.1
for m in $(cat /etc/pvn-modules); do
	insmod "$m" 2>/dev/null && echo "BENCH-MODULE ${m##*/}"
done
finish() {
	echo "BENCH-END $*"
	sync
	poweroff -f
	sleep 10
}

# ---- net: eth0 is hv_netvsc's or virtio_net's ----
for _ in $(seq 300); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
[ -e /sys/class/net/eth0 ] || finish "no eth0"
drv=$(readlink /sys/class/net/eth0/device/driver)
echo "BENCH-FACT net_driver ${drv##*/}"
ip addr add $gip/24 dev eth0
ip link set eth0 up
for _ in $(seq 600); do [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
for _ in $(seq 60); do ping -c 1 -W 1 $hip >/dev/null 2>&1 && break; done

mark() { # mark NAME [key=value...]: the host samples time and CPU, answers
	for _ in $(seq 120); do
		echo "$*" | nc $hip 5010 >/tmp/mark && return 0
		sleep 0.5
	done
	finish "the host never answered mark $1"
}

mkfifo /tmp/hold
exec 7<>/tmp/hold # a listener's stdin that never ends (busybox nc)
mark hello driver=${drv##*/}

# host -> guest: the host connects to 5002, sends, waits for our close
nc -l -p 5002 </tmp/hold >/dev/null &
p=$!
mark h2g
wait $p

# guest -> host: the host times from accept to end of stream
dd if=/dev/zero bs=65536 count=$((mib * 16)) 2>/dev/null | nc $hip 5001
mark g2h-sent

# 64-byte frames (18 bytes of UDP payload) host -> guest, counted here
nc -u -l -p 5003 </tmp/hold >/dev/null &
p=$!
r0=$(cat /sys/class/net/eth0/statistics/rx_packets)
mark udp
r1=$(cat /sys/class/net/eth0/statistics/rx_packets)
kill $p 2>/dev/null
mark udp-rx frames=$((r1 - r0))

# ---- disk: the first sd* (hv_storvsc) or vd* (virtio_blk) ----
d=
for _ in $(seq 300); do
	for b in /sys/block/sd* /sys/block/vd*; do [ -e "$b" ] && d=${b##*/} && break; done
	[ -n "$d" ] && break
	sleep 0.1
done
[ -n "$d" ] || finish "no disk"
drv=$(readlink /sys/block/$d/device/driver)
echo "BENCH-FACT disk $d ${drv##*/} $(($(cat /sys/block/$d/size) / 2048)) MiB"
ios() { set -- $(cat /sys/block/$d/stat); echo $(($1 + $5)); }

i0=$(ios)
mark seqwrite-begin disk=$d
dd if=/dev/zero of=/dev/$d bs=1M count=$mib oflag=direct 2>/dev/null || finish "dd write failed"
i1=$(ios)
mark seqwrite-end ios=$((i1 - i0)) bytes=$((mib * 1048576))

mark seqread-begin
dd if=/dev/$d of=/dev/null bs=1M count=$mib iflag=direct 2>/dev/null || finish "dd read failed"
i2=$(ios)
mark seqread-end ios=$((i2 - i1)) bytes=$((mib * 1048576))

# 4 KiB O_DIRECT reads one at a time (QD1), then 32 readers at once (QD32)
mark qd1-begin
dd if=/dev/$d of=/dev/null bs=4096 count=$((mib * 256)) iflag=direct 2>/dev/null || finish "dd 4k failed"
i3=$(ios)
mark qd1-end ios=$((i3 - i2)) bytes=$((mib * 1048576))

per=$((qd32_ios / 32))
mark qd32-begin
j=0
pids=
while [ $j -lt 32 ]; do
	dd if=/dev/$d of=/dev/null bs=4096 count=$per skip=$((j * per)) iflag=direct 2>/dev/null &
	pids="$pids $!"
	j=$((j + 1))
done
wait $pids
i4=$(ios)
mark qd32-end ios=$((i4 - i3)) bytes=$((per * 32 * 4096))

mark done
finish ok
