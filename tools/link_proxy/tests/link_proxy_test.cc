// The proxy against a local echo server: forwarding both ways, cut, heal, delay per
// direction, a target that is down, and its throughput without delay.
#include "tools/link_proxy/link_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace duplex::link_proxy {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A listening socket on a free loopback port.
int listen_any(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t size = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
  *port = ntohs(a.sin_port);
  return fd;
}

// A connected socket (with a 10 s receive timeout, so no test can hang on a read), or -1 with
// errno set.
int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

bool send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes; what it got when the peer closed or failed first.
std::string recv_exactly(int fd, size_t size) {
  std::string out(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::recv(fd, out.data() + got, size - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

// Echoes every connection until its client closes, or counts what it receives (sink mode).
class Server {
 public:
  explicit Server(bool sink = false) : sink_(sink) {
    fd_ = listen_any(&port_);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;  // shut down
        std::lock_guard lock(mu_);
        clients_.push_back(c);
        workers_.emplace_back([this, c] { serve(c); });
      }
    });
  }
  ~Server() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    {
      std::lock_guard lock(mu_);
      for (int c : clients_) ::shutdown(c, SHUT_RDWR);
    }
    for (auto& w : workers_) w.join();
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  int port() const { return port_; }
  uint64_t received() const { return received_; }

 private:
  void serve(int c) {
    std::string buffer(256 * 1024, '\0');
    for (;;) {
      ssize_t n = ::recv(c, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      received_ += static_cast<uint64_t>(n);
      if (!sink_ && !send_all(c, buffer.data(), static_cast<size_t>(n))) break;
    }
    ::shutdown(c, SHUT_WR);
  }
  const bool sink_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<uint64_t> received_{0};
  std::mutex mu_;
  std::list<int> clients_;
  std::list<std::thread> workers_;
  std::thread thread_;
};

Endpoint loopback(int port) {
  return {"127.0.0.1", port};
}

std::chrono::milliseconds round_trip(int fd) {
  auto start = Clock::now();
  EXPECT_TRUE(send_all(fd, "ping", 4));
  EXPECT_EQ(recv_exactly(fd, 4), "ping");
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST(LinkProxy, ForwardsBothWaysAndPassesTheHalfCloseOn) {
  Server echo;
  LinkProxy proxy(loopback(0), loopback(echo.port()));
  int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::string message(1 << 20, 'x');
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] {
    EXPECT_TRUE(send_all(fd, message.data(), message.size()));
    ::shutdown(fd, SHUT_WR);  // the echo server ends its side once it sees this
  });
  EXPECT_EQ(recv_exactly(fd, message.size()), message);
  writer.join();
  char byte;
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0) << "the server's close reaches the client";
  ::close(fd);
  EXPECT_EQ(proxy.accepted(), 1u);
  EXPECT_EQ(proxy.bytes_up(), message.size());
  EXPECT_EQ(proxy.bytes_down(), message.size());
  EXPECT_TRUE([&] {
    for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;
         std::this_thread::sleep_for(10ms)) {
      if (proxy.open_connections() == 0) return true;
    }
    return false;
  }()) << "a connection both peers closed is reaped";
}

TEST(LinkProxy, CutResetsConnectionsAndRefusesNewOnesUntilHealed) {
  Server echo;
  LinkProxy proxy(loopback(0), loopback(echo.port()));
  int before = connect_to(proxy.port());
  ASSERT_GE(before, 0);
  round_trip(before);

  proxy.cut();
  EXPECT_EQ(proxy.open_connections(), 0u);
  char byte;
  EXPECT_LE(::recv(before, &byte, 1, 0), 0) << "the open connection is dropped";
  ::close(before);
  EXPECT_EQ(connect_to(proxy.port()), -1);
  EXPECT_EQ(errno, ECONNREFUSED);

  proxy.heal();
  int after = connect_to(proxy.port());
  ASSERT_GE(after, 0) << std::strerror(errno);
  round_trip(after);
  ::close(after);
  EXPECT_EQ(proxy.accepted(), 2u);

  // Cut and healed again: the same port each time.
  proxy.cut();
  proxy.heal();
  int again = connect_to(proxy.port());
  ASSERT_GE(again, 0) << std::strerror(errno);
  round_trip(again);
  ::close(again);
}

TEST(LinkProxy, DelayIsAddedPerDirection) {
  Server echo;
  LinkProxy proxy(loopback(0), loopback(echo.port()));
  int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  auto plain = round_trip(fd);
  // Generous upper bounds: a loaded machine may add its own; the lower bounds are exact.
  proxy.set_delay({100ms, 0ms});
  auto up_only = round_trip(fd);
  EXPECT_GE(up_only, 100ms);
  EXPECT_LT(up_only, 100ms + plain + 400ms);
  proxy.set_delay({0ms, 150ms});
  auto down_only = round_trip(fd);
  EXPECT_GE(down_only, 150ms);
  EXPECT_LT(down_only, 150ms + plain + 400ms);
  proxy.set_delay({50ms, 50ms});
  auto both = round_trip(fd);
  EXPECT_GE(both, 100ms);
  EXPECT_LT(both, 100ms + plain + 400ms);
  // A delay holds bytes back, it does not slow a stream down: 4 MiB take one delay, not one
  // per chunk.
  std::string block(4 << 20, 'z');
  auto start = Clock::now();
  std::thread writer([&] { EXPECT_TRUE(send_all(fd, block.data(), block.size())); });
  EXPECT_EQ(recv_exactly(fd, block.size()).size(), block.size());
  writer.join();
  auto took = Clock::now() - start;
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 2s);
  ::close(fd);
  std::cout << "round trip: plain " << plain.count() << " ms, 100 ms up " << up_only.count()
            << " ms, 150 ms down " << down_only.count() << " ms, 50+50 ms " << both.count()
            << " ms; 4 MiB echoed at 50+50 ms in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
}

