#!/usr/bin/env bash
# Make sure the services the tests talk to are running: Redis, PostgreSQL (database `test`,
# trust auth on loopback) and Debian's Chromium for the browser tests. Installs them from
# Debian's packages when they are missing. Idempotent; safe to run again.
set -uo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
apt_ready=0
apt_install() {
  if [ $apt_ready = 0 ]; then as_root apt-get update -qq >/dev/null 2>&1 || true; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null 2>&1
}

# --- Redis ---------------------------------------------------------------------------------
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
if ! redis_up; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 \
    || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
fi
redis_up && echo "services: redis ok" || echo "services: redis NOT running"

# --- PostgreSQL ----------------------------------------------------------------------------
pg_up() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$ver" ]; then
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if [ -f "$hba" ] && ! grep -q "tamin-tests" "$hba"; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust # tamin-tests\nhost all all ::1/128 trust # tamin-tests\nlocal all all trust # tamin-tests' "$hba"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start >/dev/null 2>&1 \
      || as_root pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  fi
fi
if pg_up; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
  echo "services: postgresql ok"
else
  echo "services: postgresql NOT running"
fi

# --- Chromium for the browser tests (Debian's, never a downloaded browser) ------------------
if ! command -v chromium >/dev/null 2>&1; then apt_install chromium || true; fi
command -v chromium >/dev/null 2>&1 && echo "services: chromium ok" || echo "services: chromium missing (browser tests will be skipped)"
exit 0
