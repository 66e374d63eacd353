#!/usr/bin/env bash
# Fetches Apache Kafka's broker and tools jars from Maven Central into a version-stamped cache.
# Usage: fetch-kafka.sh [VERSION]   (default 3.9.1; 4.1.1 also supported)
# Prints the libs directory on stdout. Never downloads again what the cache already holds.
set -euo pipefail

version="${1:-${KAFKA_VERSION:-3.9.1}}"
cache="${KAFKA_BACKUP_CACHE:-$HOME/.cache/kafka-backup}"
dest="$cache/kafka-$version"
stamp="$dest/.complete-$version"

if [ -f "$stamp" ]; then
  echo "$dest/libs"
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch-kafka: mvn not found; run scripts/install-deps.sh" >&2; exit 1; }

case "$version" in
  3.*) logging='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>' ;;
  4.*) logging='<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
        <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>' ;;
  *) echo "fetch-kafka: unsupported version $version (use 3.9.1 or 4.1.1)" >&2; exit 2 ;;
esac

# One fetch per version at a time: a second caller waits, then finds the stamp.
mkdir -p "$cache"
exec 9>"$dest.lock"
flock 9
if [ -f "$stamp" ]; then
  echo "$dest/libs"
  exit 0
fi

work="$dest.tmp"
rm -rf "$work"
mkdir -p "$work"
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-backup</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    $logging
  </dependencies>
</project>
POM
echo "fetch-kafka: resolving Kafka $version from Maven Central" >&2
if ! mvn -q -B -Dstyle.color=never -f "$work/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$work/libs" >&2; then
  echo "fetch-kafka: FAILED to fetch Kafka $version with Maven" >&2
  exit 1
fi
ls "$work/libs"/kafka_2.13-*.jar >/dev/null 2>&1 || { echo "fetch-kafka: kafka_2.13 jar missing after fetch" >&2; exit 1; }
rm -rf "$dest"
mv "$work" "$dest"
touch "$stamp"
echo "$dest/libs"
