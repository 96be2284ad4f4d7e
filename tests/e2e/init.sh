#!/bin/sh
# /init of the end-to-end guest: Debian's kernel, busybox-static, and the
# package's own modules (listed in load order in /etc/pvn-modules). It
# reports what the guest's own kernel and drivers say as PVN- lines on the
# serial console (tests/e2e/lib.sh), for tests/e2e/run-linux to compare with
# what the host knows, and then powers off or reboots.
#   pvn.checks=hv,vmbus,tpm,tpmhost,net   what to look at
#   pvn.action=poweroff|reboot        how to end (default poweroff)
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t securityfs security /sys/kernel/security 2>/dev/null
exec >/dev/console 2>&1

read -r up _ </proc/uptime
echo "PVN-INIT: /init is running at $up s of guest time"
checks=
action=poweroff
for w in $(cat /proc/cmdline); do
	case "$w" in
	pvn.checks=*) checks=${w#pvn.checks=} ;;
	pvn.action=*) action=${w#pvn.action=} ;;
	esac
done
has() { case ",$checks," in *",$1,"*) return 0 ;; esac; return 1; }
check() { # check NAME CONDITION WHY
	if eval "$2"; then echo "PVN-CHECK $1: ok: $3"; else echo "PVN-CHECK $1: FAILED: $3"; fi
}

echo "PVN-FACT kernel $(uname -r) $(uname -v)"
for m in $(cat /etc/pvn-modules); do
	if insmod "$m"; then echo "PVN-FACT module ${m##*/}"; else echo "PVN-CHECK insmod ${m##*/}: FAILED"; fi
done

# The guest's own words, for the log and for the host's comparisons.
dmesg | grep -E 'Hypervisor detected|Hyper-V:|hv_vmbus|clocksource: Switched|tsc: |TSC|smpboot: Total|tpm|ima: ' |
	sed 's/^/PVN-DMESG /'
echo "PVN-FACT cpus_online $(cat /sys/devices/system/cpu/online)"
echo "PVN-FACT clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "PVN-FACT clocksources $(cat /sys/devices/system/clocksource/clocksource0/available_clocksource)"

if has vmbus; then
	# hv_vmbus probes its channels asynchronously: give the offers a moment.
	n=0
	for _ in $(seq 50); do
		n=$(ls /sys/bus/vmbus/devices 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] && break
		sleep 0.1
	done
	for d in /sys/bus/vmbus/devices/*; do
		[ -e "$d/class_id" ] || continue
		echo "PVN-FACT vmbus_device $(cat "$d/class_id") $(cat "$d/device_id")"
	done
	check vmbus "[ $n -gt 0 ]" "$n VMBus devices listed"
fi

if has tpm; then
	check tpm0 "[ -c /dev/tpm0 ] && [ -c /dev/tpmrm0 ]" "/dev/tpm0 and /dev/tpmrm0"
	drv=$(readlink /sys/class/tpm/tpm0/device/driver 2>/dev/null)
	echo "PVN-FACT tpm_driver ${drv##*/}"
	# TPM2_PCR_Extend(PCR 16, SHA-256 of 32 bytes 0x11), empty password
	# session, written raw to /dev/tpm0; the response code is bytes 6-9.
	d=$(printf '\\x11%.0s' $(seq 32))
	exec 3<>/dev/tpm0
	printf "\x80\x02\x00\x00\x00\x41\x00\x00\x01\x82\x00\x00\x00\x10\x00\x00\x00\x09\x40\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x0b$d" >&3
	rc=$(dd bs=64 count=1 <&3 2>/dev/null | od -An -tx1 -j6 -N4 | tr -d ' \n')
	exec 3>&-
	check pcr-extend "[ '$rc' = 00000000 ]" "TPM2_PCR_Extend of PCR 16 through /dev/tpm0 (response code $rc)"
	for p in 10 16; do
		echo "PVN-PCR sha256 $p $(cat /sys/class/tpm/tpm0/pcr-sha256/$p)"
	done
	if [ -r /sys/kernel/security/ima/ascii_runtime_measurements ]; then
		head -n 1 /sys/kernel/security/ima/ascii_runtime_measurements | sed 's/^/PVN-FACT ima_first /'
		echo "PVN-FACT ima_count $(wc -l </sys/kernel/security/ima/ascii_runtime_measurements)"
	fi
fi

if has tpmhost; then
	# The host reads PCRs and extends PCR 23 through the vTPM's host socket;
	# once PCR 23 changes, print it so the host can compare.
	echo "PVN-WAIT-HOST: extend PCR 23 through the host socket"
	zero=0000000000000000000000000000000000000000000000000000000000000000
	got=
	for _ in $(seq 1200); do
		v=$(cat /sys/class/tpm/tpm0/pcr-sha256/23)
		[ "$v" != "$zero" ] && { got=$v; break; }
		sleep 0.5
	done
	echo "PVN-PCR sha256 23 ${got:-unchanged}"
	check tpm-host "[ -n '$got' ]" "PCR 23 changed by the host"
	# The host reads PCR 23 too, then extends it again to say it is done.
	if [ -n "$got" ]; then
		for _ in $(seq 1200); do
			[ "$(cat /sys/class/tpm/tpm0/pcr-sha256/23)" != "$got" ] && break
			sleep 0.5
		done
	fi
