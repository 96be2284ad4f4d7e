# runtime/acpi: ACPI tables and the AML builder, plus their tests.
runtime_libpvncore_a_SOURCES += \
	runtime/acpi/acpi.c runtime/acpi/acpi.h runtime/acpi/acpi_protocol.h \
	runtime/acpi/aml.c runtime/acpi/aml.h

check_PROGRAMS += tests/unit/test_acpi
tests_unit_test_acpi_SOURCES = tests/unit/test_acpi.c tests/unit/acpi_fixture.h
tests_unit_test_acpi_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_unit_test_acpi_LDADD = $(PVN_CORE_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_acpi

# The iasl round trip is its own test so that its skip (no iasl) is honest.
check_PROGRAMS += tests/unit/test_acpi_iasl
tests_unit_test_acpi_iasl_SOURCES = tests/unit/test_acpi_iasl.c tests/unit/acpi_fixture.h
tests_unit_test_acpi_iasl_CPPFLAGS = $(AM_CPPFLAGS) -DPVN_IASL='"$(IASL)"'
tests_unit_test_acpi_iasl_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_unit_test_acpi_iasl_LDADD = $(PVN_CORE_LIBS) $(CMOCKA_LIBS)
PVN_TESTS += tests/unit/test_acpi_iasl
