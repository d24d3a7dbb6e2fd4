#include "config/config_loader.h"

#include <librdkafka/rdkafka.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "config/duration.h"
#include "config/pattern.h"
#include "config/redaction.h"
#include "config/size.h"

namespace duplex::config {
namespace {

// Properties duplex sets itself because its delivery guarantees depend on them.
const std::set<std::string> kManagedProperties = {
    "group.id",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "enable.idempotence",
    "transactional.id",
    "isolation.level",
    "acks",
    "request.required.acks",
    "partition.assignment.strategy",
    "auto.offset.reset",  // a source gap is detected and counted only from the log start
};

const std::set<std::string> kLogLevels = {"trace", "debug",    "info", "warn",
                                          "error", "critical", "off"};

int line_of(const YAML::Node& node) {
  return node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

// Walks the YAML tree once, filling a Config and collecting every problem it meets.
class Walker {
 public:
  std::vector<Problem> problems;

  void problem(const YAML::Node& at, std::string message) {
    problems.push_back({line_of(at), std::move(message)});
  }

  // Reports keys of `map` that are not in `allowed`. False when `map` is not a map.
  bool expect_map(const YAML::Node& map, const std::string& where,
                  std::initializer_list<std::string_view> allowed) {
    if (!map.IsMap()) {
      problem(map, where + ": expected a mapping");
      return false;
    }
    for (const auto& entry : map) {
      auto key = entry.first.as<std::string>();
      bool known = false;
      for (auto a : allowed) known = known || key == a;
      if (!known) problem(entry.first, where + ": unknown key '" + key + "'");
    }
    return true;
  }

  // A scalar's text with ${ENV} substituted; nullopt (and a problem) otherwise.
  std::optional<std::string> text(const YAML::Node& node, const std::string& what,
                                  bool secret = false) {
    if (!node.IsScalar()) {
      problem(node, what + ": expected a single value");
      return std::nullopt;
    }
    return substitute_env(node, node.Scalar(), what, secret);
  }

  std::optional<std::string> substitute_env(const YAML::Node& at, const std::string& raw,
                                            const std::string& what, bool secret) {
    std::string out;
    size_t pos = 0;
    while (pos < raw.size()) {
      size_t start = raw.find("${", pos);
      if (start == std::string::npos) {
        out.append(raw, pos);
        break;
      }
      size_t end = raw.find('}', start);
      if (end == std::string::npos) {
        problem(at, what + ": unterminated ${ in value");
        return std::nullopt;
      }
      out.append(raw, pos, start - pos);
      std::string name = raw.substr(start + 2, end - start - 2);
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) {
        problem(at, what + ": environment variable " + name + " is not set");
        return std::nullopt;
      }
      out += value;
      pos = end + 1;
    }
    (void)secret;  // secrets are never echoed in messages, substituted or not
    return out;
  }

  std::vector<std::string> regex_list(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    if (!node.IsSequence()) {
      problem(node, what + ": expected a list of regular expressions");
      return out;
    }
    for (const auto& item : node) {
      if (auto pattern = regex(item, what)) out.push_back(*pattern);
    }
    return out;
  }

  std::optional<std::string> regex(const YAML::Node& node, const std::string& what) {
    auto pattern = text(node, what);
    if (!pattern) return std::nullopt;
    if (auto why = regex_problem(*pattern)) {
      problem(node, what + ": bad regular expression '" + *pattern + "': " + *why);
      return std::nullopt;
    }
    return pattern;
  }

  void duration(const YAML::Node& node, const std::string& what, std::chrono::milliseconds& out) {
    auto value = text(node, what);
    if (!value) return;
    auto parsed = parse_duration(*value);
    if (!parsed || parsed->count() == 0) {
      problem(node, what + ": bad duration '" + *value +
                        "' (use e.g. 500ms, 5s, 2m, 1h; at most a year)");
      return;
    }
    out = *parsed;
  }

  // A duration, 0s (no wait) or forever.
  void startup_wait(const YAML::Node& node, std::chrono::milliseconds& out) {
    auto value = text(node, "startup.wait");
    if (!value) return;
    if (*value == "forever") {
      out = std::chrono::milliseconds::max();
      return;
    }
    auto parsed = parse_duration(*value);
    if (!parsed) {
      problem(node, "startup.wait: bad duration '" + *value +
                        "' (use e.g. 30s, 5m, 0s for no wait, or forever; at most a year)");
      return;
    }
    out = *parsed;
  }

  void positive(const YAML::Node& node, const std::string& what, int& out) {
    auto value = text(node, what);
    if (!value) return;
    static const std::regex digits("^[1-9][0-9]{0,8}$");
    if (!std::regex_match(*value, digits)) {
      problem(node, what + ": expected a positive whole number, got '" + *value + "'");
      return;
    }
    out = std::stoi(*value);
  }

  void size(const YAML::Node& node, const std::string& what, uint64_t minimum, uint64_t& out) {
    auto value = text(node, what);
    if (!value) return;
    auto parsed = parse_size(*value);
    if (!parsed) {
      problem(node, what + ": bad size '" + *value + "' (use e.g. 512KiB, 64MiB, 1GiB)");
    } else if (*parsed < minimum) {
      problem(node, what + ": " + *value + " is too small (at least " + size_text(minimum) + ")");
    } else {
      out = *parsed;
    }
  }

  void name_filter(const YAML::Node& node, const std::string& what, NameFilter& out) {
    if (node["include"]) out.include = regex_list(node["include"], what + ".include");
    if (node["exclude"]) out.exclude = regex_list(node["exclude"], what + ".exclude");
  }

  void cluster(const YAML::Node& node, const std::string& region, Properties& out) {
    const std::string where = "clusters." + region;
    if (!node.IsMap()) {
      problem(node, where + ": expected a mapping of librdkafka properties");
      return;
    }
    for (const auto& entry : node) {
      auto key = entry.first.as<std::string>();
      bool secret = is_secret_property(key);
      if (key == "group.instance.id") {
        problem(entry.first, where + ": '" + key +
                                 "' is set by duplex: use membership.instance_id (or duplex run "
                                 "--instance-id) for static membership");
        continue;
      }
      if (kManagedProperties.count(key)) {
        problem(entry.first, where + ": '" + key + "' is set by duplex and cannot be overridden");
        continue;
      }
      auto value = text(entry.second, where + "." + key, secret);
      if (!value) continue;
      check_librdkafka_property(entry.second, where, key, *value, secret);
      out[key] = *value;
    }
    if (out.count("bootstrap.servers") == 0 || out["bootstrap.servers"].empty()) {
      problem(node, where + ": bootstrap.servers is missing");
    }
  }

  // librdkafka is the authority on its own properties: ask it, without connecting anywhere.
  void check_librdkafka_property(const YAML::Node& at, const std::string& where,
                                 const std::string& key, const std::string& value, bool secret) {
    std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                            rd_kafka_conf_destroy);
    char err[512];
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
      problem(at, where + ": librdkafka rejects '" + key + "'" +
                      (secret ? std::string(" (value not shown)") : ": " + std::string(err)));
    }
  }

