#include "config/redaction.h"

#include <yaml-cpp/yaml.h>

#include "config/size.h"

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

const char* policy_text(ConflictPolicy policy) {
  return policy == ConflictPolicy::last_writer_wins ? "last-writer-wins" : "none";
}

void emit_conflict(YAML::Emitter& out, const ConflictSettings& conflict) {
  out << YAML::Key << "conflict" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "policy" << YAML::Value << policy_text(conflict.policy);
  // Not set: left out, since an empty list is read as one that misses every region.
  if (!conflict.region_rank.empty()) {
    out << YAML::Key << "region_rank" << YAML::Value << YAML::Flow << conflict.region_rank;
  }
  out << YAML::Key << "audit" << YAML::Value << conflict.audit;
  out << YAML::Key << "index" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "memory" << YAML::Value << size_text(conflict.index.memory);
  out << YAML::Key << "dir" << YAML::Value << conflict.index.dir << YAML::EndMap;
  out << YAML::Key << "topics" << YAML::Value << YAML::BeginSeq;
  for (const auto& rule : conflict.topics) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "match" << YAML::Value << rule.match;
    out << YAML::Key << "policy" << YAML::Value << policy_text(rule.policy) << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
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
    out << YAML::Key << "configs" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "sync" << YAML::Value << flow.topics.configs.sync;
    out << YAML::Key << "exclude" << YAML::Value << YAML::Flow << flow.topics.configs.exclude;
    out << YAML::EndMap << YAML::EndMap;
    out << YAML::Key << "groups" << YAML::Value << YAML::BeginMap;
    emit_filter(out, flow.groups);
    out << YAML::Key << "sync" << YAML::Value << flow.groups.sync << YAML::EndMap;
    out << YAML::Key << "rename" << YAML::Value << flow.rename;
    out << YAML::Key << "acls" << YAML::Value << YAML::BeginMap << YAML::Key << "sync"
        << YAML::Value << flow.acls.sync << YAML::EndMap;
    out << YAML::Key << "on.source.gap" << YAML::Value
        << (flow.on_source_gap == SourceGapPolicy::fail ? "fail" : "continue") << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "delivery" << YAML::Value
      << (config.delivery == Delivery::exactly_once ? "exactly-once" : "at-least-once");
  emit_conflict(out, config.conflict);
  out << YAML::Key << "errors" << YAML::Value << YAML::BeginMap << YAML::Key << "oversized"
      << YAML::Value << (config.oversized == OversizedPolicy::skip ? "skip" : "fail")
      << YAML::EndMap;
  out << YAML::Key << "startup" << YAML::Value << YAML::BeginMap << YAML::Key << "wait"
      << YAML::Value
      << (config.startup_wait == std::chrono::milliseconds::max()
              ? std::string("forever")
              : duration_text(config.startup_wait))
      << YAML::EndMap;
  if (!config.instance_id.empty()) {
    out << YAML::Key << "membership" << YAML::Value << YAML::BeginMap << YAML::Key << "instance_id"
        << YAML::Value << config.instance_id << YAML::EndMap;
  }
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
