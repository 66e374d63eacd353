#include "faults/fault_support.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <httplib.h>

#include "core/record.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb::faults {

using namespace std::chrono_literals;

std::string ClusterBootstrap() { return test::RequireEnv("KB_CLUSTER_BOOTSTRAP"); }

kafka::KafkaClientConfig Cluster() {
  kafka::KafkaClientConfig c;
  std::stringstream ss(ClusterBootstrap());
  for (std::string item; std::getline(ss, item, ',');) c.bootstrap_servers.push_back(item);
  return c;
}

std::unique_ptr<kafka::AdminClient> ClusterAdmin() {
  auto a = kafka::AdminClient::Create(Cluster());
  EXPECT_TRUE(a) << a.error().ToString();
  return a ? std::move(*a) : nullptr;
}

namespace {
void RunScript(const std::string& command) {
  const std::string full = "bash " + std::string(KB_SOURCE_DIR) + "/scripts/" + command + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(full.c_str(), "r"), ::pclose);
  ASSERT_TRUE(p) << full;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p.get())) out += buf;
  int status = ::pclose(p.release());
  ASSERT_EQ(status, 0) << full << "\n" << out;
}
}  // namespace

void KafkaNode(int node, const std::string& action) {
  RunScript("kafka-node.sh --name cluster --node " + std::to_string(node) + " " + action);
}

void Minio(const std::string& action) { RunScript("minio-ctl.sh --name minio " + action); }

int32_t LeaderOf(kafka::AdminClient& admin, const std::string& topic, int32_t partition) {
  int32_t leader = -1;
  WaitFor(
      [&] {
        auto info = admin.DescribeTopic(topic);
        if (!info) return false;
        for (const auto& p : info->partitions)
          if (p.id == partition) leader = p.leader;
        return leader >= 0;
      },
      60s);
  EXPECT_GE(leader, 0) << "topic=" << topic << " partition=" << partition << " has no leader";
  return leader;
}

void WaitInSync(kafka::AdminClient& admin, const std::vector<std::string>& topics, std::chrono::seconds timeout) {
  std::string last;
  bool ok = WaitFor(
      [&] {
        auto md = admin.Metadata();
        if (!md) {
          last = md.error().message;
          return false;
        }
        for (const auto& t : topics) {
          auto it = md->topics.find(t);
          if (it == md->topics.end()) {
            last = t + " missing";
            return false;
          }
          for (const auto& p : it->second.partitions) {
            if (p.leader < 0 || p.isr_count != p.replica_count) {
              last = t + ":" + std::to_string(p.id) + " leader " + std::to_string(p.leader) + " isr " +
                     std::to_string(p.isr_count) + "/" + std::to_string(p.replica_count);
              return false;
            }
          }
        }
        return true;
      },
      timeout);
  ASSERT_TRUE(ok) << "replicas not in sync: " << last;
}

void CreateReplicatedTopic(kafka::AdminClient& admin, const std::string& topic, int32_t partitions) {
  auto st = admin.CreateTopic(topic, partitions, 3);
  ASSERT_TRUE(st) << st.error().ToString();
  WaitInSync(admin, {topic});
}

Writer::Writer(std::string topic, int32_t partitions, std::string tag, int per_second)
    : topic_(std::move(topic)), tag_(std::move(tag)), partitions_(partitions), per_second_(per_second) {
  thread_ = std::thread([this] { Run(); });
}

Writer::~Writer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Writer::Run() {
  std::vector<std::string> pending;  // produced, indexed by tag
  std::mutex pending_mu;
  auto producer = kafka::Producer::Create(Cluster(), {}, [&](const kafka::DeliveryReport& d) {
    std::lock_guard<std::mutex> lock(mu_);
    if (d.error) {
      if (error_.empty()) error_ = d.error->message;
      return;
    }
    std::lock_guard<std::mutex> plock(pending_mu);
    values_.push_back(pending[d.tag]);
    confirmed_++;
  });
  if (!producer) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = producer.error().message;
    return;
  }
  const auto gap = std::chrono::microseconds(1000000 / std::max(1, per_second_));
  auto next = Clock::now();
  for (uint64_t n = 0; !stop_; ++n) {
    Record r;
    r.key = "k" + std::to_string(n);
    {
      std::lock_guard<std::mutex> plock(pending_mu);
      pending.push_back(tag_ + "-" + std::to_string(n));
      r.value = pending.back();
    }
    auto st = (*producer)->Produce(topic_, static_cast<int32_t>(n % partitions_), r, n);
    if (!st) {
      std::lock_guard<std::mutex> lock(mu_);
      if (error_.empty()) error_ = st.error().message;
      break;
    }
    (*producer)->Poll(0ms);
    next += gap;
    std::this_thread::sleep_until(next);
  }
  auto flushed = (*producer)->Flush(300s);
  if (!flushed) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = flushed.error().message;
  }
}

std::vector<std::string> Writer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(error_, "") << "the test's own writer failed";
  return values_;
}

std::vector<std::string> ProduceValues(const std::string& topic, int32_t partitions, const std::string& tag, int count) {
  std::vector<std::string> values;
  auto producer = kafka::Producer::Create(Cluster());
  EXPECT_TRUE(producer) << producer.error().ToString();
  if (!producer) return values;
  for (int n = 0; n < count; ++n) {
    Record r;
    r.key = "k" + std::to_string(n);
    r.value = tag + "-" + std::to_string(n);
    r.timestamp = 1764000000000 + n;
    auto st = (*producer)->Produce(topic, n % partitions, r);
    EXPECT_TRUE(st) << st.error().ToString();
    values.push_back(*r.value);
  }
  auto st = (*producer)->Flush(120s);
  EXPECT_TRUE(st) << st.error().ToString();
  return values;
}