// Jitter adds up to its amount to each chunk's delay, and the bytes keep their order.
TEST(LinkProxy, JitterVariesTheDelayAndKeepsTheOrder) {
  Server echo;
  LinkProxy proxy(loopback(0), loopback(echo.port()), {20ms, 20ms});
  proxy.set_jitter(80ms);
  int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  std::chrono::milliseconds low = 1h, high = 0ms;
  for (int i = 0; i < 20; ++i) {
    auto took = round_trip(fd);
    low = std::min(low, took);
    high = std::max(high, took);
  }
  EXPECT_GE(low, 40ms) << "jitter never shortens the delay";
  // Two draws of up to 80 ms each: all 20 under 50 ms has a chance below 1e-40.
  EXPECT_GE(high, 50ms) << "the round trips vary";
  EXPECT_LT(high, 200ms + 400ms);
  std::string message(2 << 20, 'x');
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>('a' + i % 23);
  std::thread writer([&] { EXPECT_TRUE(send_all(fd, message.data(), message.size())); });
  EXPECT_EQ(recv_exactly(fd, message.size()), message) << "in order, every byte";
  writer.join();
  ::close(fd);
  std::cout << "20 round trips at 20+20 ms with 80 ms jitter: " << low.count() << " to "
            << high.count() << " ms\n";
}

// A bandwidth cap holds a stream to its rate: 8 MiB at 16 MiB/s take half a second.
TEST(LinkProxy, BandwidthCapsTheRate) {
  Server sink(true);
  LinkProxy proxy(loopback(0), loopback(sink.port()));
  proxy.set_bandwidth(16 << 20);
  int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  const size_t total = 8 << 20;
  std::string block(1 << 20, 'b');
  auto start = Clock::now();
  for (size_t sent = 0; sent < total; sent += block.size()) {
    ASSERT_TRUE(send_all(fd, block.data(), block.size()));
  }
  bool all = [&] {
    for (auto deadline = Clock::now() + 20s; Clock::now() < deadline;
         std::this_thread::sleep_for(1ms)) {
      if (sink.received() == total) return true;
    }
    return false;
  }();
  auto took = Clock::now() - start;
  ::close(fd);
  EXPECT_TRUE(all) << sink.received() << " of " << total << " bytes";
  // The first chunk (up to 64 KiB) goes at once; the rest at the rate.
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 3s);
  std::cout << "8 MiB at a 16 MiB/s cap: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
}

TEST(LinkProxy, TargetDownResetsTheClient) {
  int port = 0;
  int fd = listen_any(&port);
  ::close(fd);  // nothing listens there now
  LinkProxy proxy(loopback(0), loopback(port));
  int client = connect_to(proxy.port());
  ASSERT_GE(client, 0);
  char byte;
  EXPECT_LE(::recv(client, &byte, 1, 0), 0);
  ::close(client);
  EXPECT_EQ(proxy.accepted(), 0u);
}

TEST(LinkProxy, BadAddressesAreRefusedAtOnce) {
  EXPECT_THROW(parse_endpoint("127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("127.0.0.1:x"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("127.0.0.1:70000"), std::invalid_argument);
  EXPECT_EQ(parse_endpoint("127.0.0.1:19095").port, 19095);
  EXPECT_THROW(LinkProxy(loopback(0), {"kafka-east", 9092}), std::runtime_error);
  LinkProxy taken(loopback(0), loopback(1));
  EXPECT_THROW(LinkProxy(loopback(taken.port()), loopback(1)), std::runtime_error);
}

// MiB/s of `total` bytes sent on one connection to `port` until the sink has them all; -1 when
// they did not all arrive within a minute.
double stream_rate(int port, const Server& sink, size_t total) {
  const uint64_t before = sink.received();
  int fd = connect_to(port);
  if (fd < 0) return -1;
  std::string block(1 << 20, 'q');
  auto start = Clock::now();
  for (size_t sent = 0; sent < total; sent += block.size()) {
    if (!send_all(fd, block.data(), block.size())) break;
  }
  bool all = false;
  for (auto deadline = Clock::now() + 60s; !all && Clock::now() < deadline;
       std::this_thread::sleep_for(1ms)) {
    all = sink.received() - before == total;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  return all ? static_cast<double>(total >> 20) / seconds : -1;
}

// Not a bound (the machine is shared): the figures for the record, the proxy's against a
// direct connection's, and every byte arrives.
TEST(LinkProxy, ThroughputWithoutDelay) {
  Server sink(true);
  LinkProxy proxy(loopback(0), loopback(sink.port()));
  const size_t total = 512ull << 20;
  const double direct = stream_rate(sink.port(), sink, total);
  const double proxied = stream_rate(proxy.port(), sink, total);
  EXPECT_GT(direct, 0) << "every byte arrives directly";
  EXPECT_GT(proxied, 0) << "every byte arrives through the proxy";
  std::cout << "512 MiB on one connection, no delay: direct " << static_cast<int>(direct)
            << " MiB/s, through the proxy " << static_cast<int>(proxied) << " MiB/s ("
            << static_cast<int>(100 * proxied / direct) << "%)\n";
  ::testing::Test::RecordProperty("direct_mib_per_second", static_cast<int>(direct));
  ::testing::Test::RecordProperty("mib_per_second", static_cast<int>(proxied));
}

}  // namespace
}  // namespace duplex::link_proxy
