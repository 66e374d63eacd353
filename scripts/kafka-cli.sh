#!/usr/bin/env bash
# Runs Apache Kafka's own command-line tools from the cached jars (no Kafka install needed).
#
# Usage: kafka-cli.sh TOOL [tool arguments...]
#   TOOL: console-producer | console-consumer | consumer-groups | topics | get-offsets |
#         delete-records | configs | broker-api-versions | metadata-quorum
#   e.g.  kafka-cli.sh topics --bootstrap-server 127.0.0.1:9092 --create --topic t --partitions 3
#         seq 10 | kafka-cli.sh console-producer --bootstrap-server 127.0.0.1:9092 --topic t
# Env: KB_KAFKA_VERSION (default 3.9.1) picks the jars; KB_KAFKA_LIBS overrides the libs dir;
#      KB_KAFKA_CLI_HEAP (default 256m). Tool logs (warnings only) go to stderr; data to stdout.
# Exits with the tool's exit status.
set -euo pipefail
KB_SCRIPT=kafka-cli
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# -ge 1 ] || kb_die "usage: kafka-cli.sh TOOL [args...] (see --help)"
tool="$1"
shift
version="${KB_KAFKA_VERSION:-3.9.1}"
major="${version%%.*}"

case "$tool" in
  console-producer)
    [ "$major" -ge 4 ] && main=org.apache.kafka.tools.ConsoleProducer || main=kafka.tools.ConsoleProducer ;;
  console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  topics) main=org.apache.kafka.tools.TopicCommand ;;
  get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  delete-records) main=org.apache.kafka.tools.DeleteRecordsCommand ;;
  configs) main=kafka.admin.ConfigCommand ;;
  broker-api-versions)
    [ "$major" -ge 4 ] && main=org.apache.kafka.tools.BrokerApiVersionsCommand || main=kafka.admin.BrokerApiVersionsCommand ;;
  metadata-quorum) main=org.apache.kafka.tools.MetadataQuorumCommand ;;
  -h|--help) kb_usage; exit 0 ;;
  *) kb_die "unknown tool '$tool'; one of: console-producer console-consumer consumer-groups topics get-offsets delete-records configs broker-api-versions metadata-quorum" ;;
esac

command -v java >/dev/null || kb_die "java not found; run scripts/install-deps.sh"
libs="${KB_KAFKA_LIBS:-}"
[ -n "$libs" ] || libs="$(bash "$KB_REPO/scripts/fetch-kafka.sh" "$version")" || kb_die "could not fetch Kafka $version"
[ -d "$libs" ] || kb_die "Kafka libs dir '$libs' does not exist (KB_KAFKA_LIBS / fetch-kafka.sh $version)"

exec java "-Xmx${KB_KAFKA_CLI_HEAP:-256m}" -Djava.awt.headless=true $(kb_kafka_log_opts "$version" tools) \
  -cp "$libs/*" "$main" "$@"