std::vector<std::string> TopicValues(const std::string& topic) {
  std::vector<std::string> out;
  auto admin = ClusterAdmin();
  if (!admin) return out;
  auto info = admin->DescribeTopic(topic);
  EXPECT_TRUE(info) << info.error().ToString();
  if (!info) return out;
  auto consumer = kafka::PartitionConsumer::Create(Cluster());
  EXPECT_TRUE(consumer) << consumer.error().ToString();
  if (!consumer) return out;
  std::vector<kafka::PartitionStart> starts;
  std::map<int32_t, int64_t> end, next;
  for (const auto& p : info->partitions) {
    auto wm = admin->Watermarks(topic, p.id);
    EXPECT_TRUE(wm) << wm.error().ToString();
    if (!wm) return out;
    end[p.id] = wm->high;
    next[p.id] = wm->low;
    if (wm->high > wm->low) starts.push_back({topic, p.id, wm->low});
  }
  EXPECT_TRUE((*consumer)->Assign(starts));
  auto done = [&] {
    for (const auto& [p, e] : end)
      if (next[p] < e) return false;
    return true;
  };
  const auto deadline = Clock::now() + 120s;
  while (!done() && Clock::now() < deadline) {
    auto events = (*consumer)->Poll(200ms);
    EXPECT_TRUE(events);
    if (!events) break;
    for (auto& ev : *events) {
      if (ev.kind == kafka::ConsumerEvent::Kind::kRecord) {
        out.push_back(ev.record.value.value_or("(null)"));
        next[ev.partition] = ev.record.offset + 1;
      } else if (ev.kind == kafka::ConsumerEvent::Kind::kPartitionEof) {
        next[ev.partition] = std::max(next[ev.partition], ev.offset);
      }
    }
  }
  EXPECT_TRUE(done()) << "timed out reading topic " << topic;
  return out;
}

std::vector<std::string> BackupValues(ObjectStore& store, const std::string& backup_id, const std::string& topic) {
  std::vector<std::string> out;
  for (int32_t p = 0; p < 16; ++p)
    for (const auto& r : test::ReadBackup(store, backup_id, topic, p)) out.push_back(r.value.value_or("(null)"));
  return out;
}

::testing::AssertionResult ExactlyOnce(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  std::map<std::string, int> count;
  for (const auto& v : got) count[v]++;
  std::vector<std::string> missing, doubled;
  std::set<std::string> wanted(want.begin(), want.end());
  for (const auto& v : want) {
    auto it = count.find(v);
    if (it == count.end()) missing.push_back(v);
    else if (it->second > 1) doubled.push_back(v);
  }
  std::vector<std::string> extra;
  for (const auto& [v, n] : count)
    if (!wanted.count(v)) extra.push_back(v);
  if (missing.empty() && doubled.empty() && extra.empty() && got.size() == want.size())
    return ::testing::AssertionSuccess() << want.size() << " records, each exactly once";
  auto head = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
    return s + (v.size() > 5 ? ", ..." : "");
  };
  return ::testing::AssertionFailure() << "want " << want.size() << " records, got " << got.size() << ": "
                                       << missing.size() << " missing (" << head(missing) << "), " << doubled.size()
                                       << " more than once (" << head(doubled) << "), " << extra.size()
                                       << " unexpected (" << head(extra) << ")";
}

Cli::Cli(const std::vector<std::string>& args) {
  log_ = test::TempDir("fault-cli") + "/out.log";
  pid_ = test::StartCli(args, log_);
}

Cli::~Cli() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    test::WaitCli(pid_);
  }
}

int Cli::Wait(std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (pid_ > 0) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (Clock::now() >= deadline) {
      ADD_FAILURE() << "kafka-backup did not end within " << limit.count() << " s; output:\n" << Output();
      return -1;
    }
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

void Cli::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int Cli::SignalAndWait(int sig, std::chrono::seconds limit, std::chrono::duration<double>* took) {
  const auto start = Clock::now();
  Signal(sig);
  int code = Wait(limit);
  *took = Clock::now() - start;
  return code;
}

std::string Cli::Output() const { return test::ReadTextFile(log_); }

std::string WriteConfig(const std::string& text) {
  std::string path = test::TempDir("fault-config") + "/config.yaml";
  std::ofstream(path) << text;
  return path;
}

StorageConfig TestStorage(const std::string& stem) { return test::MinioStorage(test::UniqueName(stem)); }

std::string HttpGet(int port, const std::string& path) {
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(2);
  http.set_read_timeout(5);
  auto r = http.Get(path);
  return r ? r->body : "";
}

double Metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return pred();
}

void FaultTest::SetUp() {
  for (int node = 1; node <= 3; ++node) KafkaNode(node, "start");
  Minio("start");
  admin_ = ClusterAdmin();
  ASSERT_TRUE(admin_);
}

void FaultTest::TearDown() {
  for (int node = 1; node <= 3; ++node) KafkaNode(node, "start");
  Minio("start");
  if (!admin_) return;
  WaitInSync(*admin_, {"__consumer_offsets"});
  for (const auto& t : topics_) (void)admin_->DeleteTopic(t);
}

}  // namespace kb::faults
