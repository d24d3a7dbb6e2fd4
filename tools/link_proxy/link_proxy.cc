#include "tools/link_proxy/link_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tools/link_proxy/proxied_connection.h"

namespace duplex::link_proxy {

namespace {

std::string os_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

sockaddr_in address_of(const Endpoint& e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(e.port));
  if (::inet_pton(AF_INET, e.host.c_str(), &a.sin_addr) != 1) {
    throw std::runtime_error("link proxy: '" + e.host + "' is not an IPv4 address");
  }
  return a;
}

// A listening socket on `e`, or -1 with `error` set.
int listen_on(const Endpoint& e, std::string& error) {
  sockaddr_in a = address_of(e);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = os_error("link proxy: socket");
    return -1;
  }
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // heal() binds the port again
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0) {
    error = os_error("link proxy: listening on " + e.str());
    ::close(fd);
    return -1;
  }
  return fd;
}

void no_delay(int fd) {  // Nagle on the proxy's sockets would add a delay nobody asked for
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void close_with_reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

}  // namespace

Endpoint parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw std::invalid_argument("'" + text + "' is not host:port");
  }
  Endpoint e;
  e.host = text.substr(0, colon);
  size_t used = 0;
  try {
    e.port = std::stoi(text.substr(colon + 1), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() - colon - 1 || e.port < 0 || e.port > 65535) {
    throw std::invalid_argument("'" + text + "' has no valid port");
  }
  return e;
}

LinkProxy::LinkProxy(Endpoint listen, Endpoint target, Delay delay, size_t buffer_bytes)
    : listen_(std::move(listen)),
      target_(std::move(target)),
      buffer_bytes_(buffer_bytes),
      delay_up_us_(delay.up.count()),
      delay_down_us_(delay.down.count()) {
  address_of(target_);  // a bad target fails here, not at the first connection
  std::string error;
  listen_fd_ = listen_on(listen_, error);
  if (listen_fd_ < 0) throw std::runtime_error(error);
  sockaddr_in bound{};
  socklen_t size = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &size);
  port_ = ntohs(bound.sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    ::close(listen_fd_);
    throw std::runtime_error(os_error("link proxy: eventfd"));
  }
  thread_ = std::thread([this] { run(); });
}

LinkProxy::~LinkProxy() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake();
  thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::close(wake_fd_);
}

void LinkProxy::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);  // fails only when it overflows
}

void LinkProxy::cut() {
  request(true);
}

void LinkProxy::heal() {
  request(false);
  std::lock_guard lock(mu_);
  if (listen_fd_ < 0) throw std::runtime_error(heal_error_);
}

void LinkProxy::request(bool cut) {
  std::unique_lock lock(mu_);
  want_cut_ = cut;
  uint64_t id = ++wanted_;
  wake();
  applied_cv_.wait(lock, [&] { return applied_ >= id; });
}

void LinkProxy::set_delay(Delay delay) {
  delay_up_us_ = delay.up.count();
  delay_down_us_ = delay.down.count();
}

void LinkProxy::set_bandwidth(uint64_t bytes_per_second) {
  pacer_up_.set_rate(bytes_per_second);
  pacer_down_.set_rate(bytes_per_second);
}

Delay LinkProxy::delay() const {
  return {std::chrono::microseconds(delay_up_us_.load()),
          std::chrono::microseconds(delay_down_us_.load())};
}

size_t LinkProxy::open_connections() const {
  std::lock_guard lock(mu_);
  size_t open = 0;
  for (const auto& c : connections_) open += !c->finished();
  return open;
}

void LinkProxy::run() {
  for (;;) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    const int listening = listen_fd_;
    // The timeout only bounds how long finished connections wait to be reaped.
    int ready = ::poll(fds, listening >= 0 ? 2 : 1, 500);
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      uint64_t count;
      [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
    }
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
      apply_wanted_state();
    }
    if (ready > 0 && listening >= 0 && listen_fd_ == listening && (fds[1].revents & POLLIN)) {
      accept_one();
    }
    reap(false);
  }
  reap(true);
}

void LinkProxy::apply_wanted_state() {
  if (want_cut_ && listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    for (auto& c : connections_) c->reset();
    connections_.clear();  // each joins its threads: nothing of it is left once cut() returns
  } else if (!want_cut_ && listen_fd_ < 0) {
    listen_fd_ = listen_on({listen_.host, port_}, heal_error_);
  }
  applied_ = wanted_;
  applied_cv_.notify_all();
}

void LinkProxy::accept_one() {
  int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;  // the client gave up already, or out of descriptors: it may retry
  sockaddr_in to = address_of(target_);
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    // The target is down: the client sees its connection reset, as it would without the proxy.
    if (server >= 0) ::close(server);
    close_with_reset(client);
    return;
  }
  no_delay(client);
  no_delay(server);
  ++accepted_;
  auto connection = std::make_unique<ProxiedConnection>(
      client, server, ProxiedConnection::Direction{delay_up_us_, jitter_us_, pacer_up_, bytes_up_},
      ProxiedConnection::Direction{delay_down_us_, jitter_us_, pacer_down_, bytes_down_},
      buffer_bytes_);
  std::lock_guard lock(mu_);
  connections_.push_back(std::move(connection));
}

void LinkProxy::reap(bool all) {
  std::list<std::unique_ptr<ProxiedConnection>> done;
  {
    std::lock_guard lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (all || (*it)->finished()) {
        done.push_back(std::move(*it));
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }
  done.clear();  // outside the lock: a reset connection's destructor joins its threads
}

}  // namespace duplex::link_proxy
