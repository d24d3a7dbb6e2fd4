#include "metrics/http_endpoint.h"

#include <CivetServer.h>

#include <stdexcept>

namespace duplex::metrics {
namespace {

void reply(mg_connection* conn, int status, const char* status_text, const std::string& type,
           const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            status, status_text, type.c_str(), body.size());
  mg_write(conn, body.data(), body.size());
}

}  // namespace

// One handler for every path, so unknown paths get a plain 404 of ours.
struct HttpEndpoint::Dispatch : CivetHandler {
  explicit Dispatch(const Handlers& h) : handlers(h) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    const std::string uri = mg_get_request_info(conn)->local_uri;
    if (uri == "/metrics") {
      reply(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", handlers.metrics());
    } else if (uri == "/healthz" || uri == "/readyz") {
      ProbeResult r = uri == "/healthz" ? handlers.health() : handlers.ready();
      if (r.ok) {
        reply(conn, 200, "OK", "text/plain", "ok\n");
      } else {
        reply(conn, 503, "Service Unavailable", "text/plain", r.reason + "\n");
      }
    } else {
      reply(conn, 404, "Not Found", "text/plain", "not found: try /metrics, /healthz, /readyz\n");
    }
    return true;
  }

  const Handlers& handlers;
};

HttpEndpoint::HttpEndpoint(const std::string& listen, Handlers handlers)
    : handlers_(std::move(handlers)), dispatch_(std::make_unique<Dispatch>(handlers_)) {
  const std::vector<std::string> options = {
      "listening_ports",    listen, "num_threads",       "4",
      "request_timeout_ms", "5000", "enable_keep_alive", "no",
  };
  try {
    server_ = std::make_unique<CivetServer>(options);
  } catch (const CivetException& e) {
    throw std::runtime_error("metrics endpoint: cannot listen on " + listen + ": " + e.what());
  }
  server_->addHandler("/", dispatch_.get());
}

HttpEndpoint::~HttpEndpoint() {
  if (server_) server_->close();
}

int HttpEndpoint::port() const {
  auto ports = server_->getListeningPortsFull();
  return ports.empty() ? -1 : ports.front().port;
}

}  // namespace duplex::metrics
