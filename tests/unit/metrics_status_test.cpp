// The /metrics and /health renderings of a backup's status, and the metrics config checks.
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "metrics/backup_status.h"
#include "metrics/metrics_server.h"
#include "restore/restore_engine.h"
#include "storage/memory_store.h"

namespace kb::metrics {
namespace {

BackupStatus Running() {
  BackupStatus s;
  s.backup_id = "pitr-backup";
  s.mode = "continuous";
  s.uptime_seconds = 12.5;
  s.records = 100;
  s.bytes = 6400;
  s.stored_bytes = 900;
  s.segments = 3;
  s.gaps = 1;
  s.gap_records = 7;
  s.partitions = 4;
  s.offset_captures = 2;
  s.last_segment_ms = 1764000000000;
  return s;
}

TEST(MetricsStatus, PrometheusHasEveryFigureWithHelpTypeAndLabel) {
  std::string text = RenderPrometheus(Running());
  for (const char* line : {"kafka_backup_records_total{backup_id=\"pitr-backup\"} 100\n",
                           "kafka_backup_bytes_total{backup_id=\"pitr-backup\"} 6400\n",
                           "kafka_backup_stored_bytes_total{backup_id=\"pitr-backup\"} 900\n",
                           "kafka_backup_segments_total{backup_id=\"pitr-backup\"} 3\n",
                           "kafka_backup_gaps_total{backup_id=\"pitr-backup\"} 1\n",
                           "kafka_backup_gap_records_total{backup_id=\"pitr-backup\"} 7\n",
                           "kafka_backup_partitions{backup_id=\"pitr-backup\"} 4\n",
                           "kafka_backup_offset_captures_total{backup_id=\"pitr-backup\"} 2\n",
                           "kafka_backup_errors_total{backup_id=\"pitr-backup\"} 0\n",
                           "kafka_backup_cluster_reachable{backup_id=\"pitr-backup\"} 1\n",
                           "kafka_backup_healthy{backup_id=\"pitr-backup\"} 1\n",
                           "# TYPE kafka_backup_records_total counter\n",
                           "# TYPE kafka_backup_partitions gauge\n", "# HELP kafka_backup_records_total "})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  EXPECT_NE(text.find("kafka_backup_last_segment_timestamp_seconds{backup_id=\"pitr-backup\"} 1764000000.0"),
            std::string::npos)
      << text;
}

TEST(MetricsStatus, AGroupMemberShowsItsAssignedPartitions) {
  BackupStatus s = Running();
  EXPECT_EQ(RenderPrometheus(s).find("kafka_backup_assigned_partition"), std::string::npos) << "not a group member";
  s.group = "kafka-backup.pitr-backup";
  s.member_id = "kafka-backup-1a2b";
  s.assigned = {"payments/0", "payments/3"};
  std::string text = RenderPrometheus(s);
  EXPECT_NE(text.find("kafka_backup_assigned_partition{backup_id=\"pitr-backup\",group=\"kafka-backup.pitr-backup\","
                      "topic=\"payments\",partition=\"3\"} 1\n"),
            std::string::npos)
      << text;
  auto [code, body] = RenderHealth(s, 1764000001000);
  EXPECT_EQ(code, 200);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["group"], "kafka-backup.pitr-backup");
  EXPECT_EQ(j["member_id"], "kafka-backup-1a2b");
  EXPECT_EQ(j["assigned"], nlohmann::json({"payments/0", "payments/3"}));
}

TEST(MetricsStatus, LabelValuesAreEscaped) {
  BackupStatus s = Running();
  s.backup_id = "a\"b\\c";
  EXPECT_NE(RenderPrometheus(s).find("{backup_id=\"a\\\"b\\\\c\"}"), std::string::npos) << RenderPrometheus(s);
}

TEST(MetricsStatus, HealthIsOkWhileNothingIsWrong) {
  auto [code, body] = RenderHealth(Running(), 1764000010000);
  EXPECT_EQ(code, 200);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["records"], 100);
  EXPECT_TRUE(j["problems"].empty());
  EXPECT_DOUBLE_EQ(j["seconds_since_last_segment"].get<double>(), 10.0);
}

TEST(MetricsStatus, HealthFailsOnAStoppingErrorAndNamesIt) {
  BackupStatus s = Running();
  s.errors = {"topic=payments partition=0: cannot store segment k: access denied"};
  auto [code, body] = RenderHealth(s, 1764000010000);
  EXPECT_EQ(code, 503);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["status"], "failing");
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_NE(j["problems"][0].get<std::string>().find("access denied"), std::string::npos);
  EXPECT_NE(RenderPrometheus(s).find("kafka_backup_healthy{backup_id=\"pitr-backup\"} 0\n"), std::string::npos);
  EXPECT_NE(RenderPrometheus(s).find("kafka_backup_errors_total{backup_id=\"pitr-backup\"} 1\n"), std::string::npos);
}

