// Bulk offset commits on the 3-broker cluster: groups whose coordinators live on different
// brokers are committed concurrently, each through its own coordinator, and verified.
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config/kafka_options.h"
#include "kafka/admin_client.h"
#include "offsets/bulk_commit.h"
#include "support/test_env.h"

namespace kb::offsets {
namespace {

kafka::KafkaClientConfig ClusterConfig() {
  kafka::KafkaClientConfig c;
  auto servers = ParseBootstrapServers(test::RequireEnv("KB_CLUSTER_BOOTSTRAP"));
  EXPECT_TRUE(servers);
  if (servers) c.bootstrap_servers = *servers;
  return c;
}

// On a fresh cluster this is also the first group call, when __consumer_offsets does not exist
// yet: the AdminClient must wait for the coordinators rather than let a request time out (which
// aborts inside librdkafka 2.0.x; see AdminClient::Impl::EnsureGroupCoordinators).
TEST(OffsetsBulkCluster, GroupsOnDifferentCoordinatorsAreAllCommittedAndVerified) {
  auto admin = kafka::AdminClient::Create(ClusterConfig());
  ASSERT_TRUE(admin) << admin.error().ToString();
  std::string topic = test::UniqueName("offsets-bulk");
  ASSERT_TRUE((*admin)->CreateTopic(topic, 3, 3));

  std::map<std::string, std::vector<kafka::GroupOffset>> commits;
  std::set<int32_t> coordinators;
  for (int i = 0; i < 12; ++i) {
    std::string g = test::UniqueName("offsets-bulk-g" + std::to_string(i));
    auto seed = (*admin)->AlterGroupOffsets(g, {{topic, 0, 1, ""}});
    ASSERT_TRUE(seed) << seed.error().ToString();
    auto d = (*admin)->DescribeConsumerGroup(g);
    ASSERT_TRUE(d) << d.error().ToString();
    coordinators.insert(d->coordinator_id);
    for (int32_t p = 0; p < 3; ++p) commits[g].push_back({topic, p, 100 * i + p, ""});
  }
  ASSERT_GE(coordinators.size(), 2u) << "12 groups should spread over several coordinators";

  BulkOptions opts;
  opts.max_concurrency = 4;
  opts.max_retries = 3;
  opts.commit.verify = true;
  auto report = BulkCommit(**admin, commits, opts);
  std::ostringstream why;
  for (const auto& g : report.groups)
    if (!g.ok()) why << g.ToJson().dump() << "\n";
  EXPECT_TRUE(report.all_ok()) << why.str();
  EXPECT_EQ(report.groups.size(), 12u);
  EXPECT_GT(report.p99_ms, 0);

  for (const auto& [g, want] : commits) {
    auto got = (*admin)->ListGroupOffsets(g);
    ASSERT_TRUE(got) << got.error().ToString();
    std::map<int32_t, int64_t> m;
    for (const auto& o : *got) m[o.partition] = o.offset;
    for (const auto& w : want) EXPECT_EQ(m[w.partition], w.offset) << g << " partition " << w.partition;
    (void)(*admin)->DeleteConsumerGroup(g);
  }
  (void)(*admin)->DeleteTopic(topic);
}

}  // namespace
}  // namespace kb::offsets