  void flow(const YAML::Node& node, size_t index, Config& config, std::set<std::string>& sources) {
    const std::string where = "flows[" + std::to_string(index) + "]";
    if (!expect_map(node, where,
                    {"source", "topics", "groups", "rename", "acls", "on.source.gap"})) {
      return;
    }
    Flow out;
    if (!node["source"]) {
      problem(node, where + ": source is missing");
    } else if (auto source = text(node["source"], where + ".source")) {
      out.source = *source;
      if (*source == config.region) {
        problem(node["source"],
                where + ": source '" + *source +
                    "' is the home region; a sidecar only pulls from other regions");
      } else if (config.clusters.count(*source) == 0) {
        problem(node["source"], where + ": unknown region '" + *source + "' (not under clusters)");
      } else if (!sources.insert(*source).second) {
        problem(node["source"], where + ": a flow from '" + *source + "' is already defined");
      }
    }
    if (const auto& topics = node["topics"]) {
      if (expect_map(topics, where + ".topics", {"include", "exclude", "refresh", "configs"})) {
        name_filter(topics, where + ".topics", out.topics);
        if (topics["refresh"])
          duration(topics["refresh"], where + ".topics.refresh", out.topics.refresh);
        const auto& configs = topics["configs"];
        if (configs && expect_map(configs, where + ".topics.configs", {"sync", "exclude"})) {
          auto& copy = out.topics.configs;
          if (configs["sync"]) boolean(configs["sync"], where + ".topics.configs.sync", copy.sync);
          if (configs["exclude"]) {
            copy.exclude = regex_list(configs["exclude"], where + ".topics.configs.exclude");
          }
        }
      }
    }
    if (const auto& groups = node["groups"]) {
      if (expect_map(groups, where + ".groups", {"include", "exclude", "sync"})) {
        name_filter(groups, where + ".groups", out.groups);
        if (groups["sync"]) boolean(groups["sync"], where + ".groups.sync", out.groups.sync);
      }
    }
    if (node["rename"]) {
      if (auto rename = text(node["rename"], where + ".rename")) {
        check_rename(node["rename"], where + ".rename", *rename);
        out.rename = *rename;
      }
    }
    if (const auto& acls = node["acls"]) {
      if (expect_map(acls, where + ".acls", {"sync"}) && acls["sync"]) {
        boolean(acls["sync"], where + ".acls.sync", out.acls.sync);
      }
    }
    if (node["on.source.gap"]) {
      choice(node["on.source.gap"], where + ".on.source.gap",
             {{"fail", SourceGapPolicy::fail}, {"continue", SourceGapPolicy::continue_copying}},
             out.on_source_gap);
    }
    config.flows.push_back(std::move(out));
  }

