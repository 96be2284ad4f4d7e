/* SPDX-License-Identifier: MIT */
/*
 * The port layout shared by the exit-dispatch benchmark (bench/exit_dispatch.c)
 * and its guest (tests/guests/bench_pio.c).
 */
#ifndef PVN_BENCH_PIO_H
#define PVN_BENCH_PIO_H

#define BENCH_PIO_PORT 0x710
#define BENCH_PIO_DATA (BENCH_PIO_PORT + 0)  /* out: one counted exit; the value is its index */
#define BENCH_PIO_COUNT (BENCH_PIO_PORT + 4) /* in: how many exits to make */
#define BENCH_PIO_CPL (BENCH_PIO_PORT + 8)   /* in: 0 = run the loop at CPL0, 3 = at CPL3 */
#define BENCH_PIO_START (BENCH_PIO_PORT + 12) /* out: the loop starts now (the clock starts) */
#define BENCH_PIO_NR_PORTS 16

#endif
