#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "cli/cli_common.h"
#include "config/config.h"
#include "config/kafka_options.h"
#include "config/topic_filter.h"
#include "core/time_util.h"

namespace kb {
namespace {

TEST(Config, SeedBackupConfigParsesUnchanged) {
  auto c = LoadConfigFile(std::string(KB_SOURCE_DIR) + "/examples/backup-pitr.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->mode, "backup");
  EXPECT_EQ(c->backup_id, "pitr-backup");
  ASSERT_TRUE(c->source);
  EXPECT_EQ(c->source->bootstrap_servers, std::vector<std::string>{"kafka-broker-1:9092"});
  EXPECT_EQ(c->source->topics.include, std::vector<std::string>{"payments"});
  EXPECT_EQ(c->storage.backend, StorageBackendKind::kS3);
  EXPECT_EQ(c->storage.bucket, "kafka-backups");
  EXPECT_EQ(c->storage.prefix, "pitr-demo");
  EXPECT_EQ(c->storage.endpoint, "http://minio:9000");
}

TEST(Config, SeedRestoreConfigParsesUnchanged) {
  auto c = LoadConfigFile(std::string(KB_SOURCE_DIR) + "/examples/restore-pitr.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->mode, "restore");
  EXPECT_EQ(c->restore.consumer_group_strategy, format::ResetStrategy::kHeaderBased);
  EXPECT_EQ(c->restore.consumer_groups, std::vector<std::string>{"payments-processor"});
  EXPECT_TRUE(c->restore.reset_consumer_offsets);
  EXPECT_FALSE(c->restore.time_window_end.has_value());
  EXPECT_FALSE(c->storage_given);
}

TEST(Config, StorageRetryDeadlineDefaultsToFiveMinutesAndRefusesLessThanASecond) {
  auto d = ParseConfig("storage:\n  backend: s3\n  bucket: b\n", "t.yaml");
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->storage.retry_deadline_ms, 300000);
  auto c = ParseConfig("storage:\n  backend: s3\n  bucket: b\n  retry_deadline_ms: 600000\n", "t.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->storage.retry_deadline_ms, 600000);
  auto bad = ParseConfig("storage:\n  backend: s3\n  bucket: b\n  retry_deadline_ms: 10\n", "t.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("storage.retry_deadline_ms must be at least 1000"), std::string::npos)
      << bad.error().message;
}

TEST(Config, ClusterRetryDeadlineReachesTheKafkaClients) {
  auto c = ParseConfig("source:\n  bootstrap_servers: [a:1]\n  retry_deadline_ms: 120000\n", "t.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(ToKafkaClientConfig(*c->source).retry_deadline, std::chrono::milliseconds(120000));
  auto d = ParseConfig("target:\n  bootstrap_servers: [a:1]\n", "t.yaml");
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(ToKafkaClientConfig(*d->target).retry_deadline, std::chrono::milliseconds(300000));
  auto bad = ParseConfig("target:\n  bootstrap_servers: [a:1]\n  retry_deadline_ms: 0\n", "t.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("target.retry_deadline_ms must be at least 1000"), std::string::npos)
      << bad.error().message;
}

TEST(Config, KafkaGroupCoordinationDefaultsItsGroupAndNeedsAContinuousBackup) {
  auto c = ParseConfig("backup_id: big\nbackup:\n  continuous: true\n  coordination: kafka-group\n", "t.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->backup.coordination, Coordination::kKafkaGroup);
  EXPECT_EQ(c->backup.coordination_group_id, "kafka-backup.big");
  auto named = ParseConfig(
      "backup_id: big\nbackup:\n  continuous: true\n  coordination: kafka-group\n  coordination_group_id: g1\n",
      "t.yaml");
  ASSERT_TRUE(named) << named.error().ToString();
  EXPECT_EQ(named->backup.coordination_group_id, "g1");
  auto solo = ParseConfig("backup_id: big\n", "t.yaml");
  ASSERT_TRUE(solo);
  EXPECT_EQ(solo->backup.coordination, Coordination::kNone);
  EXPECT_EQ(solo->backup.coordination_group_id, "");

  for (const auto& [yaml, says] : std::vector<std::pair<std::string, std::string>>{
           {"backup:\n  coordination: kafka-group\n", "needs continuous: true"},
           {"backup:\n  continuous: true\n  coordination: zookeeper\n", "must be none or kafka-group"},
           {"backup:\n  coordination_group_id: g1\n", "only with coordination: kafka-group"}}) {
    auto bad = ParseConfig("backup_id: big\n" + yaml, "t.yaml");
    ASSERT_FALSE(bad) << yaml;
    EXPECT_EQ(ExitCodeFor(bad.error()), 2);
    EXPECT_NE(bad.error().message.find(says), std::string::npos) << bad.error().message;
  }
}

TEST(Config, ChoiceKeysArriveTyped) {
  auto c = ParseConfig("backup:\n  compression: lz4\n  start_offset: 1200\n  isolation_level: read_uncommitted\n"
                       "restore:\n  produce_acks: 1\n", "t.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->backup.compression, format::Codec::kLz4);
  EXPECT_EQ(c->backup.start_offset.kind, StartOffset::Kind::kOffset);
  EXPECT_EQ(c->backup.start_offset.offset, 1200);
  EXPECT_FALSE(c->backup.read_committed);
  EXPECT_EQ(c->restore.produce_acks, ProduceAcks::kLeader);

  auto defaults = ParseConfig("backup:\n  start_offset: latest\nrestore:\n  produce_acks: \"-1\"\n", "t.yaml");
  ASSERT_TRUE(defaults) << defaults.error().ToString();
  EXPECT_EQ(defaults->backup.compression, format::Codec::kZstd);
  EXPECT_EQ(defaults->backup.start_offset.kind, StartOffset::Kind::kLatest);
  EXPECT_TRUE(defaults->backup.read_committed);
  EXPECT_EQ(defaults->restore.produce_acks, ProduceAcks::kAll);

  for (auto [yaml, message] : std::vector<std::pair<std::string, std::string>>{
           {"backup:\n  compression: gzip\n", "backup.compression must be zstd, lz4 or none, not 'gzip'"},
           {"backup:\n  start_offset: -5\n", "backup.start_offset must be earliest, latest or an offset number"},
           {"backup:\n  start_offset: 99999999999999999999999\n", "backup.start_offset must be"},
           {"backup:\n  isolation_level: committed\n", "backup.isolation_level must be"},
           {"restore:\n  produce_acks: 0\n", "restore.produce_acks must be all or 1"}}) {
    auto bad = ParseConfig(yaml, "t.yaml");
    ASSERT_FALSE(bad) << yaml;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.error().message.find(message), std::string::npos) << bad.error().message;
  }
}

TEST(Config, KafkaFlagsReachTheClientLikeAConfigSection) {
  cli::CliArgs a;
  a.bootstrap_servers = "127.0.0.1:9092,127.0.0.1:9093";
  a.security.security_protocol = "SSL";
  a.security.ssl_key_location = "/keys/client.key";
  a.security.ssl_key_password = "key-secret";
  a.kafka_properties = {"client.id=kb-test"};
  auto c = cli::KafkaConfigFromFlags(a);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->bootstrap_servers.size(), 2u);
  EXPECT_EQ(c->security_protocol, "SSL");
  EXPECT_EQ(c->ssl_key_location, "/keys/client.key");
  EXPECT_EQ(c->ssl_key_password, "key-secret");
  EXPECT_EQ(c->extra.at("client.id"), "kb-test");
}

TEST(Config, UnknownKeyNamesTheNearestValidKey) {
  auto c = ParseConfig("mode: backup\nsource:\n  bootstrap_server: [a:1]\n", "t.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(ExitCodeFor(c.error()), 2);
  EXPECT_NE(c.error().message.find("'bootstrap_server'"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("line 3"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("did you mean 'bootstrap_servers'"), std::string::npos) << c.error().message;
}

TEST(Config, TypeErrorNamesKeyAndLine) {
  auto c = ParseConfig("mode: backup\nbackup:\n  compression_level: high\n", "t.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("backup.compression_level"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("line 3"), std::string::npos) << c.error().message;
}

TEST(Config, MalformedYamlIsAClearError) {
  auto c = ParseConfig("mode: backup\nsource: [unclosed\n", "t.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("malformed YAML"), std::string::npos);
}

TEST(Config, EnvironmentVariablesExpandWithDefaults) {
  setenv("KB_TEST_BROKER", "127.0.0.1:1234", 1);
  unsetenv("KB_TEST_UNSET");
  auto c = ParseConfig(
      "mode: backup\nbackup_id: ${KB_TEST_UNSET:-fallback-id}\nsource:\n  bootstrap_servers: [\"${KB_TEST_BROKER}\"]\n",
      "t.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->backup_id, "fallback-id");
  EXPECT_EQ(c->source->bootstrap_servers[0], "127.0.0.1:1234");
  auto missing = ParseConfig("backup_id: ${KB_TEST_UNSET}\n", "t.yaml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("KB_TEST_UNSET"), std::string::npos);
}

TEST(Config, SecretValuesNeverAppearInErrors) {
  auto c = ParseConfig("storage:\n  backend: s3\n  bucket: b\n  secret_key: [SUPERSECRET]\n", "t.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message.find("SUPERSECRET"), std::string::npos);
}

TEST(Config, SeedSpellingOfS3CredentialsIsAccepted) {
  auto c = ParseConfig("storage:\n  backend: s3\n  bucket: b\n  access_key_id: AK\n  secret_access_key: SK\n", "t.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->storage.access_key, "AK");
  EXPECT_EQ(c->storage.secret_key, "SK");
}

TEST(Config, TimeWindowAcceptsIsoAndMillis) {
  auto c = ParseConfig("restore:\n  time_window_start: 2026-11-24T10:15:30.123Z\n  time_window_end: 1796000000000\n", "t");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(*c->restore.time_window_start, 1795515330123);
  EXPECT_EQ(*c->restore.time_window_end, 1796000000000);
}

TEST(Config, UnknownStrategyIsRejectedWithSuggestion) {
  auto c = ParseConfig("restore:\n  consumer_group_strategy: header_based\n", "t");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("did you mean 'header-based'"), std::string::npos) << c.error().message;
}

TEST(TimeUtil, ParsesIsoWithZoneOffsets) {
  EXPECT_EQ(*ParseTimestampMs("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*ParseTimestampMs("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*ParseTimestampMs("2026-11-24T10:15:30.5Z"), 1795515330500);
  EXPECT_FALSE(ParseTimestampMs("yesterday"));
  EXPECT_FALSE(ParseTimestampMs("2026-13-01T00:00:00Z"));
  EXPECT_EQ(FormatTimestampMs(1795515330123), "2026-11-24T10:15:30.123Z");
}

TEST(TimeUtil, CompactTimestampHasNoSeparators) {
  EXPECT_EQ(CompactTimestampMs(1795515330123), "20261124T101530123Z");  // restore and snapshot ids
  EXPECT_EQ(CompactTimestampMs(5), "19700101T000000005Z");
}

TEST(TopicFilter, GlobRegexAndExclude) {
  TopicSelection sel{{"pay*", "~orders-[0-9]+", "audit"}, {"payments-dlq"}};
  auto f = TopicFilter::Create(sel);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->Matches("payments"));
  EXPECT_FALSE(f->Matches("payments-dlq"));
  EXPECT_TRUE(f->Matches("orders-12"));
  EXPECT_FALSE(f->Matches("orders-x"));
  EXPECT_TRUE(f->Matches("audit"));
  EXPECT_FALSE(f->Matches("audits"));
  EXPECT_EQ(f->LiteralIncludes(), std::vector<std::string>{"audit"});
  EXPECT_FALSE(TopicFilter::Create({{"~("}, {}}));
}

}  // namespace
}  // namespace kb
