#!/bin/sh
# The nvme plugin's fuzz targets: VSTOR packets and SCSI CDBs.
exec "$(dirname "$0")/run-fuzzer" --max-len 4096 fuzz_nvme_vstor fuzz_nvme_cdb
