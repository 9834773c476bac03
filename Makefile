# socksify: a SOCKS4/4a/5 socksifier loaded with LD_PRELOAD.
# Targets: all test test-unit test-bats install uninstall clean demo deps
#          fuzz fuzz-replay sanitize tsan bench
#          test-unit-i386 (the unit tests built for i386, run natively or
#          through qemu-i386), deb (the Debian package, into build/deb)
# Local overrides (CC, CFLAGS, PREFIX, ...) go in config.mak.

-include config.mak

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
# The triplets that the dynamic linker's $LIB token names on Debian.
TRIPLET      := $(or $(shell $(CC) -print-multiarch 2>/dev/null),$(shell $(CC) -dumpmachine))
I386_TRIPLET := $(or $(shell $(CC) -m32 -print-multiarch 2>/dev/null),i386-linux-gnu)
LIBDIR   ?= $(PREFIX)/lib/$(TRIPLET)/socksify
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
# SANITIZE=1 builds the library, the unit tests and the test helpers with
# AddressSanitizer and UndefinedBehaviorSanitizer, into build/asan.
SANITIZE ?=
ifeq ($(SANITIZE),1)
BUILD    ?= build/asan
endif
BUILD    ?= build
FUZZ_SECONDS ?= 60

WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
OPT      ?= -O2 -g
CFLAGS   ?=
BASE_CFLAGS := -std=gnu11 $(OPT) $(WARN) -fPIC -fvisibility=hidden \
            -D_GNU_SOURCE -Icore
ifeq ($(SANITIZE),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
# clang links no sanitizer runtime into a shared object unless told to.
SAN_SOFLAGS := $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),-shared-libasan)
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
LDFLAGS  ?=

