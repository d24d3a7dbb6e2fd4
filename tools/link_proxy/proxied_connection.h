#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "tools/link_proxy/link_pacer.h"

namespace duplex::link_proxy {

struct Pipe;

// One client connection and its connection to the target, forwarded both ways with the
// proxy's delay (LinkProxy draws the threads). Owns both sockets.
class ProxiedConnection {
 public:
  struct Direction {
    const std::atomic<int64_t>& delay_us;   // read at each chunk: set_delay() applies at once
    const std::atomic<int64_t>& jitter_us;  // up to this much more, at random, order kept
    LinkPacer& pacer;                       // the direction's bandwidth, shared by connections
    std::atomic<uint64_t>& bytes;           // sent on, counted once written
  };
  ProxiedConnection(int client_fd, int server_fd, Direction up, Direction down,
                    size_t buffer_bytes);
  // Resets both sides unless both had ended, then joins the threads and closes the sockets.
  ~ProxiedConnection();
  ProxiedConnection(const ProxiedConnection&) = delete;
  ProxiedConnection& operator=(const ProxiedConnection&) = delete;

  // Both peers see a reset (RST), as when a link drops: nothing more is read or sent.
  void reset();
  // Every thread ended (both peers closed, or reset): the destructor will not wait.
  bool finished() const { return threads_done_ == 4; }

 private:
  void read_side(Pipe& pipe);
  void write_side(Pipe& pipe);

  const int client_fd_;
  const int server_fd_;
  std::atomic<bool> reset_{false};
  std::atomic<int> threads_done_{0};
  std::unique_ptr<Pipe> up_;
  std::unique_ptr<Pipe> down_;
  std::thread threads_[4];
};

}  // namespace duplex::link_proxy
