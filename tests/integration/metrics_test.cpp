// A continuous backup with metrics.enabled serves /metrics and /health from the real broker's
// data while it runs; a taken port stops the backup before it reads anything.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "backup/backup_engine.h"
#include "kafka/producer.h"
#include "core/stop.h"
#include "storage/filesystem_store.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

using namespace std::chrono_literals;

Config MetricsBackupConfig(const std::string& topic, const std::string& dir, int port) {
  Config c = test::BackupConfig(test::UniqueName("metrics-backup"), topic, dir);
  c.metrics.enabled = true;
  c.metrics.port = port;
  return c;
}

TEST(MetricsEndpoint, ContinuousBackupServesMetricsAndHealthWhileRunning) {
  ResetStopForTests();
  std::string topic = test::UniqueName("metrics-topic");
  test::CreateTopic(topic, 2);
  std::vector<Record> recs(25);
  for (int i = 0; i < 25; ++i) {
    recs[i].value = "payment-" + std::to_string(i);
    recs[i].timestamp = 1764000000000 + i;
  }
  test::ProduceRecords(topic, 0, recs);
  test::ProduceRecords(topic, 1, std::vector<Record>(recs.begin(), recs.begin() + 5));

  std::string dir = test::TempDir("metrics");
  FilesystemStore store(dir);
  int port = test::FreePort();
  Config c = MetricsBackupConfig(topic, dir, port);
  c.backup.continuous = true;
  c.backup.segment_max_interval_ms = 200;
  c.backup.offset_capture_interval_ms = 500;
  Result<BackupSummary> summary = Fail(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = BackupEngine(c, store).Run(); });

  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(2);
  std::string metrics, health;
  int health_code = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = http.Get("/metrics");
    auto h = http.Get("/health");
    if (m && h) {
      metrics = m->body;
      health = h->body;
      health_code = h->status;
      if (metrics.find("kafka_backup_records_total{backup_id=\"" + c.backup_id + "\"} 30\n") != std::string::npos &&
          metrics.find("kafka_backup_segments_total{backup_id=\"" + c.backup_id + "\"} 0\n") == std::string::npos &&
          metrics.find("kafka_backup_offset_captures_total{backup_id=\"" + c.backup_id + "\"} 0\n") == std::string::npos)
        break;
    }
    std::this_thread::sleep_for(200ms);
  }
  RequestStop();
  runner.join();
  ResetStopForTests();

  ASSERT_TRUE(summary) << summary.error().ToString();
  EXPECT_EQ(summary->records, 30u);
  EXPECT_NE(metrics.find("kafka_backup_records_total{backup_id=\"" + c.backup_id + "\"} 30\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("kafka_backup_partitions{backup_id=\"" + c.backup_id + "\"} 2\n"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("kafka_backup_segments_total{backup_id=\"" + c.backup_id + "\"} 0\n"), std::string::npos)
      << "a segment must have been stored: " << metrics;
  EXPECT_EQ(health_code, 200) << health;
  auto j = nlohmann::json::parse(health, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << health;
  EXPECT_EQ(j["status"], "ok") << health;
  EXPECT_EQ(j["mode"], "continuous");
  EXPECT_TRUE(j.contains("seconds_since_last_segment")) << health;
  EXPECT_FALSE(http.Get("/health")) << "the server stops with the backup";
  (void)test::Admin()->DeleteTopic(topic);
}

TEST(MetricsEndpoint, TakenPortStopsTheBackupBeforeItReads) {
  ResetStopForTests();
  std::string topic = test::UniqueName("metrics-taken");
  test::CreateTopic(topic, 1);
  std::string dir = test::TempDir("metrics-taken");
  FilesystemStore store(dir);
  test::Listener taken;
  Config c = MetricsBackupConfig(topic, dir, taken.port);
  auto r = BackupEngine(c, store).Run();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot listen on 127.0.0.1:" + std::to_string(taken.port)), std::string::npos)
      << r.error().message;
  (void)test::Admin()->DeleteTopic(topic);
}

// /health is real: a broker of this test's own goes down under a running continuous backup, and
// /health turns 503 naming the unreachable cluster, while /metrics reports it unreachable.
TEST(MetricsEndpoint, HealthTurns503WhenTheClusterGoesAway) {
  ResetStopForTests();
  const std::string scripts = std::string(KB_SOURCE_DIR) + "/scripts/";
  std::string bootstrap;
  {
    std::unique_ptr<FILE, int (*)(FILE*)> up(
        ::popen(("bash " + scripts + "kafka-up.sh --name health-probe 2>/dev/null").c_str(), "r"), ::pclose);
    ASSERT_TRUE(up);
    char line[256] = "";
    if (std::fgets(line, sizeof line, up.get())) bootstrap = line;
    while (!bootstrap.empty() && (bootstrap.back() == '\n' || bootstrap.back() == '\r')) bootstrap.pop_back();
  }
  ASSERT_FALSE(bootstrap.empty()) << "scripts/kafka-up.sh --name health-probe printed no bootstrap";
  auto stop_broker = [&] { (void)std::system(("bash " + scripts + "kafka-down.sh --name health-probe >/dev/null 2>&1").c_str()); };
  // Whatever fails below, the probe broker does not outlive the test.
  std::shared_ptr<void> broker_guard(nullptr, [&](void*) { stop_broker(); });

  kafka::KafkaClientConfig kc;
  kc.bootstrap_servers = {bootstrap};
  std::string topic = test::UniqueName("health-topic");
  {
    auto admin = kafka::AdminClient::Create(kc);
    ASSERT_TRUE(admin) << admin.error().ToString();
    ASSERT_TRUE((*admin)->CreateTopic(topic, 1, 1));
    auto producer = kafka::Producer::Create(kc);
    ASSERT_TRUE(producer) << producer.error().ToString();
    for (int i = 0; i < 10; ++i) {
      Record r;
      r.value = "v" + std::to_string(i);
      ASSERT_TRUE((*producer)->Produce(topic, 0, r));
    }
    ASSERT_TRUE((*producer)->Flush(30s));
  }

  std::string dir = test::TempDir("metrics-health");
  FilesystemStore store(dir);
  Config c = MetricsBackupConfig(topic, dir, test::FreePort());
  c.source->bootstrap_servers = {bootstrap};
  c.backup.continuous = true;
  c.backup.segment_max_interval_ms = 200;
  c.backup.topic_refresh_interval_ms = 500;
  c.backup.capture_consumer_offsets = false;
  Result<BackupSummary> summary = Fail(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = BackupEngine(c, store).Run(); });

  httplib::Client http("127.0.0.1", c.metrics.port);
  http.set_connection_timeout(2);
  http.set_read_timeout(5);
  auto wait_for = [&](int code, const std::string& needle) {
    auto deadline = std::chrono::steady_clock::now() + 90s;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto h = http.Get("/health")) {
        last = std::to_string(h->status) + " " + h->body;
        if (h->status == code && h->body.find(needle) != std::string::npos) return last;
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "/health never answered " << code << " with " << needle << "; last: " << last;
    return last;
  };
  wait_for(200, "\"records\":10");
  stop_broker();
  wait_for(503, "cannot reach Kafka");
  auto m = http.Get("/metrics");
  std::string metrics = m ? m->body : "(no answer)";
  EXPECT_NE(metrics.find("kafka_backup_cluster_reachable{backup_id=\"" + c.backup_id + "\"} 0\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("kafka_backup_healthy{backup_id=\"" + c.backup_id + "\"} 0\n"), std::string::npos) << metrics;
  RequestStop();
  runner.join();
  ResetStopForTests();
  ASSERT_TRUE(summary) << summary.error().ToString();
  EXPECT_EQ(summary->records, 10u) << "what was read before the outage is stored";
}

}  // namespace
}  // namespace kb