CORE_SRC    := $(wildcard core/*.c)
PRELOAD_SRC := $(wildcard preload/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
HELPER_SRC  := $(wildcard tests/helpers/*.c)
# Shared objects the tests preload beside the library (tests/early).
EARLY_SRC   := $(wildcard tests/early/*.c)

CORE_OBJ    := $(CORE_SRC:%.c=$(BUILD)/%.o)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN    := $(UNIT_SRC:%.c=$(BUILD)/%)
HELPER_BIN  := $(HELPER_SRC:%.c=$(BUILD)/%)
EARLY_LIB   := $(EARLY_SRC:%.c=$(BUILD)/%.so)

CORE_LIB    := $(BUILD)/libsxcore.a
PRELOAD_LIB := $(BUILD)/libsocksify.so

.PHONY: all test test-unit test-bats check-layers install uninstall clean demo deps \
	fuzz fuzz-replay fuzz-short sanitize tsan bench

all: $(PRELOAD_LIB) $(HELPER_BIN) $(EARLY_LIB)

$(BUILD)/%.o: %.c $(wildcard core/*.h preload/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# Only the hooks are exported (-fvisibility=hidden plus SX_EXPORT).
$(PRELOAD_LIB): $(PRELOAD_OBJ) $(CORE_LIB)
	$(CC) -shared -Wl,-z,defs -Wl,-z,now -Wl,--as-needed $(SAN_LDFLAGS) $(SAN_SOFLAGS) $(LDFLAGS) \
		-o $@ $(PRELOAD_OBJ) $(CORE_LIB) -ldl -lpthread

$(BUILD)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< $(CORE_LIB) \
		$(SAN_LDFLAGS) $(LDFLAGS) -lpthread

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(SAN_LDFLAGS) $(LDFLAGS) -lpthread

$(BUILD)/tests/early/%.so: tests/early/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -shared -o $@ $< $(SAN_LDFLAGS) $(LDFLAGS)

# The seccomp supervisor (launcher/sup*.c): socksify-supervise, the program
# the launcher runs for static programs and in enforce mode (next to it in
# the build tree, in $(LIBEXECDIR)/socksify once installed).
# A C library program (threads, the resolver), linked statically like the
# launcher so that an LD_PRELOAD it inherits does not load into it (with
# the sanitizers, dynamically).
SUP_SRC     := $(wildcard launcher/sup*.c)
SUP_OBJ     := $(SUP_SRC:launcher/%.c=$(BUILD)/supervise/%.o)
SUPERVISOR  := $(BUILD)/socksify-supervise
SUP_LDFLAGS := $(if $(filter 1,$(SANITIZE)),$(SAN_LDFLAGS),-static)

all: $(SUPERVISOR)

$(BUILD)/supervise/%.o: launcher/%.c $(wildcard core/*.h launcher/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# glibc warns that a static getaddrinfo() needs its own version's NSS
# modules at run time: the proxy's name is looked up with "files" and
# "dns", which the C library holds itself.
$(SUPERVISOR): $(SUP_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SUP_LDFLAGS) $(LDFLAGS) -o $@ $(SUP_OBJ) $(CORE_LIB) -lpthread

# A pure-Go client (tests/go/fetch), built with the go tool when it is
# there: nothing downloaded (GOPROXY=off, standard library only), caches
# under $(BUILD).
GO          ?= go
ifneq ($(shell command -v $(GO) 2>/dev/null),)
GO_BIN      := $(BUILD)/tests/go/fetch
all: $(GO_BIN)
endif

$(BUILD)/tests/go/fetch: $(wildcard tests/go/fetch/*.go) tests/go/fetch/go.mod
	@mkdir -p $(dir $@)
	cd tests/go/fetch && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod \
		GOCACHE=$(abspath $(BUILD))/go/cache GOPATH=$(abspath $(BUILD))/go/path \
		$(GO) build -trimpath -o $(abspath $@) .

# Statically linked test clients (no library can be preloaded into them).
STATIC_SRC  := $(wildcard tests/static/*.c)
STATIC_BIN  := $(STATIC_SRC:%.c=$(BUILD)/%) $(BUILD)/tests/static/sxprobe

all: $(STATIC_BIN)

STATIC_CFLAGS = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(ALL_CFLAGS)) \
		-Wno-missing-prototypes -static

$(BUILD)/tests/static/%: tests/static/%.c
	@mkdir -p $(dir $@)
	$(CC) $(STATIC_CFLAGS) -o $@ $<

$(BUILD)/tests/static/sxprobe: tests/helpers/sxprobe.c
	@mkdir -p $(dir $@)
	$(CC) $(STATIC_CFLAGS) -o $@ $<

# The launcher
# build/socksify preloads <its own directory>/$LIB/socksify/libsocksify.so:
# the dynamic linker expands $LIB per program (lib/<multiarch triplet>),
# and build/lib/<triplet>/socksify/libsocksify.so leads to the library.
# build/install/socksify, made by "make install", has $(PREFIX) compiled
# in as that directory.  The launcher is linked statically, so that an
# LD_PRELOAD it inherits does not load into it, and on x86_64 without the C
# library (LAUNCHER_FREESTANDING=1, launcher/libc_*.c): glibc's own start-up
# would cost a socksified program's start several times what the launcher
# does (see launcher/libc_sys.c).
VERSION      := $(shell cat VERSION)
MULTIARCH    ?= $(or $(shell $(CC) -print-multiarch 2>/dev/null),$(shell $(CC) -dumpmachine))
# launcher/check*.c: socksify-check, which "socksify --check" runs; it uses
# core/ and the C library, and is not on the way of any other command.
CHECK_SRC    := $(wildcard launcher/check*.c)
CHECK_OBJ    := $(CHECK_SRC:launcher/%.c=$(BUILD)/check/%.o)
CHECK        := $(BUILD)/socksify-check
LIBEXECDIR   ?= $(PREFIX)/libexec
LAUNCHER_SRC := $(filter-out $(CHECK_SRC) $(SUP_SRC),$(wildcard launcher/*.c))
LAUNCHER_OBJ := $(LAUNCHER_SRC:%.c=$(BUILD)/%.o)
LAUNCHER_INSTALL_OBJ := $(LAUNCHER_SRC:%.c=$(BUILD)/install/%.o)
LAUNCHER     := $(BUILD)/socksify
LAUNCHER_INSTALL := $(BUILD)/install/socksify
LAUNCHER_LIB_LINK := $(BUILD)/lib/$(MULTIARCH)/socksify/libsocksify.so
LAUNCHER_CFLAGS = $(ALL_CFLAGS) -DSX_VERSION='"$(VERSION)"' -DSX_MULTIARCH='"$(MULTIARCH)"'
LAUNCHER_FREESTANDING ?= $(if $(filter 1,$(SANITIZE)),,$(if $(filter x86_64-%,$(MULTIARCH)),1))
ifeq ($(LAUNCHER_FREESTANDING),1)
# Nothing here may call the C library's checking variants (_FORTIFY_SOURCE)
# or need its stack canary; the entry point relocates nothing (no PIE).
LAUNCHER_CFLAGS += -DSX_FREESTANDING -ffreestanding -fno-stack-protector -U_FORTIFY_SOURCE
LAUNCHER_LDFLAGS ?= -static -nostdlib
LAUNCHER_LIBS := -lgcc
else ifeq ($(SANITIZE),1)
LAUNCHER_LDFLAGS ?= $(SAN_LDFLAGS)
else
LAUNCHER_LDFLAGS ?= -static
endif

all: $(LAUNCHER) $(LAUNCHER_LIB_LINK) $(CHECK)

$(BUILD)/launcher/%.o: launcher/%.c $(wildcard launcher/*.h) VERSION
	@mkdir -p $(dir $@)
	$(CC) $(LAUNCHER_CFLAGS) -c -o $@ $<

$(LAUNCHER): $(LAUNCHER_OBJ)
	$(CC) $(LAUNCHER_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS)

$(BUILD)/check/%.o: launcher/%.c $(wildcard launcher/check*.h) $(wildcard core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CHECK): $(CHECK_OBJ) $(CORE_LIB)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $(CHECK_OBJ) $(CORE_LIB) -lpthread

# The prefix the installed launcher was built for, rewritten only when it
# changes, so that "make install PREFIX=..." rebuilds what it must.
$(BUILD)/install/prefix: FORCE
	@mkdir -p $(dir $@)
	@printf '%s %s\n' '$(PREFIX)' '$(LIBEXECDIR)' | cmp -s - $@ || \
		printf '%s %s\n' '$(PREFIX)' '$(LIBEXECDIR)' >$@

$(BUILD)/install/launcher/%.o: launcher/%.c $(wildcard launcher/*.h) VERSION $(BUILD)/install/prefix
	@mkdir -p $(dir $@)
	$(CC) $(LAUNCHER_CFLAGS) -DSX_ROOT='"$(PREFIX)"' -DSX_LIBEXEC='"$(LIBEXECDIR)/socksify"' \
		-c -o $@ $<

$(LAUNCHER_INSTALL): $(LAUNCHER_INSTALL_OBJ)
	$(CC) $(LAUNCHER_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS)

$(LAUNCHER_LIB_LINK): | $(PRELOAD_LIB)
	@mkdir -p $(dir $@)
	ln -sfn ../../../libsocksify.so $@

.PHONY: FORCE

deps:
	sh scripts/deps.sh

check-layers:
	sh scripts/check-layers.sh

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done

test-bats: all
	bats --timing tests/

# The whole suite: unit tests, the fuzzers' corpora and regressions, the
# end-to-end tests, then the sanitizer, ThreadSanitizer and short fuzzing
# passes.
test: deps check-layers test-unit fuzz-replay test-bats sanitize tsan fuzz-short

fuzz:
	BUILD="$(BUILD)" FUZZ_SECONDS="$(FUZZ_SECONDS)" sh scripts/fuzz.sh

fuzz-short:
	BUILD="$(BUILD)" FUZZ_SECONDS=6 sh scripts/fuzz.sh

fuzz-replay:
	CC="$(CC)" BUILD="$(BUILD)" sh scripts/fuzz.sh --replay

sanitize:
	CC="$(CC)" BUILD="$(BUILD)" ASAN_BUILD="$(BUILD)/asan" sh scripts/sanitize-check.sh

tsan:
	bash scripts/tsan-check.sh

bench: all
	sh tests/bench/run.sh

demo: deps all
	sh scripts/demo.sh

install: $(PRELOAD_LIB) $(LAUNCHER_INSTALL) $(CHECK) $(SUPERVISOR)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(LIBEXECDIR)/socksify
	install -m 0644 $(PRELOAD_LIB) $(DESTDIR)$(LIBDIR)/libsocksify.so
	install -m 0644 man/socksify.1 $(DESTDIR)$(MANDIR)/man1/socksify.1
	install -m 0755 $(LAUNCHER_INSTALL) $(DESTDIR)$(BINDIR)/socksify
	install -m 0755 $(CHECK) $(DESTDIR)$(LIBEXECDIR)/socksify/socksify-check
	install -m 0755 $(SUPERVISOR) $(DESTDIR)$(LIBEXECDIR)/socksify/socksify-supervise

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libsocksify.so $(DESTDIR)$(BINDIR)/socksify \
		$(DESTDIR)$(MANDIR)/man1/socksify.1
	-rmdir $(DESTDIR)$(LIBDIR)
	rm -f $(DESTDIR)$(LIBEXECDIR)/socksify/socksify-check \
		$(DESTDIR)$(LIBEXECDIR)/socksify/socksify-supervise
	-rmdir $(DESTDIR)$(LIBEXECDIR)/socksify

clean:
	rm -rf $(BUILD)

# 32-bit library
# When $(CC) -m32 can link a program (gcc-multilib, libc6-dev-i386), make
# also builds the library for i386 programs: objects, its own core archive
# and the test helper archclient under $(BUILD)/i386 (its unit tests are
# built by test-unit-i386).  The links below let one LD_PRELOAD entry,
# <root>/$LIB/socksify/libsocksify.so, serve both kinds of program: the dynamic linker expands $LIB to
# lib/x86_64-linux-gnu in a 64-bit program, to lib/i386-linux-gnu in an
# i386 one with the multiarch C library (libc6:i386), and to lib32 with
# Debian's biarch one (libc6-i386).  I386=0 skips all this, I386=1 insists
# on it; sanitizer builds skip it.
ifeq ($(SANITIZE),1)
I386 ?= 0
endif
ifndef I386
I386 := $(shell printf 'int main(void) { return 0; }\n' | \
	$(CC) -m32 -x c -o /dev/null - >/dev/null 2>&1 && echo 1 || echo 0)
endif
# How test-unit-i386 runs i386 programs: native, qemu, or (empty) native
# where the kernel runs them, else through qemu-i386.  qemu-user does not
# implement robust futexes (set_robust_list), so the unit tests that kill
# a lock's holder and wait for EOWNERDEAD would wait for ever under it.
I386_RUN ?=
I386_QEMU_SKIP := test_fakemap

I386_BUILD       := $(BUILD)/i386
I386_CORE_OBJ    := $(CORE_SRC:%.c=$(I386_BUILD)/%.o)
I386_PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(I386_BUILD)/%.o)
I386_CORE_LIB    := $(I386_BUILD)/libsxcore.a
I386_LIB         := $(I386_BUILD)/libsocksify.so
I386_UNIT_BIN    := $(UNIT_SRC:%.c=$(I386_BUILD)/%)
I386_HELPER_BIN  := $(I386_BUILD)/tests/helpers/archclient
I386_LINKS       := $(BUILD)/lib/$(I386_TRIPLET)/socksify/libsocksify.so \
                    $(BUILD)/lib32/socksify/libsocksify.so
I386_CFLAGS       = -m32 $(ALL_CFLAGS) -Wno-psabi
I386_LIBDIR      := $(PREFIX)/lib/$(I386_TRIPLET)/socksify
I386_LIB32DIR    := $(PREFIX)/lib32/socksify

.PHONY: i386 test-unit-i386 install-i386 uninstall-i386

ifeq ($(I386),1)
all: i386
endif
i386: $(I386_LIB) $(I386_LINKS) $(I386_HELPER_BIN)

$(I386_BUILD)/%.o: %.c $(wildcard core/*.h preload/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(I386_CFLAGS) -c -o $@ $<

$(I386_CORE_LIB): $(I386_CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(I386_LIB): $(I386_PRELOAD_OBJ) $(I386_CORE_LIB)
	$(CC) -m32 -shared -Wl,-z,defs -Wl,-z,now -Wl,--as-needed $(LDFLAGS) \
		-o $@ $(I386_PRELOAD_OBJ) $(I386_CORE_LIB) -ldl -lpthread

$(BUILD)/lib/$(I386_TRIPLET)/socksify/libsocksify.so: | $(I386_LIB)
	@mkdir -p $(dir $@)
	ln -sfn ../../../i386/libsocksify.so $@

$(BUILD)/lib32/socksify/libsocksify.so: | $(I386_LIB)
	@mkdir -p $(dir $@)
	ln -sfn ../../i386/libsocksify.so $@

$(I386_BUILD)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(I386_CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(I386_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< \
		$(I386_CORE_LIB) $(LDFLAGS) -lpthread

$(I386_BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(I386_CFLAGS) -Wno-missing-prototypes -o $@ $< $(LDFLAGS) -lpthread

$(I386_BUILD)/probe:
	@mkdir -p $(dir $@)
	printf 'int main(void) { return 0; }\n' | $(CC) -m32 -x c -o $@ -

ifeq ($(I386),1)
test-unit: test-unit-i386
test-unit-i386: $(I386_UNIT_BIN) $(I386_BUILD)/probe
	@set -e; run=; how=natively; \
	case "$(I386_RUN)" in \
	native) ;; \
	qemu) run=qemu-i386; how="through qemu-i386" ;; \
	*) if ! $(I386_BUILD)/probe 2>/dev/null; then \
		run=qemu-i386; how="through qemu-i386 (this kernel runs no i386 programs)"; fi ;; \
	esac; \
	if [ -n "$$run" ] && ! command -v qemu-i386 >/dev/null 2>&1; then \
		echo "test-unit-i386: this kernel runs no i386 programs and qemu-i386 is missing (qemu-user)" >&2; \
		exit 1; \
	fi; \
	echo "# i386 unit tests, run $$how"; \
	for t in $(I386_UNIT_BIN); do \
		case " $(I386_QEMU_SKIP) " in \
		*" $${t##*/} "*) if [ -n "$$run" ]; then \
			echo "# $$t: skipped under qemu-i386, which has no robust futexes"; \
			continue; fi ;; \
		esac; \
		echo "# $$t"; $$run $$t; \
	done
