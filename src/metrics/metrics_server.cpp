#include "metrics/metrics_server.h"

#include <thread>

#include <httplib.h>

#include "core/time_util.h"

namespace kb::metrics {

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int MetricsServer::port() const { return impl_->port; }

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const MetricsOptions& options, StatusFn status) {
  if (options.port < 0 || options.port > 65535)
    return Fail(ErrorCode::kInvalidArgument, "metrics.port must be 0..65535, got " + std::to_string(options.port));
  auto impl = std::make_unique<Impl>();
  impl->server.Get("/metrics", [status](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderPrometheus(status()), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl->server.Get("/health", [status](const httplib::Request&, httplib::Response& res) {
    auto [code, body] = RenderHealth(status(), NowMs());
    res.status = code;
    res.set_content(body, "application/json");
  });
  const std::string where = options.bind_address + ":" + std::to_string(options.port);
  if (options.port == 0) {
    impl->port = impl->server.bind_to_any_port(options.bind_address);
    if (impl->port < 0) return Fail(ErrorCode::kUnavailable, "metrics: cannot listen on " + where);
  } else {
    if (!impl->server.bind_to_port(options.bind_address, options.port))
      return Fail(ErrorCode::kUnavailable, "metrics: cannot listen on " + where +
                                               " (port in use or address not local): change metrics.port or "
                                               "metrics.bind_address");
    impl->port = options.port;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

}  // namespace kb::metrics
