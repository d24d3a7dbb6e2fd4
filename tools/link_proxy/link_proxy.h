#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tools/link_proxy/link_pacer.h"

namespace duplex::link_proxy {

// host:port of an IPv4 address (the proxy is for loopback tests and benchmarks).
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
};
// Parses "host:port"; throws std::invalid_argument naming the text otherwise.
Endpoint parse_endpoint(const std::string& text);

// Added to every byte, per direction: up is client -> server, down is server -> client.
// A round trip through the proxy gains up + down.
struct Delay {
  std::chrono::microseconds up{0};
  std::chrono::microseconds down{0};
};

class ProxiedConnection;

// A TCP proxy between clients and one server, owned by the tests and benchmarks that need a
// network fault or a slow link between a sidecar and a cluster (the kernel here has no netem):
// a delay, optional jitter and an optional bandwidth cap per direction.
//
//   client ──► listener ──accept──► Connection: connect to the target, then per direction
//                                     reader ──(chunks stamped "due at", bounded queue)──► writer
//
// 1. The accept thread accepts, connects to the target and starts the connection's threads;
//    it also applies cut() and heal() and reaps finished connections.
// 2. Per direction a reader takes what arrives and queues it stamped with now + delay; a
//    writer sends each chunk once it is due (and, under a bandwidth cap, once the direction's
//    pacer gives it its turn on the link). A full queue (buffer_bytes) stops the reader, so
//    TCP's own flow control holds the sender, as a link with that bandwidth-delay would.
// 3. EOF is passed on as a half-close once everything before it was sent; an error on either
//    side resets both.
//
// cut() resets every connection and closes the listener, so new connections are refused (a
// partition that the peers see at once); heal() listens again on the same port.
class LinkProxy {
 public:
  // Listens on `listen` (port 0: a free port, see port()). Throws std::runtime_error when it
  // cannot.
  LinkProxy(Endpoint listen, Endpoint target, Delay delay = {},
            size_t buffer_bytes = 32 * 1024 * 1024);
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  int port() const { return port_; }
  // Returns once every connection is reset and the listener closed.
  void cut();
  // Returns once the proxy listens again; throws std::runtime_error when it cannot.
  void heal();
  // Applies to bytes read from now on.
  void set_delay(Delay delay);
  Delay delay() const;
  // Each chunk up to `jitter` later than its delay, at random, in both directions; chunks of a
  // connection keep their order (as TCP's), so jitter bunches them rather than reordering.
  void set_jitter(std::chrono::microseconds jitter) { jitter_us_ = jitter.count(); }
  std::chrono::microseconds jitter() const { return std::chrono::microseconds(jitter_us_); }
  // Each direction carries at most this many bytes a second, shared by all connections (0: no
  // cap, the default).
  void set_bandwidth(uint64_t bytes_per_second);
  uint64_t bandwidth() const { return pacer_up_.rate(); }

  uint64_t accepted() const { return accepted_; }
  uint64_t bytes_up() const { return bytes_up_; }
  uint64_t bytes_down() const { return bytes_down_; }
  size_t open_connections() const;

 private:
  void request(bool cut);  // returns once the accept thread applied it
  void run();
  void apply_wanted_state();  // accept thread, under mu_
  void accept_one();
  void reap(bool all);
  void wake();

  const Endpoint listen_;
  const Endpoint target_;
  const size_t buffer_bytes_;
  int port_ = 0;
  int listen_fd_ = -1;  // -1 while cut (accept thread only, after the constructor)
  int wake_fd_ = -1;    // eventfd: cut, heal, stop

  mutable std::mutex mu_;
  std::condition_variable applied_cv_;
  bool want_cut_ = false;
  bool stop_ = false;
  uint64_t wanted_ = 0;   // requests made
  uint64_t applied_ = 0;  // requests the accept thread has applied
  std::string heal_error_;
  std::list<std::unique_ptr<ProxiedConnection>> connections_;

  std::atomic<int64_t> delay_up_us_;
  std::atomic<int64_t> delay_down_us_;
  std::atomic<int64_t> jitter_us_{0};
  LinkPacer pacer_up_;
  LinkPacer pacer_down_;
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> bytes_up_{0};
  std::atomic<uint64_t> bytes_down_{0};
  std::thread thread_;
};

}  // namespace duplex::link_proxy
