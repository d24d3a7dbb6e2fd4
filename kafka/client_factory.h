#pragma once

#include <map>
#include <string>

#include "kafka/handles.h"

namespace duplex::kafka {

using Properties = std::map<std::string, std::string>;

// Builds a librdkafka conf from duplex's defaults (reconnect.backoff.max.ms=1000), the user's
// cluster properties (which win over the defaults) and duplex's own settings (which win). Throws
// std::runtime_error naming the cluster and property librdkafka rejects.
ConfPtr make_conf(const std::string& cluster, const Properties& user, const Properties& ours);

// rd_kafka_new with the conf (consumed on success); throws with the cluster's name on failure.
HandlePtr make_client(const std::string& cluster, rd_kafka_type_t type, ConfPtr conf);

// Routes librdkafka's own log lines and error events into spdlog (tagged with client.id).
void route_logs(rd_kafka_conf_t* conf);

}  // namespace duplex::kafka
