#!/usr/bin/env python3
"""The host's half of bench/linux_io, run in the network namespace that holds
the VM's TAP: it answers the guest's marks (bench/linux_io_init.sh) on port
5010, sends and receives the TCP transfers and the UDP frames, samples the
wall clock and the VMM process's CPU time (utime + stime of /proc/PID/stat)
and the TAP's packet counters at each mark, and prints one JSON line per
measurement.

  linux_io_host.py --path NAME --pid PID --tap TAP --mib N --udp-secs S
                   --timeout S
"""
import argparse
import json
import os
import socket
import sys
import threading
import time

GUEST, HOST = "10.77.1.2", "10.77.1.1"
HZ = os.sysconf("SC_CLK_TCK")


def cpu_secs(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime, stime


def tap_packets(tap):
    n = 0
    for c in ("rx_packets", "tx_packets"):
        with open(f"/sys/class/net/{tap}/statistics/{c}") as f:
            n += int(f.read())
    return n


class Sample:
    def __init__(self, a):
        self.t = time.monotonic()
        self.cpu = cpu_secs(a.pid)
        self.pkts = tap_packets(a.tap)


def emit(a, test, s0, s1, **kv):
    secs = s1.t - s0.t
    cpu = s1.cpu - s0.cpu
    d = {"bench": "linux_io", "path": a.path, "test": test, "secs": round(secs, 4),
         "vmm_cpu_secs": round(cpu, 3)}
    d.update(kv)
    if kv.get("bytes") and secs > 0:
        if test.startswith("disk"):
            d["mib_s"] = round(kv["bytes"] / secs / 1048576, 2)
        else:
            d["mbit_s"] = round(kv["bytes"] * 8 / secs / 1e6, 2)
    if test.startswith("tcp") or test.startswith("udp"):
        pk = kv.get("packets", s1.pkts - s0.pkts)
        d["packets"] = pk
        if pk:
            d["vmm_cpu_us_per_packet"] = round(cpu * 1e6 / pk, 2)
    if "ios" in kv and kv["ios"]:
        d["iops"] = round(kv["ios"] / secs, 1) if secs > 0 else None
        d["vmm_cpu_us_per_io"] = round(cpu * 1e6 / kv["ios"], 2)
    print(json.dumps(d), flush=True)


def g2h_server(a, state):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, 5001))
    ls.listen(1)
    c, _ = ls.accept()
    s0 = Sample(a)
    n = 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        n += len(b)
    s1 = Sample(a)
    c.close()
    ls.close()
    state["g2h"] = (s0, s1, n)


def h2g(a):
    data = bytes(1 << 20)
    for _ in range(60):
        try:
            c = socket.create_connection((GUEST, 5002), timeout=a.timeout)
            break
        except ConnectionRefusedError:
            time.sleep(0.5)
    else:
        raise RuntimeError("cannot connect to the guest's port 5002")
    s0 = Sample(a)
    for _ in range(a.mib):
        c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):  # the guest closes once it has read everything
        pass
    s1 = Sample(a)
    c.close()
    emit(a, "tcp_host_to_guest", s0, s1, bytes=a.mib << 20)


def udp(a):
    """64-byte frames: 14 Ethernet + 20 IP + 8 UDP + 18 payload + 4 FCS."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = bytes(18)
    s0 = Sample(a)
    end = s0.t + a.udp_secs
    sent = 0
    while time.monotonic() < end:
        for _ in range(64):
            try:
                s.sendto(payload, (GUEST, 5003))
                sent += 1
            except OSError:  # ENOBUFS: the TAP's queue is full
                pass
    s1 = Sample(a)
    s.close()
    return s0, s1, sent


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--path", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--tap", required=True)
    p.add_argument("--mib", type=int, default=16)
    p.add_argument("--udp-secs", type=float, default=3)
    p.add_argument("--timeout", type=float, default=600)
    a = p.parse_args()
    state = {}
    threading.Thread(target=g2h_server, args=(a, state), daemon=True).start()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, 5010))
    ls.listen(4)
    ls.settimeout(a.timeout)
    begins = {}
    udp_run = None
    while True:
        c, _ = ls.accept()
        c.settimeout(a.timeout)
        line = b""
        while not line.endswith(b"\n"):
            b = c.recv(4096)
            if not b:
                break
            line += b
        words = line.decode(errors="replace").split()
        if not words:
            c.close()
            continue
        name, kv = words[0], dict(w.split("=", 1) for w in words[1:] if "=" in w)
        print(f"linux_io_host: {a.path}: mark {' '.join(words)}", file=sys.stderr, flush=True)
        if name == "h2g":
            h2g(a)
        elif name == "g2h-sent":
            for _ in range(100):
                if "g2h" in state:
                    break
                time.sleep(0.1)
            if "g2h" in state:
                s0, s1, n = state["g2h"]
                emit(a, "tcp_guest_to_host", s0, s1, bytes=n)
        elif name == "udp":
            udp_run = udp(a)
        elif name == "udp-rx" and udp_run:
            s0, s1, sent = udp_run
            frames = int(kv.get("frames", 0))
            emit(a, "udp64_host_to_guest", s0, s1, frames_sent=sent, frames_received=frames,
                 frames_s=round(frames / (s1.t - s0.t), 1), packets=frames)
        elif name.endswith("-begin"):
            begins[name[:-6]] = Sample(a)
        elif name.endswith("-end") and name[:-4] in begins:
            test = {"seqwrite": "disk_seq_write_1m", "seqread": "disk_seq_read_1m",
                    "qd1": "disk_randread_4k_qd1", "qd32": "disk_randread_4k_qd32"}[name[:-4]]
            emit(a, test, begins[name[:-4]], Sample(a), ios=int(kv.get("ios", 0)),
                 bytes=int(kv.get("bytes", 0)))
        try:
            c.sendall(b"ok\n")
        except OSError:
            pass
        c.close()
        if name == "done":
            break
    ls.close()


if __name__ == "__main__":
    main()
