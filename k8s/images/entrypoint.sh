#!/bin/sh
# Entrypoint of every InRank image: the JVM and native settings of the repository's jvm.properties (copied in at build:
# the common flags, the container ones, the env defaults), then the pod's $JAVA_OPTS and $JAVA_OPTS_APPEND (ConfigMaps),
# then the application's arguments. A variable the pod sets wins over the env default here.
set -eu
settings=/deployments/jvm.properties
prop() { sed -n "s/^$1=//p" "$settings"; }
for kv in $(sed -n 's/^inrank\.env\.//p' "$settings"); do
  name="${kv%%=*}"
  eval "set_already=\${$name:-}"
  [ -n "$set_already" ] || export "$kv"
done
# shellcheck disable=SC2046,SC2086 # flags are whitespace-separated lists on purpose
exec java $(prop inrank.jvm.common) $(prop inrank.jvm.vector) $(prop inrank.jvm.container) ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} \
  -jar /deployments/quarkus-run.jar "$@"
