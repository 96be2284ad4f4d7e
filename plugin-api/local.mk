# plugin-api: the public plugin ABI headers and their pkg-config file,
# installed for third-party plugin builds (pkg-config --cflags paravane-plugin).
pvnpluginincludedir = $(includedir)/paravane
PVN_API_HDRS = \
	plugin-api/include/paravane/plugin.h \
	plugin-api/include/paravane/manifest.h \
	plugin-api/include/paravane/tpm_engine.h
pvnplugininclude_HEADERS = $(PVN_API_HDRS)
pkgconfig_DATA = plugin-api/paravane-plugin.pc
EXTRA_DIST += plugin-api/paravane-plugin.pc.in
