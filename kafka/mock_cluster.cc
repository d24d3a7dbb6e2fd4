#include "kafka/mock_cluster.h"

#include <stdexcept>

#include "kafka/client_factory.h"

namespace duplex::kafka {

MockCluster::MockCluster(int brokers) : brokers_(brokers) {
  host_ = make_client("mock", RD_KAFKA_PRODUCER, make_conf("mock", {}, {}));
  cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot create a mock cluster");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
}

void MockCluster::set_down() {
  for (int32_t broker = 1; broker <= brokers_; ++broker) {
    rd_kafka_mock_broker_set_down(cluster_, broker);
  }
}

void MockCluster::set_up() {
  for (int32_t broker = 1; broker <= brokers_; ++broker) {
    rd_kafka_mock_broker_set_up(cluster_, broker);
  }
}

void MockCluster::fail_next(int16_t api, rd_kafka_resp_err_t error) {
  rd_kafka_mock_push_request_errors(cluster_, api, 1, error);
}

void MockCluster::clear_failures(int16_t api) {
  rd_kafka_mock_clear_request_errors(cluster_, api);
}

void MockCluster::create_duplex_topics(const std::vector<std::string>& remotes) {
  create_topic("duplex.heartbeats", 1);
  create_topic("duplex.conflicts", 1);
  create_topic("duplex.dlq", 1);
  for (const auto& remote : remotes) {
    create_topic("duplex.offset-syncs." + remote, 1);
    create_topic("duplex.checkpoints." + remote, 1);
    create_topic("duplex.progress." + remote, 1);
  }
}

void MockCluster::create_topic(const std::string& topic, int partitions) {
  if (auto err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1)) {
    throw std::runtime_error("mock topic " + topic + ": " + rd_kafka_err2str(err));
  }
}

}  // namespace duplex::kafka
