#!/bin/sh
# The runtime's VMBus fuzz targets: channel messages and ring packets.
exec "$(dirname "$0")/run-fuzzer" --max-len 8192 fuzz_vmbus_msg fuzz_vmbus_ring
