#!/bin/sh
# kill -9 durability of the nvme plugin (tests/guests/nvme_storvsc.c): 20
# runs killed at random points, every block acknowledged after a flush
# checked in the image afterwards.
exec "${PVN_BUILDDIR:-.}/tests/guests/nvme_storvsc" durability