  // One of a fixed set of words, each naming an enum value.
  template <class Enum>
  void choice(const YAML::Node& node, const std::string& what,
              std::initializer_list<std::pair<std::string_view, Enum>> words, Enum& out) {
    auto value = text(node, what);
    if (!value) return;
    std::string expected;
    for (const auto& [word, e] : words) {
      if (*value == word) {
        out = e;
        return;
      }
      expected += (expected.empty() ? "" : " or ") + std::string(word);
    }
    problem(node, what + ": expected " + expected + ", got '" + *value + "'");
  }

  void boolean(const YAML::Node& node, const std::string& what, bool& out) {
    auto value = text(node, what);
    if (!value) return;
    if (*value == "true") {
      out = true;
    } else if (*value == "false") {
      out = false;
    } else {
      problem(node, what + ": expected true or false, got '" + *value + "'");
    }
  }

  // Where last-writer-wins is asked for, and what it is called there.
  using Places = std::vector<std::pair<YAML::Node, std::string>>;

  void conflict_policy(const YAML::Node& node, const std::string& what, ConflictPolicy& out,
                       Places& last_writer_wins) {
    choice(node, what,
           {{"none", ConflictPolicy::none}, {"last-writer-wins", ConflictPolicy::last_writer_wins}},
           out);
    if (out == ConflictPolicy::last_writer_wins) last_writer_wins.emplace_back(node, what);
  }

  void conflict(const YAML::Node& node, Config& config) {
    if (!expect_map(node, "conflict", {"policy", "region_rank", "audit", "index", "topics"})) {
      return;
    }
    auto& out = config.conflict;
    Places last_writer_wins;
    if (node["policy"]) {
      conflict_policy(node["policy"], "conflict.policy", out.policy, last_writer_wins);
    }
    if (node["audit"]) boolean(node["audit"], "conflict.audit", out.audit);
    if (const auto& index = node["index"];
        index && expect_map(index, "conflict.index", {"memory", "dir"})) {
      if (index["memory"]) {
        size(index["memory"], "conflict.index.memory", 1 << 20, out.index.memory);
      }
      if (index["dir"]) {
        if (auto dir = text(index["dir"], "conflict.index.dir")) {
          if (dir->empty()) problem(index["dir"], "conflict.index.dir: empty");
          out.index.dir = *dir;
        }
      }
    }
    if (const auto& topics = node["topics"]) {
      if (!topics.IsSequence()) {
        problem(topics, "conflict.topics: expected a list of { match, policy }");
      } else {
        for (size_t i = 0; i < topics.size(); ++i) {
          conflict_override(topics[i], i, out, last_writer_wins);
        }
      }
    }
    region_rank(node, config, !last_writer_wins.empty());
  }

