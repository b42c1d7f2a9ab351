#!/usr/bin/env bash
# The services the tests use on this machine, called by `make test` and by `.ci/run`.
#   infra/test-services.sh          enable RabbitMQ's stream protocol (plugin rabbitmq_stream,
#                                   port 5552) when a local broker answers without it and
#                                   rabbitmq-plugins is installed; a failure is only a warning
#   infra/test-services.sh --start  (CI) first start RabbitMQ and PostgreSQL when they are
#                                   installed but not answering, wait for them, and fail when
#                                   anything stays missing
# With a broker on another host (DRM_TEST_AMQP_URL), or without the tools, it changes nothing.
set -uo pipefail

ci=0
[ "${1:-}" = "--start" ] && ci=1

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port name seconds
  for _ in $(seq 1 "$3"); do answers "$1" && return 0; sleep 1; done
  echo "test services: $2 is not answering on port $1 after $3 s" >&2
  return 1
}

missing() {  # message: an error in CI, a warning otherwise
  echo "test services: $1" >&2
  [ "$ci" = 1 ] && exit 1
  exit 0
}

amqp_host=$(printf '%s' "${DRM_TEST_AMQP_URL:-}" | sed -E 's#^[a-z]+://([^@/]*@)?([^:/]*).*#\2#')
case "$amqp_host" in
  ""|127.0.0.1|localhost) ;;
  *) exit 0 ;;  # a remote broker: not ours to change
esac

if [ "$ci" = 1 ]; then
  if ! answers 5672 && command -v rabbitmq-server >/dev/null; then
    echo "test services: starting RabbitMQ"
    rabbitmq-server -detached
  fi
  if ! answers 5432 && command -v pg_ctlcluster >/dev/null; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "test services: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  wait_for 5672 RabbitMQ 90 || exit 1
  wait_for 5432 PostgreSQL 60 || exit 1
  if command -v rabbitmqctl >/dev/null; then
    timeout 90 rabbitmqctl await_startup >/dev/null 2>&1 || true
  fi
fi

# The shared log can also be read with the stream protocol (port 5552); its tests need it.
if answers 5672 && ! answers 5552; then
  command -v rabbitmq-plugins >/dev/null \
    || missing "RabbitMQ answers without its stream protocol (port 5552) and rabbitmq-plugins is not installed"
  echo "test services: enabling the RabbitMQ stream protocol (rabbitmq_stream)"
  timeout 120 rabbitmq-plugins enable rabbitmq_stream >/dev/null \
    || missing "could not enable rabbitmq_stream (run: rabbitmq-plugins enable rabbitmq_stream)"
  wait_for 5552 "RabbitMQ stream protocol" 60 || missing "the stream-protocol tests need port 5552"
fi
exit 0
