# MRB: Media Resource Broker for Janus.
# `make run` / `make test` are the two commands; see README.md.

PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
CGIDIR    ?= $(PREFIX)/lib/mrb/cgi-bin
SHAREDIR  ?= $(PREFIX)/share/mrb
SYSCONFDIR ?= /etc

CC        ?= cc
PKGS      := jansson libcurl libmariadb libjwt libcrypto inih zlib
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
             -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC -MMD -MP -Ilib \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS   += -fsanitize=address,undefined
endif

LIB_SRC   := $(wildcard lib/*.c)
# The FastCGI glue gets an archive of its own, linked (with -lfcgi) only
# into cgi-bin/*: the cron jobs, mrbctl and the tests never see FastCGI.
SERVE_SRC := lib/serve.c lib/http.c
SERVE_OBJ := $(SERVE_SRC:.c=.o)
LIB_OBJ   := $(filter-out $(SERVE_OBJ),$(LIB_SRC:.c=.o))
CGI_SRC   := $(wildcard cgi-bin/*.c)
CGI_BIN   := $(CGI_SRC:.c=)
TOOL_BIN  := tools/mrbctl
CRON_SRC  := $(wildcard cron/*.c)
CRON_BIN  := $(CRON_SRC:.c=)
CRONDIR   ?= $(PREFIX)/lib/mrb/cron
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:.c=)

.PHONY: all deps deps-run run up down reset status cluster cluster-down test unit e2e test-browser test-cluster test-soak install clean migrate bench fuzz valgrind deb test-deb
all: lib/libmrb.a lib/libmrb-serve.a $(CGI_BIN) $(TOOL_BIN) $(CRON_BIN)

lib/libmrb.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

lib/libmrb-serve.a: $(SERVE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

cgi-bin/%: cgi-bin/%.o lib/libmrb-serve.a lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb-serve.a lib/libmrb.a $(LDLIBS) -lfcgi

cron/%: cron/%.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS)

tools/mrbctl: tools/mrbctl.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS)

bench/ceiling: bench/ceiling.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lfcgi

# A day of bookings replayed through the placement code (lib/place.c).
bench/placesim: bench/placesim.c lib/libmrb.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS) -lm

# Fault injection against the dev stack's MariaDB (run by tests/e2e/t_txn_faults.sh).
tests/e2e/txn_faults: tests/e2e/txn_faults.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS)

tests/unit/test_%: tests/unit/test_%.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS) -lcmocka

# Two sets of packages: deps-run is what building and running the stack
# needs (make run, make up: a newcomer's first command stays fast); deps adds
# every test's tools and the npm packages of tests/openapi, Redoc and the
# events receiver (tests/notify: the reference standardwebhooks library).
deps-run:
	scripts/deps.sh run

deps:
	scripts/deps.sh test
	@[ -e www/redoc.standalone.js ] && [ tests/openapi/node_modules/.package-lock.json -nt tests/openapi/package-lock.json ] \
	  || (cd tests/openapi && npm ci --no-audit --no-fund)
	@[ tests/notify/node_modules/.package-lock.json -nt tests/notify/package-lock.json ] \
	  || (cd tests/notify && npm ci --no-audit --no-fund)

run: deps-run
	$(MAKE) all
	scripts/stack.sh run

up: deps-run
	$(MAKE) all
	scripts/stack.sh up

down:
	scripts/stack.sh down

# The dev stack down and its data gone (database, spool, recordings): the
# next make up starts clean, without the rooms the tests left behind.
reset:
	scripts/stack.sh reset

status:
	scripts/stack.sh status

# Several nodes: a fresh 3-node Galera cluster (127.0.0.1:4307/4317/4327)
# and two web nodes (8080, 8081) instead of the one MariaDB; see README.md.
cluster: deps
	$(MAKE) all
	scripts/stack.sh down
	scripts/stack.sh cluster-up

cluster-down:
	scripts/stack.sh cluster-down

migrate: tools/mrbctl
	scripts/db-migrate.sh

# The cmocka tests, then the house rules checked on the source: the layer
# table of docs/DESIGN.md (includes), the counted SQL parameters, and
# README.md's Layout against the files.
unit: $(UNIT_BIN) bench/placesim
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ./$$t; done
	@tests/unit/placesim.sh
	@tests/unit/layers.sh
	@tests/unit/sql_params.sh
	@tests/unit/readme_layout.sh

e2e: all tests/e2e/txn_faults
	tests/e2e/run.sh

# Real browser calls (headless chromium in a network namespace; needs root).
test-browser: all
	tests/browser/run.sh

# The multi-node tests on a real 3-node Galera cluster (tests/cluster/):
# about 9 minutes of their own, so not in `make test` (kept under 15);
# .ci/run runs both.
test-cluster: deps
	$(MAKE) all
	tests/cluster/run.sh

# The state soak (tests/soak/run.sh): clients churn in rooms on both media
# servers while they are killed, stopped, panicked and restarted; the
# invariants of a room are checked all along. About 4 minutes of its own,
# so not in `make test`; .ci/run runs it after make test.
test-soak: all
	tests/soak/run.sh

test: deps
	$(MAKE) all $(UNIT_BIN) tests/e2e/txn_faults
	$(MAKE) unit
	$(MAKE) e2e
	$(MAKE) test-browser

# libFuzzer targets (clang): the library rebuilt with the fuzzer's coverage
# and ASan/UBSan under build/fuzz/, each target run FUZZ_SECONDS (default 60;
# 600 for the ten-minute runs) from the committed seeds in fuzz/corpus/<target>.
# New inputs go to build/fuzz/corpus-<target>; crashes to build/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_body fuzz_events fuzz_jwt fuzz_conf fuzz_promtext fuzz_xff
FUZZ_CC      := clang
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ := $(patsubst lib/%.c,build/fuzz/%.o,$(filter-out $(SERVE_SRC),$(LIB_SRC)))

.SECONDARY: $(FUZZ_LIB_OBJ)

build/fuzz/%.o: lib/%.c
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus-$$t; echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/$$t- \
	    build/fuzz/corpus-$$t fuzz/corpus/$$t 2>build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' build/fuzz/$$t.log; \
	done

# Every FastCGI program under valgrind memcheck for VALGRIND_REQUESTS (10,000)
# good and bad requests, plus its native RSS at the 1,000th and last request.
valgrind: all
	tests/valgrind/run.sh

# Benchmarks on the real dev stack (brought up when down); see docs/PERFORMANCE.md.
bench: all bench/ceiling bench/placesim
	bench/run.sh
	bench/events.sh
	bench/backlog.sh
	bench/placesim --check
	bench/cluster.sh

# The samples, units and scripts name the default /usr/local paths; an
# install elsewhere (the .deb: PREFIX=/usr, CRONDIR=/usr/lib/mrb) rewrites
# them to where the files really are.
PATHS_SED := -e 's|/usr/local/lib/mrb/cgi-bin|$(CGIDIR)|g' -e 's|/usr/local/lib/mrb/cron|$(CRONDIR)|g' \
             -e 's|/usr/local/share/mrb|$(SHAREDIR)|g' -e 's|/usr/local/bin|$(BINDIR)|g'
# install_edited MODE SRC DST: SRC with the install's paths
install_edited = sed $(PATHS_SED) $(2) >$(3) && chmod $(1) $(3)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CGIDIR) $(DESTDIR)$(CRONDIR) $(DESTDIR)$(SHAREDIR)/sql/migrations \
	    $(DESTDIR)$(SHAREDIR)/conf/systemd $(DESTDIR)$(SHAREDIR)/scripts
	install -m 755 $(CGI_BIN) $(DESTDIR)$(CGIDIR)/
	install -m 755 $(TOOL_BIN) $(DESTDIR)$(BINDIR)/
	install -m 755 $(CRON_BIN) $(DESTDIR)$(CRONDIR)/
	sed -e 's|^ROOT=.*|ROOT=$(SHAREDIR)|' -e 's|$$ROOT/conf/mrb.dev.conf|$(SYSCONFDIR)/mrb/mrb.conf|' \
	    scripts/db-migrate.sh >$(DESTDIR)$(BINDIR)/mrb-db-migrate && chmod 755 $(DESTDIR)$(BINDIR)/mrb-db-migrate
	sed -e 's|^MRBCTL_BIN=.*|MRBCTL_BIN=$${MRBCTL_BIN:-$(BINDIR)/mrbctl}|' scripts/conf.sh >$(DESTDIR)$(SHAREDIR)/scripts/conf.sh
	install -m 644 sql/schema.sql $(DESTDIR)$(SHAREDIR)/sql/
	install -m 644 sql/migrations/*.sql $(DESTDIR)$(SHAREDIR)/sql/migrations/
	install -d $(DESTDIR)$(SHAREDIR)/conf/lighttpd $(DESTDIR)$(SHAREDIR)/conf/apache $(DESTDIR)$(SHAREDIR)/conf/nginx \
	    $(DESTDIR)$(SHAREDIR)/www $(DESTDIR)$(SHAREDIR)/errors
	install -m 644 conf/mrb.conf.example $(DESTDIR)$(SHAREDIR)/conf/
	$(call install_edited,644,conf/crontab,$(DESTDIR)$(SHAREDIR)/conf/crontab)
	set -e; for w in lighttpd apache nginx; do \
	  $(call install_edited,644,conf/$$w/mrb.conf,$(DESTDIR)$(SHAREDIR)/conf/$$w/mrb.conf); done
	set -e; for u in conf/systemd/*; do \
	  $(call install_edited,644,$$u,$(DESTDIR)$(SHAREDIR)/conf/systemd/$${u##*/}); done
	install -m 644 conf/errors/*.html $(DESTDIR)$(SHAREDIR)/errors/
	install -d $(DESTDIR)$(SHAREDIR)/conf/prometheus $(DESTDIR)$(SHAREDIR)/conf/grafana
	install -m 644 conf/prometheus/mrb-alerts.yml $(DESTDIR)$(SHAREDIR)/conf/prometheus/
	install -m 644 conf/grafana/mrb-dashboard.json $(DESTDIR)$(SHAREDIR)/conf/grafana/
	install -m 644 conf/nginx/janus-admin-tls.conf $(DESTDIR)$(SHAREDIR)/conf/nginx/
	install -m 644 www/index.html www/app.js www/page.js www/broker.js www/audio-room.js www/video-room.js \
	    www/stats.js www/style.css $(DESTDIR)$(SHAREDIR)/www/

# The Debian package, built from a copy of the tree (dpkg-buildpackage
# cleans and rebuilds its source tree: not the one the dev stack runs from).
# Result: build/deb/mrb_*.deb. tests/deb/run.sh installs and purges it.
deb:
	rm -rf build/deb && mkdir -p build/deb/src
	git ls-files -co --exclude-standard | grep -v '/node_modules/' | tar -cf - -T - | tar -xf - -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	ls build/deb/mrb_*.deb

test-deb: deps
	tests/deb/run.sh

clean:
	rm -f lib/*.o lib/*.d lib/libmrb.a lib/libmrb-serve.a cgi-bin/*.o cgi-bin/*.d $(CGI_BIN) tools/*.o tools/*.d $(TOOL_BIN) cron/*.o cron/*.d $(CRON_BIN) \
	    tests/unit/*.o tests/unit/*.d $(UNIT_BIN) tests/e2e/txn_faults tests/e2e/*.o tests/e2e/*.d \
	    bench/ceiling bench/*.d
	rm -rf build/fuzz

-include $(wildcard lib/*.d cgi-bin/*.d tools/*.d cron/*.d tests/unit/*.d tests/e2e/*.d)
