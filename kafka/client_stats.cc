#include "kafka/client_stats.h"

#include <charconv>
#include <string>

namespace duplex::kafka {
namespace {

// Position just after `"name":` and any spaces, searching from `from`; npos when absent.
size_t value_of(std::string_view json, std::string_view name, size_t from) {
  std::string key = "\"" + std::string(name) + "\":";
  size_t at = json.find(key, from);
  if (at == std::string_view::npos) return at;
  at += key.size();
  while (at < json.size() && json[at] == ' ') ++at;
  return at;
}

// The integer value of `"name":` at or after `from`; -1 when absent.
long number_after(std::string_view json, std::string_view name, size_t from) {
  size_t at = value_of(json, name, from);
  long value = -1;
  if (at != std::string_view::npos) {
    std::from_chars(json.data() + at, json.data() + json.size(), value);
  }
  return value;
}

}  // namespace

ClientStats parse_client_stats(std::string_view json) {
  ClientStats stats;
  // The first msg_cnt is the client's own (top level); brokers' and topics' follow later.
  stats.queued_messages = number_after(json, "msg_cnt", 0);
  for (size_t rtt = value_of(json, "rtt", 0); rtt != std::string_view::npos;
       rtt = value_of(json, "rtt", rtt)) {
    if (json[rtt] != '{') continue;
    long avg = number_after(json.substr(0, json.find('}', rtt)), "avg", rtt);
    if (avg > 0 && avg / 1e6 > stats.max_broker_rtt_seconds) {
      stats.max_broker_rtt_seconds = avg / 1e6;
    }
  }
  return stats;
}

}  // namespace duplex::kafka
