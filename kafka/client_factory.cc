#include "kafka/client_factory.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>

namespace duplex::kafka {

namespace {

// `message` with every occurrence of `value` replaced.
std::string without_value(std::string message, const std::string& value) {
  if (value.empty()) return message;
  for (size_t at = message.find(value); at != std::string::npos; at = message.find(value, at)) {
    message.replace(at, value.size(), "[redacted]");
    at += 10;
  }
  return message;
}

}  // namespace

ConfPtr make_conf(const std::string& cluster, const Properties& user, const Properties& ours) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
      // librdkafka quotes the rejected value; it may be a secret, so it never reaches a log.
      throw std::runtime_error("cluster " + cluster + ": property '" + key +
                               "': " + without_value(err, value));
    }
  };
  // Defaults the user's properties may change. librdkafka doubles its reconnect backoff up to
  // 10 s, so after an outage of a broker or the link, a client noticed the broker's return
  // only up to 10 s later (measured: copying resumed 8.3 s after a source broker restart and
  // 9.1 s after a healed link). 1 s is the Java clients' (and MirrorMaker 2's) default.
  set("reconnect.backoff.max.ms", "1000");
  for (const auto& [key, value] : user) set(key, value);
  for (const auto& [key, value] : ours) set(key, value);
  route_logs(conf.get());
  return conf;
}

HandlePtr make_client(const std::string& cluster, rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (rk == nullptr) {
    throw std::runtime_error("cluster " + cluster + ": cannot create Kafka client: " + err);
  }
  conf.release();  // rd_kafka_new owns it now
  return HandlePtr(rk);
}

namespace {

void log_cb(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info/notice, 7 debug
  // Cluster properties are shared by a sidecar's consumer and producer: librdkafka's notes that
  // one of them ignores the other's properties are expected, not worth a warning.
  if (std::strstr(message, "will be ignored by this") != nullptr) {
    spdlog::debug("librdkafka {} {}: {}", rd_kafka_name(rk), facility, message);
    return;
  }
  auto lvl = level <= 3   ? spdlog::level::err
             : level == 4 ? spdlog::level::warn
             : level <= 6 ? spdlog::level::info
                          : spdlog::level::debug;
  spdlog::log(lvl, "librdkafka {} {}: {}", rd_kafka_name(rk), facility, message);
}

void error_cb(rd_kafka_t* rk, int err, const char* reason, void*) {
  // Transport errors are retried by librdkafka; they are worth a warning, not an exit.
  spdlog::warn("kafka client {}: {} ({})", rd_kafka_name(rk), reason,
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
}

}  // namespace

void route_logs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
}

}  // namespace duplex::kafka
