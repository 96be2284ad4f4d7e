#!/bin/sh
# The vmbus-net plugin's fuzz targets: NVSP packets and RNDIS messages (a
# malformed frame handed to the backend also fails them).
exec "$(dirname "$0")/run-fuzzer" --max-len 16384 fuzz_net_nvsp fuzz_net_rndis
