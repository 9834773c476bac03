# socksify: a SOCKS4/4a/5 socksifier loaded with LD_PRELOAD.
# Targets: all test test-unit test-bats install uninstall clean demo deps
# Local overrides (CC, CFLAGS, PREFIX, ...) go in config.mak.

-include config.mak

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR   ?= $(PREFIX)/lib/socksify
BINDIR   ?= $(PREFIX)/bin
BUILD    ?= build

# SANITIZE=1 builds the library, the unit tests and the test helpers with
# AddressSanitizer and UndefinedBehaviorSanitizer.
SANITIZE ?=

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
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
LDFLAGS  ?=

CORE_SRC    := $(wildcard core/*.c)
PRELOAD_SRC := $(wildcard preload/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
HELPER_SRC  := $(wildcard tests/helpers/*.c)

CORE_OBJ    := $(CORE_SRC:%.c=$(BUILD)/%.o)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN    := $(UNIT_SRC:%.c=$(BUILD)/%)
HELPER_BIN  := $(HELPER_SRC:%.c=$(BUILD)/%)

CORE_LIB    := $(BUILD)/libsxcore.a
PRELOAD_LIB := $(BUILD)/libsocksify.so

.PHONY: all test test-unit test-bats check-layers install uninstall clean demo deps

all: $(PRELOAD_LIB) $(HELPER_BIN)

$(BUILD)/%.o: %.c $(wildcard core/*.h preload/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# Only the hooks are exported (-fvisibility=hidden plus SX_EXPORT).
$(PRELOAD_LIB): $(PRELOAD_OBJ) $(CORE_LIB)
	$(CC) -shared -Wl,-z,defs -Wl,-z,now -Wl,--as-needed $(SAN_LDFLAGS) $(LDFLAGS) \
		-o $@ $(PRELOAD_OBJ) $(CORE_LIB) -ldl -lpthread

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< $(CORE_LIB) \
		$(SAN_LDFLAGS) $(LDFLAGS) -lpthread

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(SAN_LDFLAGS) $(LDFLAGS) -lpthread

deps:
	sh scripts/deps.sh

check-layers:
	sh scripts/check-layers.sh

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done

test-bats: all
	bats --timing tests/

test: deps check-layers test-unit test-bats

demo: deps all
	sh scripts/demo.sh

install: $(PRELOAD_LIB)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR)
	install -m 0644 $(PRELOAD_LIB) $(DESTDIR)$(LIBDIR)/libsocksify.so
	sed 's#^SOCKSIFY_LIBDIR=.*#SOCKSIFY_LIBDIR="$(LIBDIR)"#' scripts/socksify \
		> $(DESTDIR)$(BINDIR)/socksify
	chmod 0755 $(DESTDIR)$(BINDIR)/socksify

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libsocksify.so $(DESTDIR)$(BINDIR)/socksify
	-rmdir $(DESTDIR)$(LIBDIR)

clean:
	rm -rf $(BUILD)