fi

if has net; then
	# The vmbus-net plugin's NIC under Debian's own hv_netvsc. The host
	# (tests/e2e/run-linux) holds the TAP's other end in a network namespace
	# as 10.77.0.1 and follows the PVN-WAIT-HOST lines. pvn.net_mib=N sets
	# the size of each TCP transfer (default 64 MiB).
	gip=10.77.0.2 hip=10.77.0.1 mib=64 nto=300
	for w in $(cat /proc/cmdline); do
		case "$w" in
		pvn.net_mib=*) mib=${w#pvn.net_mib=} ;;
		pvn.net_timeout=*) nto=${w#pvn.net_timeout=} ;;
		esac
	done
	diag() { # the guest's TCP and eth0 counters, for a failure's log
		grep -E '^(Ip|Tcp|TcpExt):' /proc/net/snmp /proc/net/netstat 2>/dev/null | sed "s/^/PVN-NETDIAG $1 /"
		for c in rx_packets tx_packets rx_dropped tx_dropped rx_errors tx_errors; do
			echo "PVN-NETDIAG $1 eth0 $c $(cat /sys/class/net/eth0/statistics/$c)"
		done
	}
	carrier() { # carrier 0|1 SECONDS: wait until eth0's carrier is that
		for _ in $(seq $(($2 * 10))); do
			[ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = "$1" ] && return 0
			sleep 0.1
		done
		return 1
	}
	reach() { # reach SECONDS: until the host answers a ping
		for _ in $(seq "$1"); do ping -c 1 -W 1 $hip >/dev/null 2>&1 && return 0; done
		return 1
	}
	pings() { # pings NAME ARGS...: three pings, their lines for the host
		name=$1
		shift
		ping -c 3 "$@" $hip >/tmp/ping.txt 2>&1
		r=$?
		sed "s/^/PVN-PING $name /" /tmp/ping.txt
		return $r
	}
	# hv_netvsc probes the channel asynchronously.
	for _ in $(seq 200); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
	drv=$(readlink /sys/class/net/eth0/device/driver 2>/dev/null)
	check net-eth0 "[ -e /sys/class/net/eth0 ]" "eth0 appeared, driver ${drv##*/}"
	echo "PVN-FACT net_driver ${drv##*/}"
	echo "PVN-FACT net_mac $(cat /sys/class/net/eth0/address)"
	echo "PVN-FACT net_mtu $(cat /sys/class/net/eth0/mtu)"
	ip addr add $gip/24 dev eth0
	ip link set eth0 up
	check net-link "carrier 1 120" "eth0 has carrier (the host's TAP is up)"
	ip link show eth0 | sed 's/^/PVN-IPLINK /'
	reach 30
	pings out
	check net-ping "[ $? -eq 0 ]" "ping $hip from the guest"

	# host -> guest, then guest -> host: $mib MiB each over TCP (busybox
	# nc). The listener's stdin must not end, or it closes its half early:
	# a FIFO this shell holds open (a pipe from `sleep` would do, but ash's
	# `wait` waits for the whole pipeline).
	mkfifo /tmp/hold
	exec 7<>/tmp/hold
	timeout $nto nc -l -p 5002 </tmp/hold >/tmp/in &
	ncpid=$!
	echo "PVN-WAIT-HOST: net-ready (listening on $gip:5002)"
	wait $ncpid
	exec 7>&-
	diag rx
	echo "PVN-FACT net_rx $(sha256sum </tmp/in | cut -d' ' -f1) $(wc -c </tmp/in)"
	rm -f /tmp/in
	dd if=/dev/urandom of=/tmp/out bs=1M count="$mib" 2>/dev/null
	echo "PVN-FACT net_tx $(sha256sum </tmp/out | cut -d' ' -f1) $(wc -c </tmp/out)"
	sent=no
	for _ in $(seq 60); do
		timeout $nto nc $hip 5001 </tmp/out
		r=$?
		[ $r -eq 0 ] && { sent=yes; break; }
		[ $r -eq 1 ] || break # not a refused connection: no retry
		sleep 1
	done
	check net-tcp-out "[ $sent = yes ]" "$mib MiB sent to $hip:5001"
	[ $sent = yes ] || diag tx
	rm -f /tmp/out

	# The host takes its TAP down and up again.
	echo "PVN-WAIT-HOST: net-link-down"
	carrier 0 60
	check net-carrier-loss "[ $? -eq 0 ]" "carrier lost while the host's TAP is down"
	echo "PVN-WAIT-HOST: net-link-up"
	carrier 1 60 && reach 30
	pings again
	check net-link-again "[ $? -eq 0 ]" "carrier back and ping $hip works again"

	# Jumbo frames: the device allows up to the plugin's mtu (9000).
	ip link set eth0 mtu 9000
	check net-mtu-set "[ $? -eq 0 ] && [ \$(cat /sys/class/net/eth0/mtu) = 9000 ]" "ip link set eth0 mtu 9000"
	carrier 1 60 && reach 30
	ip link show eth0 | sed 's/^/PVN-IPLINK /'
	pings jumbo -s 8972
	check net-jumbo "[ $? -eq 0 ]" "ping -s 8972 (9000-byte IP packets) after the MTU change"
	echo "PVN-FACT net_mtu_after $(cat /sys/class/net/eth0/mtu)"
	echo "PVN-WAIT-HOST: net-done"
fi

if has disk; then
	# hv_storvsc (the package's module) scans the controller's LUNs
	# asynchronously: wait for as many disks as the host configured
	# (pvn.disks=N). Each disk's facts and what the guest did with it go to
	# the host, which checks them against its configuration and the bytes
	# in the backing file or namespace.
	want=0
	for w in $(cat /proc/cmdline); do
		case "$w" in pvn.disks=*) want=${w#pvn.disks=} ;; esac
	done
	n=0
	for _ in $(seq 300); do
		n=$(ls -d /sys/block/sd* 2>/dev/null | wc -l)
		[ "$n" -ge "$want" ] && break
		sleep 0.1
	done
	check disks "[ $n -eq $want ]" "$n SCSI disks appeared, $want configured"
	dmesg | grep -E 'storvsc|scsi host|scsi [0-9:]+: Direct-Access|sd [0-9:]+: |sd[a-z]+: ' | sed 's/^/PVN-DMESG /'
	i=0
	for b in /sys/block/sd*; do
		[ -e "$b" ] || continue
		d=${b##*/}
		addr=$(readlink "$b/device")
		lun=${addr##*:}
		bytes=$(($(cat "$b/size") * 512))
		lbs=$(cat "$b/queue/logical_block_size")
		ro=$(cat "$b/ro")
		dmax=$(cat "$b/queue/discard_max_bytes")
		echo "PVN-FACT disk $d lun $lun bytes $bytes lbs $lbs ro $ro discard_max $dmax"
		if [ "$ro" = 1 ]; then
			# the controller reported write protection (MODE SENSE WP);
			# a write is refused
			if dd if=/dev/zero of=/dev/$d bs=4096 count=1 conv=fsync 2>/tmp/ro.err; then
				check "disk-ro-$d" false "a write to read-only LUN $lun was accepted"
			else
				check "disk-ro-$d" true "a write to read-only LUN $lun was refused: $(tail -n 1 /tmp/ro.err)"
			fi
			continue
		fi
		# 1 MiB of text at 1 MiB + 64 KiB * LUN: write, sync, drop the
		# page cache, read back from the device. (Not /dev/urandom: before
		# the guest's CRNG is ready a read tries to gather entropy first,
		# which takes minutes in the nested test VM.)
		skip=$((16 + lun))
		seq $((lun * 1000000 + 1)) $((lun * 1000000 + 200000)) | head -c 1048576 >/tmp/pat
		echo "PVN-FACT disk_step $d write"
		want_sum=$(sha256sum </tmp/pat | cut -d' ' -f1)
		dd if=/tmp/pat of=/dev/$d bs=65536 seek=$skip conv=fsync 2>/dev/null
		sync
		blockdev --flushbufs /dev/$d
		echo 3 >/proc/sys/vm/drop_caches
		got=$(dd if=/dev/$d bs=65536 skip=$skip count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
		echo "PVN-FACT disk_sha256 lun $lun offset $((skip * 65536)) length 1048576 $got"
		check "disk-rw-$d" "[ '$got' = '$want_sum' ]" "LUN $lun: 1 MiB written with dd and synced reads back with SHA-256 $got"
		# discard 1 MiB at 8 MiB: it reads back as zeros
		if [ "$dmax" -gt 0 ]; then
			echo "PVN-FACT disk_step $d discard"
			zero=$(dd if=/dev/zero bs=65536 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
			blkdiscard -o 8388608 -l 1048576 /dev/$d 2>/tmp/discard.err
			blockdev --flushbufs /dev/$d
			echo 3 >/proc/sys/vm/drop_caches
			got=$(dd if=/dev/$d bs=65536 skip=128 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
			echo "PVN-FACT disk_discard lun $lun offset 8388608 length 1048576 $got"
			check "disk-discard-$d" "[ '$got' = '$zero' ]" "LUN $lun: blkdiscard of 1 MiB at 8 MiB reads back zeros $(cat /tmp/discard.err)"
		fi
		i=$((i + 1))
	done
fi

read -r up _ </proc/uptime
echo "PVN-DONE at $up s of guest time: $action"
sync
case "$action" in
reboot) reboot -f ;;
*) poweroff -f ;;
esac
sleep 10
echo "PVN-CHECK $action: FAILED: the VM is still running"
