// CopyLoop, continued: how an assigned partition gets to copying. The sink starts it
// (exactly-once: off-thread fence and stored progress), the source seeks it to where the sink
// says, or it waits for its target partition or for its stages (conflict resolution's index);
// until then it is paused at the source.
#include <spdlog/spdlog.h>

#include "replicator/copy_loop.h"

namespace duplex::replicator {
namespace {

// A partition that cannot start copying for this long is named in the log, long before
// start_limit fails the flow: silence would hide why nothing moves.
constexpr std::chrono::milliseconds kSayWaitingAfter{10000};

}  // namespace

void CopyLoop::on_assigned(const std::vector<TopicPartition>& partitions) {
  if (auto error = source_.assign(partitions)) {
    fail("assigning partitions: " + error.message());
    return;
  }
  // Where each starts reading (the sink may say otherwise): the first record is checked
  // against it, so records that expired meanwhile are not passed silently.
  const auto committed = source_.committed(partitions);
  for (const auto& tp : partitions) {
    Partition& p = partitions_[tp];
    if (auto it = committed.find(tp); it != committed.end()) p.expected = it->second;
    p.id = next_id_;
    next_id_ = next_id_ == kMaxPartitionId ? 1 : next_id_ + 1;
    p.tp = tp;
    p.metrics = &metrics_.topic(tp.topic);
    if (auto target = plan_.targets.find(tp.topic); target != plan_.targets.end()) {
      p.target_topic = target->second;
    }
    by_id_[p.id] = tp;
    // One not ready at once is paused: whatever is fetched before that is read again (seek).
    if (plan_.has_target_partition(tp)) {
      open_in_sink(p);
    } else {
      wait_for_target(p);
    }
  }
  metrics_.counters().assigned_partitions = partitions_.size();
  metrics_.counters().assignment_received = true;
  spdlog::info("flow {}: assigned {} partitions (now {})", metrics_.flow(), partitions.size(),
               partitions_.size());
}

void CopyLoop::open_in_sink(Partition& p) {
  p.in_sink = true;
  enter(p, State::starting);
  if (sink_.open({p.id, p.tp, p.target_topic, p.metrics})) {
    ready(p, std::nullopt);
  } else if (!p.paused) {
    set_paused({&p}, true);
  }
}

void CopyLoop::ready(Partition& p, std::optional<int64_t> offset) {
  if (offset) p.expected = offset;
  p.seek_to = offset ? offset : p.resume_from;
  p.resume_from.reset();
  if (!p.seek_to) {
    start_copying(p);
    return;
  }
  enter(p, State::seeking);
  if (!p.paused) set_paused({&p}, true);
  if (!p.waiting_since) p.waiting_since = now_;
}

void CopyLoop::wait_for_target(Partition& p) {
  enter(p, State::waiting_for_target);
  if (!p.waiting_since) p.waiting_since = now_;
  if (!p.paused) set_paused({&p}, true);
  topics_.request_refresh();
}

void CopyLoop::wait_for_stages(Partition& p) {
  enter(p, State::waiting_for_stages);
  if (!p.paused) set_paused({&p}, true);
}

void CopyLoop::start_copying(Partition& p) {
  enter(p, State::copying);
  const bool paused = backpressure_.fetch_paused();  // joins the others: paused while behind
  if (p.paused != paused) set_paused({&p}, paused);
}

bool CopyLoop::waits(State state) {
  return state != State::copying && state != State::fenced;
}

void CopyLoop::enter(Partition& p, State state) {
  p.state = state;
  p.since = now_;
  p.said_waiting = false;
  if (waits(state)) any_waiting_ = true;
}

void CopyLoop::advance_waiting() {
  any_waiting_ = false;
  for (auto& [tp, p] : partitions_) {
    if (!waits(p.state)) continue;
    any_waiting_ = true;
    // Named once when it waits long: the flow must not go quiet while a partition stands.
    // tp and p named again: clang 14 (the sanitized build) cannot capture a structured binding.
    auto say_waiting = [&, &tp = tp, &p = p](const std::string& why) {
      if (p.said_waiting || now_ - p.since < kSayWaitingAfter) return;
      p.said_waiting = true;
      spdlog::warn("flow {}: {} is not copying yet: {}", metrics_.flow(), to_string(tp), why);
    };
    if (p.state == State::starting) {
      // The sink bounds its own start (exactly-once: the fence and the stored-progress read).
      say_waiting(
          "its sink has not started it (exactly-once: fencing the earlier owners and "
          "reading the stored progress)");
    } else if (p.state == State::waiting_for_stages) {
      // No start_limit: rebuilding a lost key index may read a large topic first.
      auto said = judge_.ready(p.target_topic, tp.partition);
      if (said.kind == StageVerdict::Kind::fail) {
        fail(said.failure);
        return;
      }
      if (said.kind == StageVerdict::Kind::pass) {
        ready(p, std::nullopt);  // read again from the record that waited
        continue;
      }
      say_waiting(
          "its records cannot be judged yet (conflict resolution: the key index is still "
          "reading " +
          p.target_topic + "[" + std::to_string(tp.partition) + "] of the home cluster)");
    } else if (p.state == State::seeking) {
      auto error = source_.seek(tp, *p.seek_to);
      if (!error) {
        p.seek_to.reset();
        p.waiting_since.reset();
        start_copying(p);
        continue;
      }
      say_waiting("it cannot be read from offset " + std::to_string(*p.seek_to) +
                  " yet: " + error.message() + " (tried until " +
                  std::to_string(options_.start_limit.count() / 1000) + " s)");
      if (now_ - *p.waiting_since >= options_.start_limit) {
        fail("cannot read " + to_string(tp) + " from offset " + std::to_string(*p.seek_to) + ": " +
             error.message());
        return;
      }
    } else {
      const std::string missing =
          "the target has no partition " + std::to_string(tp.partition) + " of " +
          (p.target_topic.empty() ? "the target topic of " + tp.topic : p.target_topic);
      say_waiting(missing + " yet");
      if (now_ - *p.waiting_since >= options_.start_limit) {
        auto count = plan_.target_partitions.find(p.target_topic);
        fail(missing +
             (count == plan_.target_partitions.end()
                  ? ""
                  : " (it has " + std::to_string(count->second) + ")") +
             " after " + std::to_string(options_.start_limit.count() / 1000) +
             " s; see the earlier errors about growing it");
        return;
      }
    }
  }
}

}  // namespace duplex::replicator
