#include "kafka/cluster_probe.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "kafka/access_error.h"

namespace duplex::kafka {
namespace {

using Clock = std::chrono::steady_clock;

// One metadata request waits this long at most: the stop flag and the deadline are looked at
// in between.
constexpr std::chrono::milliseconds kAttempt{2000};
// Waiting forever says so this often.
constexpr std::chrono::seconds kSayWaiting{30};

// librdkafka's error events of the probe's client: the last says why the cluster is silent.
struct LastError {
  std::mutex mutex;
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string reason;
  int refused_logins = 0;

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<LastError*>(opaque);
    std::lock_guard lock(self->mutex);
    self->code = static_cast<rd_kafka_resp_err_t>(err);
    self->reason = reason;
    if (is_login_error(self->code)) self->refused_logins++;
  }
  std::pair<rd_kafka_resp_err_t, std::string> get() {
    std::lock_guard lock(mutex);
    return {code, reason};
  }
  // Twice: a wrong password or an untrusted certificate, not a connection lost mid-handshake.
  bool login_refused() {
    std::lock_guard lock(mutex);
    return refused_logins >= 2 && is_login_error(code);
  }
};

}  // namespace

KafkaError wait_for_cluster(const std::string& cluster, const Properties& properties,
                            std::chrono::milliseconds wait, const std::atomic<bool>* stop) {
  const auto servers = properties.count("bootstrap.servers") ? properties.at("bootstrap.servers")
                                                             : std::string("(none)");
  const std::string name = "cluster " + cluster + " (bootstrap.servers " + servers + ")";
  LastError last;
  auto conf = make_conf(cluster, properties, {{"client.id", "duplex-probe-" + cluster}});
  rd_kafka_conf_set_error_cb(conf.get(), LastError::on_error);  // instead of a log line each
  rd_kafka_conf_set_opaque(conf.get(), &last);
  auto client = make_client(cluster, RD_KAFKA_PRODUCER, std::move(conf));
  const bool forever = wait == std::chrono::milliseconds::max();
  const auto start = Clock::now();
  auto next_say = start + kSayWaiting;
  for (;;) {
    const auto left =
        forever
            ? kAttempt
            : std::chrono::duration_cast<std::chrono::milliseconds>(start + wait - Clock::now());
    const auto asked = Clock::now();
    const rd_kafka_metadata_t* metadata = nullptr;
    auto err = rd_kafka_metadata(
        client.get(), 0, nullptr, &metadata,
        static_cast<int>(std::clamp(left, std::chrono::milliseconds(1), kAttempt).count()));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(metadata);
      return {};
    }
    rd_kafka_poll(client.get(), 0);  // serves the error events
    const auto [last_code, last_reason] = last.get();
    // A refused login or an untrusted certificate stays so however long we wait.
    if (last.login_refused()) {
      return KafkaError(last_code,
                        *access_refused(last_code, cluster + " (bootstrap.servers " + servers + ")",
                                        "", "", last_reason));
    }
    const std::string why = last_reason.empty()
                                ? std::string(rd_kafka_err2str(err))
                                : last_reason + " (" + rd_kafka_err2name(last_code) + ")";
    if (Clock::now() - asked < kAttempt / 10) {
      std::this_thread::sleep_for(kAttempt / 10);  // an answer at once (refused): not a spin
    }
    if (stop && stop->load()) {
      return KafkaError(RD_KAFKA_RESP_ERR__DESTROY, name + ": stopped while waiting for it");
    }
    if (!forever && Clock::now() - start >= wait) {
      return KafkaError(
          err, name + " did not answer within " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
                   " s: " + why +
                   ". Check the address, its DNS name, the port and the security settings; "
                   "startup.wait sets how long to wait (forever: keep trying)");
    }
    if (Clock::now() >= next_say) {
      spdlog::warn("still waiting for {} to answer: {}", name, why);
      next_say += kSayWaiting;
    }
  }
}

}  // namespace duplex::kafka
