// MetricsServer: serves GET /metrics (Prometheus) and GET /health for a long-running backup, on
// metrics.bind_address:metrics.port, from its own thread. Each request asks `status` for a fresh
// snapshot, so the answers are never stale. Failing to listen (port taken, bad address) is an
// error at start, before the backup reads anything.
#pragma once

#include <functional>
#include <memory>

#include "config/config.h"
#include "core/error.h"
#include "metrics/backup_status.h"

namespace kb::metrics {

class MetricsServer {
 public:
  using StatusFn = std::function<BackupStatus()>;
  static Result<std::unique_ptr<MetricsServer>> Start(const MetricsOptions& options, StatusFn status);
  ~MetricsServer();  // stops serving and joins the thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const;  // the bound port (useful when options.port was 0)

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::metrics
