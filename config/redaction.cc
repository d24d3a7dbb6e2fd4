#include "config/redaction.h"

#include <yaml-cpp/yaml.h>

namespace duplex::config {

bool is_secret_property(std::string_view key) {
  return key.find("password") != std::string_view::npos ||
         key.find("secret") != std::string_view::npos || key.rfind("sasl.", 0) == 0 ||
         key == "ssl.key.pem" || key == "ssl_key";
}

namespace {

std::string duration_text(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

void emit_filter(YAML::Emitter& out, const NameFilter& filter) {
  out << YAML::Key << "include" << YAML::Value << YAML::Flow << filter.include;
  out << YAML::Key << "exclude" << YAML::Value << YAML::Flow << filter.exclude;
}

}  // namespace

std::string dump_redacted(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "region" << YAML::Value << config.region;
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginMap;
  for (const auto& [region, properties] : config.clusters) {
    out << YAML::Key << region << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : properties) {
      out << YAML::Key << key << YAML::Value
          << (is_secret_property(key) ? std::string("[redacted]") : value);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "flows" << YAML::Value << YAML::BeginSeq;
  for (const auto& flow : config.flows) {
    out << YAML::BeginMap << YAML::Key << "source" << YAML::Value << flow.source;
    out << YAML::Key << "topics" << YAML::Value << YAML::BeginMap;
    emit_filter(out, flow.topics);
    out << YAML::Key << "refresh" << YAML::Value << duration_text(flow.topics.refresh);
    out << YAML::EndMap;
    out << YAML::Key << "groups" << YAML::Value << YAML::BeginMap;
    emit_filter(out, flow.groups);
    out << YAML::Key << "sync" << YAML::Value << flow.groups.sync << YAML::EndMap;
    out << YAML::Key << "rename" << YAML::Value << flow.rename << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "delivery" << YAML::Value
      << (config.delivery == Delivery::exactly_once ? "exactly-once" : "at-least-once");
  out << YAML::Key << "conflict" << YAML::Value << YAML::BeginMap << YAML::Key << "policy"
      << YAML::Value
      << (config.conflict == ConflictPolicy::last_writer_wins ? "last-writer-wins" : "none")
      << YAML::EndMap;
  out << YAML::Key << "checkpoint" << YAML::Value << YAML::BeginMap << YAML::Key << "interval"
      << YAML::Value << duration_text(config.checkpoint_interval) << YAML::EndMap;
  out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap << YAML::Key << "listen"
      << YAML::Value << config.metrics_listen << YAML::EndMap;
  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap << YAML::Key << "level" << YAML::Value
      << config.log_level << YAML::Key << "format" << YAML::Value
      << (config.log_format == LogFormat::json ? "json" : "text") << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace duplex::config
