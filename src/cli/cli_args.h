// CliArgs: every flag of every command, filled by CLI11 (each cmd_<name>.cpp registers its
// command's flags) and read by the command that runs. One struct keeps the flag spellings in one
// place (they must match the seed and PRODUCT.md exactly).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace kb::cli {

struct CliArgs {
  // Global
  int verbosity = 0;
  bool quiet = false;
  std::string log_format = "text";  // text | json
  std::string format = "text";      // text | json | yaml (| csv | shell-script where noted)

  // Config-driven commands
  std::string config_file;
  std::string time_window_start;    // epoch ms or ISO-8601, raw; parsed by the command
  std::string time_window_end;
  bool dry_run = false;
  bool allow_non_empty = false;
  int workers = 1;                  // restore: machines restoring one backup together
  int worker_index = -1;            // restore: this machine's part, 0..workers-1
  bool after_parts = false;         // three-phase-restore: reset offsets once every part finished

  // Storage inspection and offsets
  std::string path;                 // s3://bucket/prefix, file:///abs, dir, memory://name
  std::string backup_id;
  std::string restore_id;           // which restore's offset mapping; default newest
  bool deep = false;
  bool segments = false;            // describe: list every segment and gap (reads the whole catalog)
  std::string keep_within;          // prune: a duration, e.g. 7d

  // Kafka connection
  std::string bootstrap_servers;
  SecurityConfig security;  // --security-protocol, --sasl-*, --ssl-*: the config's security keys as flags
  std::vector<std::string> kafka_properties;  // -X key=value, passed to librdkafka

  // Consumer offsets
  std::vector<std::string> groups;
  bool all_groups = false;
  std::string strategy;             // offset-reset: translation strategy
  bool force = false;
  std::string description;
  std::string snapshot_id;
  std::string verify = "true";      // rollback --verify true|false
  bool delete_extra = false;        // rollback: remove offsets the snapshot lacks
  std::string output_file;          // script: write here instead of stdout
  int max_concurrency = 8;          // offset-reset-bulk
  int max_retries = 3;

  // cat (the window uses time_window_start/end above)
  std::string topic;                     // "" = every topic
  std::optional<int32_t> partition;      // unset = every partition
  std::optional<std::string> key;        // exact key; unset = any
  std::string grep;                      // POSIX extended regex on the value
  uint64_t limit = 0;                    // 0 = no limit
  std::string cat_format = "jsonl";      // jsonl | text

  // generate (hidden)
  std::string generate_what;             // man | bash-completion | zsh-completion | check
};

}  // namespace kb::cli
