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
#   bench.qd32_ios=N   4 KiB random reads in the QD32 phase (4096)
#   bench.qd1_ios=N    4 KiB random reads in the QD1 phase (1024)
#   bench.seq_mib=N    MiB of each 1 MiB sequential phase (64)
#   bench.net=0        skip the network measurements (eth0 still carries the
#                      marks): the runs that only measure a disk back end
# The disk phases use /bin/guest_ioqd (bench/guest_ioqd.c): Linux AIO with
# O_DIRECT, so QD32 is 32 requests in flight from one process.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
exec >/dev/console 2>&1

mib=16 udp_secs=3 qd32_ios=4096 qd1_ios=1024 seq_mib=64 net=1
for w in $(cat /proc/cmdline); do
	case "$w" in
	bench.mib=*) mib=${w#bench.mib=} ;;
	bench.udp_secs=*) udp_secs=${w#bench.udp_secs=} ;;
	bench.qd32_ios=*) qd32_ios=${w#bench.qd32_ios=} ;;
	bench.qd1_ios=*) qd1_ios=${w#bench.qd1_ios=} ;;
	bench.seq_mib=*) seq_mib=${w#bench.seq_mib=} ;;
	bench.net=*) net=${w#bench.net=} ;;
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

if [ "$net" != 0 ]; then
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
fi

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

# every phase: the host samples at -begin and -end; ios from the disk's stat
phase() { # phase NAME MODE BS QD COUNT
	local i0 i1 r
	i0=$(ios)
	mark "$1-begin" disk=$d
	r=$(guest_ioqd /dev/$d "$2" "$3" "$4" "$5") || finish "guest_ioqd $2 $3 $4 $5 failed"
	echo "BENCH-IOQD $1 $r"
	i1=$(ios)
	mark "$1-end" ios=$((i1 - i0)) bytes=$(($3 * $5))
}
phase seqwrite seqwrite 1048576 1 "$seq_mib"
phase seqread seqread 1048576 1 "$seq_mib"
phase qd1 randread 4096 1 "$qd1_ios"
phase qd32 randread 4096 32 "$qd32_ios"

mark done
finish ok
