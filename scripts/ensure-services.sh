#!/usr/bin/env bash
# Makes sure Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, database "test",
# trust auth for local connections) are running. On a fresh Debian/Ubuntu machine
# installs them from the system packages first. Idempotent: does nothing when both answer.
set -euo pipefail

need_redis=0; need_pg=0
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up || need_redis=1
if [ "${LOG4FLEET_SKIP_POSTGRES:-0}" != 1 ]; then pg_up || need_pg=1; fi
[ $need_redis = 0 ] && [ $need_pg = 0 ] && exit 0

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
pkgs=()
if [ $need_redis = 1 ] && ! command -v redis-server >/dev/null; then pkgs+=(redis-server); fi
if [ $need_pg = 1 ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then pkgs+=(postgresql); fi
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "ensure-services: installing ${pkgs[*]} from the system packages" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

if [ $need_redis = 1 ]; then
  echo "ensure-services: starting redis-server on 127.0.0.1:6379" >&2
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/log4fleet.log
fi

if [ $need_pg = 1 ]; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -z "$ver" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
    $SUDO pg_createcluster "$ver" main >/dev/null
  fi
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  if ! $SUDO grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    # Trust for loopback only: this is the developer/CI database, never a deployment.
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  echo "ensure-services: starting PostgreSQL $ver" >&2
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster "$ver" main start
fi

for i in $(seq 1 60); do
  ok=1
  redis_up || ok=0
  if [ "${LOG4FLEET_SKIP_POSTGRES:-0}" != 1 ]; then pg_up || ok=0; fi
  [ $ok = 1 ] && break
  sleep 0.5
done
redis_up || { echo "ensure-services: Redis did not come up on 127.0.0.1:6379" >&2; exit 1; }
if [ "${LOG4FLEET_SKIP_POSTGRES:-0}" != 1 ]; then
  pg_up || { echo "ensure-services: PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
  psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null
fi