else
test-unit-i386:
	@echo "# i386 unit tests not built: $(CC) -m32 links no program (make deps installs gcc-multilib)"
endif

install: install-i386
uninstall: uninstall-i386
ifeq ($(I386),1)
install-i386: $(I386_LIB)
	install -d $(DESTDIR)$(I386_LIBDIR) $(DESTDIR)$(I386_LIB32DIR)
	install -m 0644 $(I386_LIB) $(DESTDIR)$(I386_LIBDIR)/libsocksify.so
	ln -sfn ../../lib/$(I386_TRIPLET)/socksify/libsocksify.so \
		$(DESTDIR)$(I386_LIB32DIR)/libsocksify.so
uninstall-i386:
	rm -f $(DESTDIR)$(I386_LIBDIR)/libsocksify.so $(DESTDIR)$(I386_LIB32DIR)/libsocksify.so
	-rmdir $(DESTDIR)$(I386_LIBDIR) $(DESTDIR)$(I386_LIB32DIR)
else
install-i386 uninstall-i386:
	@:
endif

# Debian package
# make deb builds $(BUILD)/deb/socksify_<version>_<arch>.deb (and its
# .buildinfo, .changes and -dbgsym package) with "dpkg-buildpackage -us -uc
# -b" in a copy of the tree, $(BUILD)/deb/src/socksify, so that the
# package build's "make clean" leaves $(BUILD) alone; dpkg puts its output
# in the copy's parent directory, from where it is moved to $(BUILD)/deb.
DEB_DIR := $(BUILD)/deb
.PHONY: deb
deb:
	rm -rf $(DEB_DIR)/src
	rm -f $(DEB_DIR)/socksify_* $(DEB_DIR)/socksify-dbgsym_*
	mkdir -p $(DEB_DIR)/src/socksify
	tar -cf - --exclude=./build --exclude=./.git --exclude=./config.mak \
		--exclude=__pycache__ . | tar -xf - -C $(DEB_DIR)/src/socksify
	cd $(DEB_DIR)/src/socksify && dpkg-buildpackage -us -uc -b
	mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/src/*.changes $(DEB_DIR)/
	rm -rf $(DEB_DIR)/src
	@ls $(DEB_DIR)/*.deb
