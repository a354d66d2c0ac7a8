#!/usr/bin/env bash
# Makes sure MariaDB (127.0.0.1:3306, root without password) and Redis (127.0.0.1:6379) are up:
# installs them from Debian's packages when missing, starts them when down, waits until they answer.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

mysql_up() { mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

wait_for() { # name, check function
  for _ in $(seq 1 60); do "$2" && return 0; sleep 1; done
  log "$1 did not come up within 60 s"; return 1
}

if ! command -v mariadbd >/dev/null 2>&1 && ! [ -x /usr/sbin/mariadbd ]; then
  log "installing MariaDB"; apt_install mariadb-server mariadb-client
fi
if ! mysql_up; then
  log "starting MariaDB"
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB mysql_up
fi

if ! command -v redis-server >/dev/null 2>&1; then
  log "installing Redis"; apt_install redis-server
fi
if ! redis_up; then
  log "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis_up
fi
log "MariaDB and Redis are up"
