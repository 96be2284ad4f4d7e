# runtime/plugin: the plugin loader (manifest, signature, ABI check, dlopen,
# host-ops table, services). Included at the end of runtime/local.mk.
runtime_libpvncore_a_SOURCES += \
	runtime/plugin/plugin.h runtime/plugin/internal.h \
	runtime/plugin/sign.c runtime/plugin/sign.h \
	runtime/plugin/manifest.c runtime/plugin/manifest.h \
	runtime/plugin/host.c runtime/plugin/loader.c

# The plugin tests, test plugins and the load benchmark (tests/local.mk is
# not ours to edit, so they are pulled in from here).
