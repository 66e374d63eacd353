#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/time_util.h"

namespace kb {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

int LineOf(const YAML::Node& n) { return n.Mark().line + 1; }

// Walks one YAML mapping: hands out known keys and rejects unknown ones with a suggestion.
class Section {
 public:
  Section(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  // Fails on a key of this mapping that no one asked for (after all Get calls), naming the
  // nearest known key.
  Status CheckUnknown(const std::vector<std::string>& known) const {
    if (!node_ || node_.IsNull()) return {};
    for (const auto& kv : node_) {
      std::string key = kv.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string msg = "unknown key '" + key + "' at line " + std::to_string(LineOf(kv.first)) +
                        (path_.empty() ? "" : " in " + path_);
      std::string near = NearestKey(key, known);
      if (!near.empty()) msg += ": did you mean '" + near + "'?";
      else msg += "; valid keys here: " + Join(known);
      return Fail(ErrorCode::kInvalidArgument, msg);
    }
    return {};
  }

  YAML::Node Child(const std::string& key) const {
    if (!node_ || !node_.IsMap()) return YAML::Node();
    return node_[key];
  }
  std::string PathOf(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  template <typename T>
  Status Get(const std::string& key, T* out) const {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return {};
    try {
      *out = n.as<T>();
    } catch (const YAML::Exception&) {
      return TypeError(key, n, TypeName<T>());
    }
    return {};
  }

  Status GetStringList(const std::string& key, std::vector<std::string>* out) const {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return {};
    if (n.IsScalar()) {  // "a,b" or a single value
      std::stringstream ss(n.as<std::string>());
      std::string item;
      while (std::getline(ss, item, ','))
        if (!item.empty()) out->push_back(item);
      return {};
    }
    if (!n.IsSequence()) return TypeError(key, n, "a list of strings");
    for (const auto& item : n) {
      if (!item.IsScalar()) return TypeError(key, item, "a list of strings");
      out->push_back(item.as<std::string>());
    }
    return {};
  }

  Status GetTimestamp(const std::string& key, std::optional<int64_t>* out) const {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return {};
    if (!n.IsScalar()) return TypeError(key, n, "epoch milliseconds or an ISO-8601 time");
    auto ts = ParseTimestampMs(n.as<std::string>());
    if (!ts) return Fail(ts.error().With(PathOf(key) + " at line " + std::to_string(LineOf(n))));
    *out = *ts;
    return {};
  }

  Status TypeError(const std::string& key, const YAML::Node& n, const std::string& expected) const {
    return Fail(ErrorCode::kInvalidArgument, "key '" + PathOf(key) + "' at line " +
                                                 std::to_string(LineOf(n)) + " must be " + expected);
  }

  const YAML::Node& node() const { return node_; }

 private:
  template <typename T>
  static const char* TypeName() {
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    else if constexpr (std::is_integral_v<T>) return "an integer";
    else return "a string";
  }
  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }
  YAML::Node node_;
  std::string path_;
};

Status ParseSecurity(const Section& s, SecurityConfig* out) {
  KB_TRY(s.CheckUnknown({"security_protocol", "sasl_mechanism", "sasl_username", "sasl_password",
                         "ssl_ca_location", "ssl_certificate_location", "ssl_key_location",
                         "ssl_key_password"}));
  KB_TRY(s.Get("security_protocol", &out->security_protocol));
  KB_TRY(s.Get("sasl_mechanism", &out->sasl_mechanism));
  KB_TRY(s.Get("sasl_username", &out->sasl_username));
  KB_TRY(s.Get("sasl_password", &out->sasl_password));
  KB_TRY(s.Get("ssl_ca_location", &out->ssl_ca_location));
  KB_TRY(s.Get("ssl_certificate_location", &out->ssl_certificate_location));
  KB_TRY(s.Get("ssl_key_location", &out->ssl_key_location));
  KB_TRY(s.Get("ssl_key_password", &out->ssl_key_password));
  return {};
}

Status ParseTopics(const Section& parent, TopicSelection* out) {
  YAML::Node n = parent.Child("topics");
  if (!n || n.IsNull()) return {};
  if (n.IsSequence() || n.IsScalar()) return parent.GetStringList("topics", &out->include);
  Section s(n, parent.PathOf("topics"));
  KB_TRY(s.CheckUnknown({"include", "exclude"}));
  KB_TRY(s.GetStringList("include", &out->include));
  KB_TRY(s.GetStringList("exclude", &out->exclude));
  return {};
}

Status ParseStringMap(const Section& parent, const std::string& key, std::map<std::string, std::string>* out) {
  YAML::Node n = parent.Child(key);
  if (!n || n.IsNull()) return {};
  if (!n.IsMap()) return parent.TypeError(key, n, "a mapping");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) return parent.TypeError(key, kv.second, "a mapping of strings");
    (*out)[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return {};
}

Status ParseCluster(const YAML::Node& node, const std::string& name, ClusterSection* out) {
  Section s(node, name);
  KB_TRY(s.CheckUnknown({"bootstrap_servers", "security", "properties", "topics", "retry_deadline_ms"}));
  KB_TRY(s.GetStringList("bootstrap_servers", &out->bootstrap_servers));
  if (YAML::Node sec = s.Child("security"); sec && !sec.IsNull())
    KB_TRY(ParseSecurity(Section(sec, s.PathOf("security")), &out->security));
  KB_TRY(ParseStringMap(s, "properties", &out->properties));
  KB_TRY(ParseTopics(s, &out->topics));
  KB_TRY(s.Get("retry_deadline_ms", &out->retry_deadline_ms));
  if (out->retry_deadline_ms < 1000)
    return Fail(ErrorCode::kInvalidArgument, name + ".retry_deadline_ms must be at least 1000 (a second), not " +
                                                 std::to_string(out->retry_deadline_ms));
  return {};
}

Status ParseStorage(const YAML::Node& node, StorageConfig* out) {
  Section s(node, "storage");
  KB_TRY(s.CheckUnknown({"backend", "path", "bucket", "prefix", "region", "endpoint", "path_style",
                         "access_key", "secret_key", "access_key_id", "secret_access_key",
                         "session_token", "name", "retry_deadline_ms"}));
  std::string backend = "filesystem";
  KB_TRY(s.Get("backend", &backend));
  if (backend == "filesystem" || backend == "local" || backend == "file") out->backend = StorageBackendKind::kFilesystem;
  else if (backend == "s3") out->backend = StorageBackendKind::kS3;
  else if (backend == "memory") out->backend = StorageBackendKind::kMemory;
  else
    return Fail(ErrorCode::kInvalidArgument, "storage.backend '" + backend + "' at line " +
                                                 std::to_string(LineOf(s.Child("backend"))) +
                                                 " is not supported: use s3, filesystem or memory");
  KB_TRY(s.Get("path", &out->path));
  KB_TRY(s.Get("bucket", &out->bucket));
  KB_TRY(s.Get("prefix", &out->prefix));
  KB_TRY(s.Get("region", &out->region));
  KB_TRY(s.Get("endpoint", &out->endpoint));
  bool path_style = false;
  if (s.Child("path_style")) {
    KB_TRY(s.Get("path_style", &path_style));
    out->path_style = path_style;
  }
  KB_TRY(s.Get("access_key", &out->access_key));
  KB_TRY(s.Get("access_key_id", &out->access_key));
  KB_TRY(s.Get("secret_key", &out->secret_key));
  KB_TRY(s.Get("secret_access_key", &out->secret_key));
  KB_TRY(s.Get("session_token", &out->session_token));
  KB_TRY(s.Get("name", &out->memory_name));
  KB_TRY(s.Get("retry_deadline_ms", &out->retry_deadline_ms));
  if (out->retry_deadline_ms < 1000)
    return Fail(ErrorCode::kInvalidArgument, "storage.retry_deadline_ms must be at least 1000 (a second), not " +
                                                 std::to_string(out->retry_deadline_ms));
  if (out->backend == StorageBackendKind::kS3 && out->bucket.empty())
    return Fail(ErrorCode::kInvalidArgument, "storage.bucket is required when storage.backend is s3");
  return {};
}

Status ParseRetention(const Section& s, BackupOptions* out) {
  if (!s.node().IsMap()) return Fail(ErrorCode::kInvalidArgument, "backup.retention must be a mapping (keep_within, interval)");
  KB_TRY(s.CheckUnknown({"keep_within", "interval"}));
  auto duration = [&](const char* key, int64_t* ms) -> Status {
    YAML::Node n = s.Child(key);
    if (!n || n.IsNull()) return {};
    if (!n.IsScalar()) return s.TypeError(key, n, "a duration such as 7d, 12h or 30m");
    auto parsed = ParseDurationMs(n.as<std::string>());
    if (!parsed) return Fail(parsed.error().With(s.PathOf(key) + " at line " + std::to_string(LineOf(n))));
    *ms = *parsed;
    return {};
  };
  KB_TRY(duration("keep_within", &out->retention_keep_within_ms));
  KB_TRY(duration("interval", &out->retention_interval_ms));
  if (out->retention_keep_within_ms == 0)
    return Fail(ErrorCode::kInvalidArgument, "backup.retention needs keep_within, for example keep_within: 7d");
  if (out->retention_interval_ms < 1000)
    return Fail(ErrorCode::kInvalidArgument, "backup.retention.interval must be at least 1s");
  return {};
}

Status ParseBackup(const YAML::Node& node, BackupOptions* out) {
  Section s(node, "backup");
  KB_TRY(s.CheckUnknown({"compression", "compression_level", "segment_max_bytes", "segment_max_records",
                         "segment_max_interval_ms", "block_bytes", "continuous", "stop_at_current_offsets",
                         "start_offset", "max_concurrent_partitions", "include_internal_topics",
                         "isolation_level", "poll_interval_ms", "topic_refresh_interval_ms",
                         "capture_consumer_offsets", "consumer_groups", "offset_capture_interval_ms",
                         "retention", "coordination", "coordination_group_id",
                         "rate_limit_bytes_per_sec"}));
  // Strings in the YAML, parsed into their types below.
  std::string compression = format::CodecName(out->compression), start_offset = "earliest",
              isolation_level = "read_committed", coordination = "none";
  KB_TRY(s.Get("compression", &compression));
  KB_TRY(s.Get("compression_level", &out->compression_level));
  KB_TRY(s.Get("segment_max_bytes", &out->segment_max_bytes));
  KB_TRY(s.Get("segment_max_records", &out->segment_max_records));
  KB_TRY(s.Get("segment_max_interval_ms", &out->segment_max_interval_ms));
  KB_TRY(s.Get("block_bytes", &out->block_bytes));
  KB_TRY(s.Get("continuous", &out->continuous));
  KB_TRY(s.Get("stop_at_current_offsets", &out->stop_at_current_offsets));
  KB_TRY(s.Get("start_offset", &start_offset));
  KB_TRY(s.Get("max_concurrent_partitions", &out->max_concurrent_partitions));
  KB_TRY(s.Get("include_internal_topics", &out->include_internal_topics));
  KB_TRY(s.Get("isolation_level", &isolation_level));
  KB_TRY(s.Get("poll_interval_ms", &out->poll_interval_ms));
  KB_TRY(s.Get("topic_refresh_interval_ms", &out->topic_refresh_interval_ms));
  KB_TRY(s.Get("capture_consumer_offsets", &out->capture_consumer_offsets));
  KB_TRY(s.GetStringList("consumer_groups", &out->consumer_groups));
  KB_TRY(s.Get("offset_capture_interval_ms", &out->offset_capture_interval_ms));
  if (YAML::Node n = s.Child("retention"); n && !n.IsNull()) KB_TRY(ParseRetention(Section(n, "backup.retention"), out));
  KB_TRY(s.Get("coordination", &coordination));
  KB_TRY(s.Get("coordination_group_id", &out->coordination_group_id));
  KB_TRY(s.Get("rate_limit_bytes_per_sec", &out->rate_limit_bytes_per_sec));

  auto invalid = [&](const std::string& key, const std::string& what) {
    return Fail(ErrorCode::kInvalidArgument, "backup." + key + " " + what);
  };
  auto codec = format::ParseCodec(compression);
  if (!codec) return invalid("compression", "must be zstd, lz4 or none, not '" + compression + "'");
  out->compression = *codec;
  if (out->compression_level < 1 || out->compression_level > 22)
    return invalid("compression_level", "must be between 1 and 22");
  if (out->max_concurrent_partitions < 1) return invalid("max_concurrent_partitions", "must be at least 1");
  if (out->segment_max_bytes < 1024) return invalid("segment_max_bytes", "must be at least 1024");
  if (out->block_bytes < 1024 || out->block_bytes > (64u << 20)) return invalid("block_bytes", "must be between 1 KiB and 64 MiB");
  if (isolation_level != "read_committed" && isolation_level != "read_uncommitted")
    return invalid("isolation_level", "must be read_committed or read_uncommitted");
  out->read_committed = isolation_level == "read_committed";
  if (start_offset == "earliest") {
    out->start_offset.kind = StartOffset::Kind::kEarliest;
  } else if (start_offset == "latest") {
    out->start_offset.kind = StartOffset::Kind::kLatest;
  } else if (!start_offset.empty() && start_offset.size() <= 18 &&
             start_offset.find_first_not_of("0123456789") == std::string::npos) {
    out->start_offset = {StartOffset::Kind::kOffset, std::stoll(start_offset)};
  } else {
    return invalid("start_offset", "must be earliest, latest or an offset number, not '" + start_offset + "'");
  }
  if (out->rate_limit_bytes_per_sec < 0) return invalid("rate_limit_bytes_per_sec", "must be 0 (no limit) or more");
  if (coordination != "none" && coordination != "kafka-group")
    return invalid("coordination", "must be none or kafka-group, not '" + coordination + "'");
  out->coordination = coordination == "kafka-group" ? Coordination::kKafkaGroup : Coordination::kNone;
  if (out->coordination == Coordination::kKafkaGroup && !out->continuous)
    return invalid("coordination", "kafka-group needs continuous: true (processes share a backup that runs until stopped)");
  if (out->coordination == Coordination::kNone && !out->coordination_group_id.empty())
    return invalid("coordination_group_id", "is used only with coordination: kafka-group");
  return {};
}

Status ParseRestore(const YAML::Node& node, RestoreOptions* out) {
  Section s(node, "restore");
  KB_TRY(s.CheckUnknown({"time_window_start", "time_window_end", "topic_mapping", "partition_mapping",
                         "source_partitions", "repartitioning", "consumer_group_strategy",
                         "consumer_groups", "reset_consumer_offsets", "snapshot_id",
                         "include_original_offset_header", "create_topics", "default_replication_factor",
                         "purge_topics", "allow_non_empty", "dry_run", "produce_batch_size", "produce_acks",
                         "rate_limit_records_per_sec", "rate_limit_bytes_per_sec",
                         "max_concurrent_partitions"}));
  KB_TRY(s.GetTimestamp("time_window_start", &out->time_window_start));
  KB_TRY(s.GetTimestamp("time_window_end", &out->time_window_end));
  KB_TRY(ParseStringMap(s, "topic_mapping", &out->topic_mapping));
  if (YAML::Node pm = s.Child("partition_mapping"); pm && !pm.IsNull()) {
    if (!pm.IsMap()) return s.TypeError("partition_mapping", pm, "a mapping of partition numbers");
    try {
      for (const auto& kv : pm) out->partition_mapping[kv.first.as<int32_t>()] = kv.second.as<int32_t>();
    } catch (const YAML::Exception&) {
      return s.TypeError("partition_mapping", pm, "a mapping of partition numbers (0: 1)");
    }
  }
  if (YAML::Node sp = s.Child("source_partitions"); sp && !sp.IsNull()) {
    try {
      out->source_partitions = sp.as<std::vector<int32_t>>();
    } catch (const YAML::Exception&) {
      return s.TypeError("source_partitions", sp, "a list of partition numbers");
    }
  }
  KB_TRY(s.Get("repartitioning", &out->repartitioning));
  std::string strategy = "skip";
  KB_TRY(s.Get("consumer_group_strategy", &strategy));
  KB_TRY(s.GetStringList("consumer_groups", &out->consumer_groups));
  KB_TRY(s.Get("reset_consumer_offsets", &out->reset_consumer_offsets));
  KB_TRY(s.Get("snapshot_id", &out->snapshot_id));
  KB_TRY(s.Get("include_original_offset_header", &out->include_original_offset_header));
  KB_TRY(s.Get("create_topics", &out->create_topics));
  KB_TRY(s.Get("default_replication_factor", &out->default_replication_factor));
  KB_TRY(s.Get("purge_topics", &out->purge_topics));
  KB_TRY(s.Get("allow_non_empty", &out->allow_non_empty));
  KB_TRY(s.Get("dry_run", &out->dry_run));
  KB_TRY(s.Get("produce_batch_size", &out->produce_batch_size));
  std::string produce_acks = "all";
  KB_TRY(s.Get("produce_acks", &produce_acks));
  KB_TRY(s.Get("rate_limit_records_per_sec", &out->rate_limit_records_per_sec));
  KB_TRY(s.Get("rate_limit_bytes_per_sec", &out->rate_limit_bytes_per_sec));
  KB_TRY(s.Get("max_concurrent_partitions", &out->max_concurrent_partitions));

  if (auto parsed = format::ParseResetStrategy(strategy)) {
    out->consumer_group_strategy = *parsed;
  } else {
    std::string near = NearestKey(strategy, format::ResetStrategyNames());
    return Fail(ErrorCode::kInvalidArgument,
                "restore.consumer_group_strategy '" + strategy +
                    "' is not one of skip, header-based, timestamp-based, cluster-scan, manual" +
                    (near.empty() ? "" : ": did you mean '" + near + "'?"));
  }
  if (produce_acks != "all" && produce_acks != "-1" && produce_acks != "1")
    return Fail(ErrorCode::kInvalidArgument,
                "restore.produce_acks must be all or 1 (acks=0 cannot confirm that a record was written)");
  out->produce_acks = produce_acks == "1" ? ProduceAcks::kLeader : ProduceAcks::kAll;
  if (out->max_concurrent_partitions < 1)
    return Fail(ErrorCode::kInvalidArgument, "restore.max_concurrent_partitions must be at least 1");
  if (out->produce_batch_size < 1)
    return Fail(ErrorCode::kInvalidArgument, "restore.produce_batch_size must be at least 1");
  if (out->time_window_start && out->time_window_end && *out->time_window_start > *out->time_window_end)
    return Fail(ErrorCode::kInvalidArgument, "restore.time_window_start is after restore.time_window_end");
  return {};
}

Status ParseMetrics(const YAML::Node& node, MetricsOptions* out) {
  Section s(node, "metrics");
  KB_TRY(s.CheckUnknown({"enabled", "port", "bind_address"}));
  KB_TRY(s.Get("enabled", &out->enabled));
  KB_TRY(s.Get("port", &out->port));
  KB_TRY(s.Get("bind_address", &out->bind_address));
  if (out->port < 0 || out->port > 65535)
    return Fail(ErrorCode::kInvalidArgument, "metrics.port must be between 0 and 65535, got " + std::to_string(out->port));
  if (out->bind_address.empty()) return Fail(ErrorCode::kInvalidArgument, "metrics.bind_address must not be empty");
  return {};
}

}  // namespace

std::string NearestKey(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  // Close enough to be a typo: at most a third of the word, and at least 3 edits allowed.
  size_t limit = std::max<size_t>(3, word.size() / 3);
  return best_d <= limit ? best : "";
}

Result<std::string> ExpandEnvironment(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += text[i];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return Fail(ErrorCode::kInvalidArgument, "unterminated ${ at line " + std::to_string(line));
    std::string inner = text.substr(i + 2, close - i - 2);
    std::string name = inner, fallback;
    bool has_default = false;
    if (auto p = inner.find(":-"); p != std::string::npos) {
      name = inner.substr(0, p);
      fallback = inner.substr(p + 2);
      has_default = true;
    }
    const char* v = std::getenv(name.c_str());
    if (v && *v) out += v;
    else if (has_default) out += fallback;
    else
      return Fail(ErrorCode::kInvalidArgument, "environment variable " + name + " used at line " +
                                                   std::to_string(line) + " is not set (write ${" + name +
                                                   ":-default} to give a default)");
    i = close;
  }
  return out;
}

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& file) {
  KB_ASSIGN_OR_RETURN(std::string expanded, ExpandEnvironment(yaml_text));
  YAML::Node root;
  try {
    root = YAML::Load(expanded);
  } catch (const YAML::ParserException& e) {
    return Fail(ErrorCode::kInvalidArgument, "malformed YAML in " + file + " at line " +
                                                 std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root || root.IsNull()) return Fail(ErrorCode::kInvalidArgument, "config file " + file + " is empty");
  if (!root.IsMap()) return Fail(ErrorCode::kInvalidArgument, "config file " + file + " must be a YAML mapping");

  Config c;
  c.file = file;
  Section top(root, "");
  auto with_file = [&](Status st) -> Status {
    if (!st) return Fail(st.error().With(file));
    return {};
  };
  KB_TRY(with_file(top.CheckUnknown({"mode", "backup_id", "source", "target", "storage", "backup", "restore", "metrics"})));
  KB_TRY(with_file(top.Get("mode", &c.mode)));
  KB_TRY(with_file(top.Get("backup_id", &c.backup_id)));
  if (!c.mode.empty() && c.mode != "backup" && c.mode != "restore")
    return Fail(ErrorCode::kInvalidArgument, file + ": mode must be backup or restore, not '" + c.mode + "'");
  if (YAML::Node n = top.Child("source"); n && !n.IsNull()) {
    c.source.emplace();
    KB_TRY(with_file(ParseCluster(n, "source", &*c.source)));
  }
  if (YAML::Node n = top.Child("target"); n && !n.IsNull()) {
    c.target.emplace();
    KB_TRY(with_file(ParseCluster(n, "target", &*c.target)));
  }
  if (YAML::Node n = top.Child("storage"); n && !n.IsNull()) {
    c.storage_given = true;
    KB_TRY(with_file(ParseStorage(n, &c.storage)));
  }
  if (YAML::Node n = top.Child("backup"); n && !n.IsNull()) KB_TRY(with_file(ParseBackup(n, &c.backup)));
  if (YAML::Node n = top.Child("restore"); n && !n.IsNull()) KB_TRY(with_file(ParseRestore(n, &c.restore)));
  if (YAML::Node n = top.Child("metrics"); n && !n.IsNull()) KB_TRY(with_file(ParseMetrics(n, &c.metrics)));
  if (!c.backup_id.empty() &&
      c.backup_id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument,
                file + ": backup_id '" + c.backup_id + "' may only contain letters, digits, '.', '_' and '-'");
  if (c.backup.coordination == Coordination::kKafkaGroup && c.backup.coordination_group_id.empty())
    c.backup.coordination_group_id = "kafka-backup." + c.backup_id;
  return c;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(ErrorCode::kInvalidArgument, "cannot read config file " + path + ": check the path given to --config");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace kb