  void conflict_override(const YAML::Node& node, size_t index, ConflictSettings& out,
                         Places& last_writer_wins) {
    const std::string where = "conflict.topics[" + std::to_string(index) + "]";
    if (!expect_map(node, where, {"match", "policy"})) return;
    ConflictOverride rule;
    if (!node["match"]) {
      problem(node, where + ": match is missing (a regex of topic names)");
    } else if (auto pattern = regex(node["match"], where + ".match")) {
      rule.match = *pattern;
    }
    if (!node["policy"]) {
      problem(node, where + ": policy is missing (none or last-writer-wins)");
    } else {
      conflict_policy(node["policy"], where + ".policy", rule.policy, last_writer_wins);
    }
    out.topics.push_back(std::move(rule));
  }

  // Every region under clusters, each once, when given; required with last-writer-wins.
  void region_rank(const YAML::Node& conflict, Config& config, bool required) {
    const auto& node = conflict["region_rank"];
    if (!node) {
      if (required) {
        problem(conflict,
                "conflict.region_rank: missing; last-writer-wins needs every region under "
                "clusters, once each, the one that wins a timestamp tie first");
      }
      return;
    }
    if (!node.IsSequence()) {
      problem(node, "conflict.region_rank: expected a list of regions");
      return;
    }
    std::set<std::string> listed;
    for (const auto& item : node) {
      auto region = text(item, "conflict.region_rank");
      if (!region) continue;
      if (config.clusters.count(*region) == 0) {
        problem(item,
                "conflict.region_rank: unknown region '" + *region + "' (not under clusters)");
      } else if (!listed.insert(*region).second) {
        problem(item, "conflict.region_rank: '" + *region + "' is listed twice");
      } else {
        config.conflict.region_rank.push_back(*region);
      }
    }
    std::string missing;
    for (const auto& [region, properties] : config.clusters) {
      if (listed.count(region) == 0) missing += (missing.empty() ? "" : ", ") + region;
    }
    if (!missing.empty()) {
      problem(node, "conflict.region_rank: " + missing +
                        " missing (list every region under clusters, once each)");
    }
  }

  // A region's name is part of topic names (duplex.offset-syncs.<region>, {source} in rename),
  // which Kafka limits to 249 of these characters.
  void check_region_name(const YAML::Node& at, const std::string& region) {
    static const std::regex legal("[A-Za-z0-9._-]{1,200}");
    if (!std::regex_match(region, legal)) {
      problem(at, "clusters: region name '" + region +
                      "' cannot be part of a topic name (duplex.offset-syncs.<region>, {source} "
                      "in rename): use 1 to 200 letters, digits, '.', '_' and '-'");
    }
  }

  // A rename template must keep {topic} (or names would collide) and use known placeholders.
  void check_rename(const YAML::Node& at, const std::string& what, const std::string& pattern) {
    static const std::regex placeholder(R"(\{([^{}]*)\})");
    bool has_topic = false;
    for (std::sregex_iterator it(pattern.begin(), pattern.end(), placeholder), end; it != end;
         ++it) {
      std::string name = (*it)[1];
      if (name == "topic") {
        has_topic = true;
      } else if (name != "source" && name != "target") {
        problem(at,
                what + ": unknown placeholder {" + name + "} (use {topic}, {source}, {target})");
      }
    }
    if (!has_topic) problem(at, what + ": template must contain {topic}");
  }

