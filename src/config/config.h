// Config: the YAML file of `backup`, `restore`, `three-phase-restore`, `validate-restore` and
// `snapshot-groups`, as typed structs. docs/CONFIG.md lists every key with its default.
//
// Loading contract:
// - ${VAR} and ${VAR:-default} are expanded from the environment before parsing; an unset
//   ${VAR} without a default is an error naming VAR and the line.
// - A key this tool does not know is an error naming the key, its line, and the nearest
//   valid key ("unknown key 'bootstrap_server' at line 5 in source: did you mean 'bootstrap_servers'?").
// - A value of the wrong type names the key, its line and the expected type.
// - Every key parsed here is used by an engine; none is parsed and ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/compression.h"
#include "format/reset_strategy.h"
#include "storage/storage_config.h"

namespace kb {

struct SecurityConfig {
  std::string security_protocol;   // PLAINTEXT (default), SSL, SASL_PLAINTEXT, SASL_SSL
  std::string sasl_mechanism;      // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER
  std::string sasl_username;
  std::string sasl_password;       // secret: never logged
  std::string ssl_ca_location;
  std::string ssl_certificate_location;
  std::string ssl_key_location;
  std::string ssl_key_password;    // secret: never logged
};

struct TopicSelection {
  std::vector<std::string> include;  // globs (* ?) or ~regex; empty = all (backup) / all backed up (restore)
  std::vector<std::string> exclude;
};

// A Kafka cluster as the config's `source:` or `target:` section describes it.
struct ClusterSection {
  std::vector<std::string> bootstrap_servers;
  SecurityConfig security;
  std::map<std::string, std::string> properties;  // passed to librdkafka as-is
  TopicSelection topics;
  int64_t retry_deadline_ms = 300000;  // one request retried through leader changes and restarts
};

// backup.start_offset: where a partition the backup does not hold yet starts.
struct StartOffset {
  enum class Kind { kEarliest, kLatest, kOffset };
  Kind kind = Kind::kEarliest;
  int64_t offset = 0;  // kOffset: the same offset on every partition (the log start if below it)
};

// backup.coordination. kNone: one process owns the backup. kKafkaGroup: every process started with
// this config joins one Kafka consumer group and backs up the partitions the group assigns it
// (continuous only).
enum class Coordination { kNone, kKafkaGroup };

// restore.produce_acks: all (also written -1) or 1; 0 is refused, as it cannot confirm delivery.
enum class ProduceAcks { kAll, kLeader };

// The YAML's strings are parsed into these types in one place (config.cpp); engines get values.
struct BackupOptions {
  format::Codec compression = format::Codec::kZstd;  // zstd | lz4 | none
  int compression_level = 3;                     // zstd level
  uint64_t segment_max_bytes = 64ull << 20;      // roll a segment at this many raw bytes
  uint64_t segment_max_records = 0;              // 0 = no record limit
  int64_t segment_max_interval_ms = 60000;       // roll an open segment this old, even if idle
  uint64_t block_bytes = 256 * 1024;             // raw bytes per compressed block
  bool continuous = false;                       // follow new records and topics until stopped
  bool stop_at_current_offsets = false;          // snapshot mode: cut points captured first
  StartOffset start_offset;                      // earliest | latest | a number
  int max_concurrent_partitions = 8;
  bool include_internal_topics = false;
  bool read_committed = true;                    // isolation_level: read_committed | read_uncommitted
  int64_t poll_interval_ms = 100;                // continuous: wait per idle poll
  int64_t topic_refresh_interval_ms = 10000;     // continuous: look for new matching topics
  bool capture_consumer_offsets = true;          // capture committed group offsets with the backup
  std::vector<std::string> consumer_groups;      // groups to capture; empty = all with offsets on backed-up topics
  int64_t offset_capture_interval_ms = 30000;    // continuous: capture cadence
  int64_t retention_keep_within_ms = 0;          // backup.retention.keep_within; 0 = keep everything
  int64_t retention_interval_ms = 3600000;       // backup.retention.interval: prune cadence (continuous)
  Coordination coordination = Coordination::kNone;
  int64_t rate_limit_bytes_per_sec = 0;          // record bytes read per second, this process; 0 = no limit
  std::string coordination_group_id;             // default "kafka-backup.<backup_id>"
};

struct RestoreOptions {
  // Parallel restore (--workers N --worker-index I): this process restores part `part_index` of
  // `parts`; `after_parts` (--after-parts) resets offsets once every part has finished.
  int parts = 1;
  int part_index = 0;
  bool after_parts = false;
  std::optional<int64_t> time_window_start;      // inclusive, epoch ms (config takes ms or ISO-8601)
  std::optional<int64_t> time_window_end;        // inclusive
  std::map<std::string, std::string> topic_mapping;   // source topic -> target topic
  std::map<int32_t, int32_t> partition_mapping;       // source partition -> target partition (all topics)
  std::vector<int32_t> source_partitions;             // only these source partitions; empty = all
  bool repartitioning = false;                   // keyed records to murmur2(key) % target partitions
  format::ResetStrategy consumer_group_strategy = format::ResetStrategy::kSkip;
  std::vector<std::string> consumer_groups;
  bool reset_consumer_offsets = false;
  std::string snapshot_id;                       // offsets to translate: a snapshot instead of the captures
  bool include_original_offset_header = false;
  bool create_topics = false;
  int16_t default_replication_factor = -1;       // -1 = the broker's default
  bool purge_topics = false;
  bool allow_non_empty = false;
  bool dry_run = false;
  int produce_batch_size = 10000;                // librdkafka batch.num.messages
  ProduceAcks produce_acks = ProduceAcks::kAll;
  int64_t rate_limit_records_per_sec = 0;        // 0 = unlimited; one budget for all partitions
  int64_t rate_limit_bytes_per_sec = 0;
  int max_concurrent_partitions = 8;
};

struct MetricsOptions {
  bool enabled = false;
  int port = 9464;
  std::string bind_address = "127.0.0.1";
};

struct Config {
  std::string mode;          // backup | restore
  std::string backup_id;
  std::optional<ClusterSection> source;
  std::optional<ClusterSection> target;
  StorageConfig storage;
  bool storage_given = false;  // false: the file had no storage section
  BackupOptions backup;
  RestoreOptions restore;
  MetricsOptions metrics;
  std::string file;          // where it was loaded from, for messages
};

// Expands ${VAR} / ${VAR:-default}. Exposed for tests.
Result<std::string> ExpandEnvironment(const std::string& text);

Result<Config> LoadConfigFile(const std::string& path);
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& file_for_messages);

// The nearest of `candidates` to `word` by edit distance, or "" if none is close.
std::string NearestKey(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace kb