TEST(MetricsStatus, HealthFailsWhileTheClusterIsUnreachable) {
  BackupStatus s = Running();
  s.cluster_error = "could not reach Kafka at 127.0.0.1:9092 within 10 s";
  s.cluster_error_since_ms = 1764000004000;
  auto [code, body] = RenderHealth(s, 1764000010000);
  EXPECT_EQ(code, 503);
  auto j = nlohmann::json::parse(body);
  EXPECT_NE(j["problems"][0].get<std::string>().find("cannot reach Kafka: could not reach"), std::string::npos);
  EXPECT_DOUBLE_EQ(j["seconds_cluster_unreachable"].get<double>(), 6.0);
  EXPECT_NE(RenderPrometheus(s).find("kafka_backup_cluster_reachable{backup_id=\"pitr-backup\"} 0\n"),
            std::string::npos);
}

TEST(MetricsStatus, HealthIsDegradedWhileStorageIsRetriedAndShowsWhatIsPending) {
  BackupStatus s = Running();
  s.storage.retrying = true;
  s.storage.since_ms = 1764000004000;
  s.storage.last_error = "S3 request failed: connection refused";
  s.storage.pending_writes = 2;
  s.storage.pending_bytes = 5000;
  s.storage.retries_total = 9;
  auto [code, body] = RenderHealth(s, 1764000010000);
  EXPECT_EQ(code, 503);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["status"], "degraded");
  EXPECT_EQ(j["problems"][0].get<std::string>(),
            "storage failing, retrying 2 pending write(s) (5000 bytes): S3 request failed: connection refused");
  EXPECT_DOUBLE_EQ(j["seconds_storage_retrying"].get<double>(), 6.0);
  EXPECT_EQ(j["storage_pending_writes"], 2);
  std::string text = RenderPrometheus(s);
  for (const char* line : {"kafka_backup_storage_retrying{backup_id=\"pitr-backup\"} 1\n",
                           "kafka_backup_storage_pending_writes{backup_id=\"pitr-backup\"} 2\n",
                           "kafka_backup_storage_pending_bytes{backup_id=\"pitr-backup\"} 5000\n",
                           "kafka_backup_storage_retries_total{backup_id=\"pitr-backup\"} 9\n",
                           "kafka_backup_storage_retrying_since_timestamp_seconds{backup_id=\"pitr-backup\"} 1764000004.0",
                           "kafka_backup_healthy{backup_id=\"pitr-backup\"} 0\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
}

TEST(MetricsStatus, AMissedOffsetCaptureIsAWarningThatKeepsTheBackupHealthy) {
  BackupStatus s = Running();
  s.offset_captures_missed = 3;
  s.last_capture_error = "listing consumer groups: Local: Timed out";
  auto [code, body] = RenderHealth(s, 1764000010000);
  EXPECT_EQ(code, 200);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_TRUE(j["problems"].empty());
  EXPECT_NE(j["warnings"][0].get<std::string>().find("3 missed so far; trying again): listing consumer groups"),
            std::string::npos) << body;
  EXPECT_NE(RenderPrometheus(s).find("kafka_backup_offset_captures_missed_total{backup_id=\"pitr-backup\"} 3\n"),
            std::string::npos);
}

TEST(MetricsConfig, EnabledParsesAndBadPortsAreRefused) {
  auto ok = ParseConfig("backup_id: b\nmetrics:\n  enabled: true\n  port: 9500\n  bind_address: 0.0.0.0\n", "x.yaml");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_TRUE(ok->metrics.enabled);
  EXPECT_EQ(ok->metrics.port, 9500);
  EXPECT_EQ(ok->metrics.bind_address, "0.0.0.0");
  auto bad = ParseConfig("backup_id: b\nmetrics:\n  enabled: true\n  port: 70000\n", "x.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("metrics.port"), std::string::npos) << bad.error().message;
}

TEST(MetricsServerTest, PortZeroPicksAFreePortAndServesBothPaths) {
  MetricsOptions o;
  o.enabled = true;
  o.port = 0;
  auto server = MetricsServer::Start(o, [] { return Running(); });
  ASSERT_TRUE(server) << server.error().ToString();
  ASSERT_GT((*server)->port(), 0);
  httplib::Client http("127.0.0.1", (*server)->port());
  auto health = http.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("kafka_backup_records_total{backup_id=\"pitr-backup\"} 100\n"), std::string::npos);
  auto none = http.Get("/nothing-here");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

// Restores serve no metrics, so a restore config that asks for them is refused, before any
// storage or cluster is touched.
TEST(MetricsConfig, RestoreRefusesMetricsEnabled) {
  Config c;
  c.mode = "restore";
  c.backup_id = "b";
  c.target.emplace();
  c.target->bootstrap_servers = {"127.0.0.1:1"};
  c.metrics.enabled = true;
  MemoryStore store("metrics-restore-refusal");
  auto r = RestoreEngine(c, store).Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("metrics.enabled"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace kb::metrics
