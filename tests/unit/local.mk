# tests/unit: cmocka tests of the runtime core that need no guest (and no
# /dev/kvm): the memory map, the intercept table, config parsing, the event
# loop.
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS)
UNIT_LIBS = $(PVN_CORE_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_mem
tests_unit_test_mem_SOURCES = tests/unit/test_mem.c
tests_unit_test_mem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mem_LDADD = $(UNIT_LIBS)
PVN_TESTS += tests/unit/test_mem

check_PROGRAMS += tests/unit/test_intercept
tests_unit_test_intercept_SOURCES = tests/unit/test_intercept.c
tests_unit_test_intercept_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_intercept_LDADD = $(UNIT_LIBS)
PVN_TESTS += tests/unit/test_intercept

check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)
PVN_TESTS += tests/unit/test_config

check_PROGRAMS += tests/unit/test_loop
tests_unit_test_loop_SOURCES = tests/unit/test_loop.c
tests_unit_test_loop_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loop_LDADD = $(UNIT_LIBS)
PVN_TESTS += tests/unit/test_loop

check_PROGRAMS += tests/unit/test_fallback
tests_unit_test_fallback_SOURCES = tests/unit/test_fallback.c
tests_unit_test_fallback_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fallback_LDADD = $(UNIT_LIBS)
PVN_TESTS += tests/unit/test_fallback