  Config walk(const YAML::Node& root) {
    Config config;
    if (!expect_map(root, "config",
                    {"region", "clusters", "flows", "delivery", "transaction", "conflict", "errors",
                     "startup", "checkpoint", "metrics", "log", "membership"})) {
      return config;
    }
    if (!root["clusters"]) {
      problem(root, "clusters: missing (one entry per region, each with bootstrap.servers)");
    } else if (!root["clusters"].IsMap()) {
      problem(root["clusters"], "clusters: expected a mapping of region -> properties");
    } else {
      for (const auto& entry : root["clusters"]) {
        auto region = entry.first.as<std::string>();
        check_region_name(entry.first, region);
        cluster(entry.second, region, config.clusters[region]);
      }
    }
    if (!root["region"]) {
      problem(root, "region: missing (the home region this sidecar writes to)");
    } else if (auto region = text(root["region"], "region")) {
      config.region = *region;
      if (config.clusters.count(*region) == 0) {
        problem(root["region"], "region: unknown region '" + *region + "' (not under clusters)");
      }
    }
    if (!root["flows"]) {
      problem(root, "flows: missing (at least one flow from another region)");
    } else if (!root["flows"].IsSequence() || root["flows"].size() == 0) {
      problem(root["flows"], "flows: expected a non-empty list");
    } else {
      std::set<std::string> sources;
      for (size_t i = 0; i < root["flows"].size(); ++i) flow(root["flows"][i], i, config, sources);
    }
    if (root["delivery"]) {
      choice(root["delivery"], "delivery",
             {{"at-least-once", Delivery::at_least_once}, {"exactly-once", Delivery::exactly_once}},
             config.delivery);
    }
    if (const auto& txn = root["transaction"];
        txn && expect_map(txn, "transaction", {"interval", "max.records"})) {
      if (txn["interval"]) {
        duration(txn["interval"], "transaction.interval", config.transaction.interval);
      }
      if (txn["max.records"]) {
        positive(txn["max.records"], "transaction.max.records", config.transaction.max_records);
      }
    }
    if (root["conflict"]) conflict(root["conflict"], config);
    if (const auto& errors = root["errors"];
        errors && expect_map(errors, "errors", {"oversized"}) && errors["oversized"]) {
      choice(errors["oversized"], "errors.oversized",
             {{"fail", OversizedPolicy::fail}, {"skip", OversizedPolicy::skip}}, config.oversized);
    }
    if (const auto& startup = root["startup"];
        startup && expect_map(startup, "startup", {"wait"}) && startup["wait"]) {
      startup_wait(startup["wait"], config.startup_wait);
    }
    if (const auto& membership = root["membership"];
        membership && expect_map(membership, "membership", {"instance_id"}) &&
        membership["instance_id"]) {
      if (auto id = text(membership["instance_id"], "membership.instance_id")) {
        if (auto why = instance_id_problem(*id); !why.empty()) {
          problem(membership["instance_id"], "membership.instance_id: " + why);
        }
        config.instance_id = *id;
      }
    }
    if (const auto& checkpoint = root["checkpoint"];
        checkpoint && expect_map(checkpoint, "checkpoint", {"interval"}) &&
        checkpoint["interval"]) {
      duration(checkpoint["interval"], "checkpoint.interval", config.checkpoint_interval);
    }
    if (const auto& metrics = root["metrics"];
        metrics && expect_map(metrics, "metrics", {"listen"}) && metrics["listen"]) {
      if (auto listen = text(metrics["listen"], "metrics.listen")) {
        static const std::regex host_port(R"(^[^:\s]*:[0-9]{1,5}$)");
        if (!std::regex_match(*listen, host_port)) {
          problem(metrics["listen"], "metrics.listen: expected host:port, got '" + *listen + "'");
        }
        config.metrics_listen = *listen;
      }
    }
    if (const auto& log = root["log"]; log && expect_map(log, "log", {"level", "format"})) {
      if (log["level"]) {
        if (auto level = text(log["level"], "log.level")) {
          if (kLogLevels.count(*level) == 0) {
            problem(log["level"],
                    "log.level: expected trace, debug, info, warn, error, critical or "
                    "off, got '" +
                        *level + "'");
          }
          config.log_level = *level;
        }
      }
      if (log["format"]) {
        choice(log["format"], "log.format", {{"text", LogFormat::text}, {"json", LogFormat::json}},
               config.log_format);
      }
    }
    return config;
  }
};

LoadResult load_node(const YAML::Node& root) {
  Walker walker;
  Config config = walker.walk(root);
  if (!walker.problems.empty()) return walker.problems;
  return config;
}

}  // namespace

std::string instance_id_problem(const std::string& id) {
  static const std::regex legal("^[A-Za-z0-9._-]{1,249}$");
  if (std::regex_match(id, legal)) return {};
  return "'" + id +
         "' is not a group instance id (1 to 249 letters, digits, '.', '_' or '-'; unique per "
         "sidecar process of the region, e.g. the host name)";
}

LoadResult ConfigLoader::load_string(const std::string& yaml) {
  try {
    return load_node(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    return std::vector<Problem>{{e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML: " + e.msg}};
  }
}

LoadResult ConfigLoader::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::vector<Problem>{{0, "cannot read the config file"}};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_string(buffer.str());
}

std::string ConfigLoader::format(const std::string& file, const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += file + (p.line > 0 ? ":" + std::to_string(p.line) : std::string()) + ": " + p.message +
           "\n";
  }
  return out;
}

}  // namespace duplex::config
