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
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
             -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC -MMD -MP -Ilib \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi
ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS   += -fsanitize=address,undefined
endif

LIB_SRC   := $(wildcard lib/*.c)
LIB_OBJ   := $(LIB_SRC:.c=.o)
CGI_SRC   := $(wildcard cgi-bin/*.c)
CGI_BIN   := $(CGI_SRC:.c=)
TOOL_BIN  := tools/mrbctl
CRON_SRC  := $(wildcard cron/*.c)
CRON_BIN  := $(CRON_SRC:.c=)
CRONDIR   ?= $(PREFIX)/lib/mrb/cron
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:.c=)

.PHONY: all deps run up down status test unit e2e test-browser install clean migrate bench
all: lib/libmrb.a $(CGI_BIN) $(TOOL_BIN) $(CRON_BIN)

lib/libmrb.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

cgi-bin/%: cgi-bin/%.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS)

cron/%: cron/%.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS)

tools/mrbctl: tools/mrbctl.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS)

bench/ceiling: bench/ceiling.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lfcgi

tests/unit/test_%: tests/unit/test_%.o lib/libmrb.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libmrb.a $(LDLIBS) -lcmocka

deps:
	scripts/deps.sh

run: deps
	$(MAKE) all
	scripts/stack.sh run

up: deps
	$(MAKE) all
	scripts/stack.sh up

down:
	scripts/stack.sh down

status:
	scripts/stack.sh status

migrate:
	scripts/db-migrate.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ./$$t; done

e2e: all
	tests/e2e/run.sh

# Real browser calls (headless chromium in a network namespace; needs root).
test-browser: all
	tests/browser/run.sh

test: deps
	$(MAKE) all $(UNIT_BIN)
	$(MAKE) unit
	$(MAKE) e2e
	$(MAKE) test-browser

# Benchmarks on the real dev stack (brought up when down); see docs/PERFORMANCE.md.
bench: all bench/ceiling
	bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CGIDIR) $(DESTDIR)$(CRONDIR) $(DESTDIR)$(SHAREDIR)/sql/migrations \
	    $(DESTDIR)$(SHAREDIR)/conf/systemd
	install -m 755 $(CGI_BIN) $(DESTDIR)$(CGIDIR)/
	install -m 755 $(TOOL_BIN) $(DESTDIR)$(BINDIR)/
	install -m 755 $(CRON_BIN) $(DESTDIR)$(CRONDIR)/
	install -m 755 scripts/db-migrate.sh $(DESTDIR)$(BINDIR)/mrb-db-migrate
	install -m 644 sql/schema.sql $(DESTDIR)$(SHAREDIR)/sql/
	install -m 644 sql/migrations/*.sql $(DESTDIR)$(SHAREDIR)/sql/migrations/
	install -d $(DESTDIR)$(SHAREDIR)/conf/lighttpd $(DESTDIR)$(SHAREDIR)/conf/apache $(DESTDIR)$(SHAREDIR)/conf/nginx \
	    $(DESTDIR)$(SHAREDIR)/www
	install -m 644 conf/mrb.conf.example conf/crontab $(DESTDIR)$(SHAREDIR)/conf/
	install -m 644 conf/lighttpd/mrb.conf $(DESTDIR)$(SHAREDIR)/conf/lighttpd/
	install -m 644 conf/apache/mrb.conf $(DESTDIR)$(SHAREDIR)/conf/apache/
	install -m 644 conf/nginx/mrb.conf $(DESTDIR)$(SHAREDIR)/conf/nginx/
	install -m 644 www/index.html www/app.js www/style.css $(DESTDIR)$(SHAREDIR)/www/
	install -m 644 conf/systemd/* $(DESTDIR)$(SHAREDIR)/conf/systemd/

clean:
	rm -f lib/*.o lib/*.d lib/libmrb.a cgi-bin/*.o cgi-bin/*.d $(CGI_BIN) tools/*.o tools/*.d $(TOOL_BIN) cron/*.o cron/*.d $(CRON_BIN) \
	    tests/unit/*.o tests/unit/*.d $(UNIT_BIN) \
	    bench/ceiling bench/*.d

-include $(wildcard lib/*.d cgi-bin/*.d tools/*.d cron/*.d tests/unit/*.d)
