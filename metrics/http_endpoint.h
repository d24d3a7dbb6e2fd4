#pragma once

#include <functional>
#include <memory>
#include <string>

class CivetServer;

namespace duplex::metrics {

// A probe's answer: healthy or not, and a one-line reason when not.
struct ProbeResult {
  bool ok = true;
  std::string reason;
};

// Serves GET /metrics (Prometheus text), /healthz and /readyz; anything else is 404.
// civetweb's worker threads answer scrapes, so a slow client never blocks replication.
class HttpEndpoint {
 public:
  struct Handlers {
    std::function<std::string()> metrics;
    std::function<ProbeResult()> health;
    std::function<ProbeResult()> ready;
  };

  // listen: "host:port". Throws std::runtime_error when it cannot bind.
  HttpEndpoint(const std::string& listen, Handlers handlers);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // The bound port (useful with port 0).
  int port() const;

 private:
  struct Dispatch;
  Handlers handlers_;
  std::unique_ptr<Dispatch> dispatch_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace duplex::metrics
