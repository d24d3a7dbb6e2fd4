#include "tools/link_proxy/proxied_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace duplex::link_proxy {

using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kReadSize = 64 * 1024;

struct Chunk {
  Clock::time_point due;
  std::string bytes;
};

bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

// One direction: what `from` sends, queued until due, then written to `to`.
struct Pipe {
  Pipe(int from_fd, int to_fd, ProxiedConnection::Direction d, size_t limit_bytes)
      : from(from_fd), to(to_fd), direction(d), limit(limit_bytes) {}
  const int from;
  const int to;
  ProxiedConnection::Direction direction;
  const size_t limit;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Chunk> chunks;      // in arrival order; due times never decrease at a fixed delay
  size_t queued = 0;             // bytes in `chunks`; the reader waits while it is at `limit`
  Clock::time_point last_due{};  // a jittered chunk is never due before the one ahead of it
  bool eof = false;              // `from` closed its side: pass the half-close on after the chunks
  bool aborted = false;
};

ProxiedConnection::ProxiedConnection(int client_fd, int server_fd, Direction up, Direction down,
                                     size_t buffer_bytes)
    : client_fd_(client_fd),
      server_fd_(server_fd),
      up_(std::make_unique<Pipe>(client_fd, server_fd, up, buffer_bytes)),
      down_(std::make_unique<Pipe>(server_fd, client_fd, down, buffer_bytes)) {
  threads_[0] = std::thread([this] { read_side(*up_); });
  threads_[1] = std::thread([this] { write_side(*up_); });
  threads_[2] = std::thread([this] { read_side(*down_); });
  threads_[3] = std::thread([this] { write_side(*down_); });
}

ProxiedConnection::~ProxiedConnection() {
  if (!finished()) reset();
  for (auto& t : threads_) t.join();
  ::close(client_fd_);
  ::close(server_fd_);
}

void ProxiedConnection::reset() {
  if (reset_.exchange(true)) return;
  for (Pipe* p : {up_.get(), down_.get()}) {
    std::lock_guard lock(p->mu);
    p->aborted = true;
    p->cv.notify_all();
  }
  // Linger 0: the close in the destructor sends a RST. The shutdown wakes blocked reads and
  // writes now; the sockets stay open (so their numbers cannot be reused) until the threads end.
  linger hard{1, 0};
  for (int fd : {client_fd_, server_fd_}) {
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::shutdown(fd, SHUT_RDWR);
  }
}

void ProxiedConnection::read_side(Pipe& p) {
  std::vector<char> buffer(kReadSize);
  for (;;) {
    {
      std::unique_lock lock(p.mu);
      p.cv.wait(lock, [&] { return p.aborted || p.queued < p.limit; });
      if (p.aborted) break;
    }
    ssize_t n = ::recv(p.from, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      reset();
      break;
    }
    std::lock_guard lock(p.mu);
    if (n == 0) {
      p.eof = true;
      p.cv.notify_all();
      break;
    }
    auto due = Clock::now() + std::chrono::microseconds(p.direction.delay_us.load());
    if (const int64_t jitter = p.direction.jitter_us.load(); jitter > 0) {
      thread_local std::minstd_rand random(std::random_device{}());
      due += std::chrono::microseconds(std::uniform_int_distribution<int64_t>(0, jitter)(random));
      due = std::max(due, p.last_due);  // TCP delivers in order: jitter only bunches chunks
    }
    p.last_due = due;
    p.chunks.push_back({due, std::string(buffer.data(), static_cast<size_t>(n))});
    p.queued += static_cast<size_t>(n);
    p.cv.notify_all();
  }
  ++threads_done_;
}

void ProxiedConnection::write_side(Pipe& p) {
  for (;;) {
    std::unique_lock lock(p.mu);
    bool half_close = false;
    for (;;) {
      if (p.aborted) break;
      if (!p.chunks.empty()) {
        if (p.chunks.front().due <= Clock::now()) break;
        p.cv.wait_until(lock, p.chunks.front().due);
      } else if (p.eof) {
        half_close = true;
        break;
      } else {
        p.cv.wait(lock);
      }
    }
    if (p.aborted) break;
    if (half_close) {
      ::shutdown(p.to, SHUT_WR);
      break;
    }
    Chunk chunk = std::move(p.chunks.front());
    p.chunks.pop_front();
    // Under a bandwidth cap the chunk waits for its turn on the link.
    const auto send_at = p.direction.pacer.reserve(chunk.bytes.size(), chunk.due);
    p.cv.wait_until(lock, send_at, [&] { return p.aborted || Clock::now() >= send_at; });
    if (p.aborted) break;
    p.queued -= chunk.bytes.size();
    lock.unlock();
    p.cv.notify_all();  // room for the reader
    if (!send_all(p.to, chunk.bytes)) {
      reset();
      break;
    }
    p.direction.bytes += chunk.bytes.size();
  }
  ++threads_done_;
}

}  // namespace duplex::link_proxy
