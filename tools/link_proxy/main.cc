// duplex-link-proxy: the LinkProxy as a process, for scripts and benchmarks (issue 19's
// delayed link). Controlled by lines on stdin or by signals; prints one line when it listens.
#include <signal.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "config/duration.h"
#include "config/size.h"
#include "tools/link_proxy/link_proxy.h"

namespace po = boost::program_options;
using duplex::link_proxy::Delay;
using duplex::link_proxy::LinkProxy;

namespace {

std::chrono::microseconds duration_or_throw(const std::string& text) {
  auto d = duplex::config::parse_duration(text);
  if (!d) throw std::invalid_argument("'" + text + "' is not a duration (e.g. 50ms)");
  return *d;
}

// Bytes a second, "0B" for no cap.
uint64_t rate_or_throw(const std::string& text) {
  auto size = duplex::config::parse_size(text);
  if (!size) throw std::invalid_argument("'" + text + "' is not a size a second (e.g. 100MiB)");
  return *size;
}

// One command line from stdin; false when it is unknown.
bool command(LinkProxy& proxy, const std::string& line) {
  std::istringstream in(line);
  std::string verb, arg;
  in >> verb >> arg;
  Delay d = proxy.delay();
  if (verb == "cut") {
    proxy.cut();
  } else if (verb == "heal") {
    proxy.heal();
  } else if (verb == "delay" && !arg.empty()) {
    d.up = d.down = duration_or_throw(arg);
    proxy.set_delay(d);
  } else if (verb == "delay-up" && !arg.empty()) {
    d.up = duration_or_throw(arg);
    proxy.set_delay(d);
  } else if (verb == "delay-down" && !arg.empty()) {
    d.down = duration_or_throw(arg);
    proxy.set_delay(d);
  } else if (verb == "jitter" && !arg.empty()) {
    proxy.set_jitter(duration_or_throw(arg));
  } else if (verb == "bandwidth" && !arg.empty()) {
    proxy.set_bandwidth(rate_or_throw(arg));
  } else if (verb != "stats") {
    return false;
  }
  std::cout << "ok connections=" << proxy.open_connections() << " accepted=" << proxy.accepted()
            << " bytes_up=" << proxy.bytes_up() << " bytes_down=" << proxy.bytes_down()
            << std::endl;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options(
      "duplex-link-proxy --listen HOST:PORT --to HOST:PORT [options]\n"
      "Forwards TCP connections to one server, with an added delay per direction; cuts and\n"
      "heals the link on command. Commands on stdin, one a line: cut | heal | delay D |\n"
      "delay-up D | delay-down D | jitter D | bandwidth SIZE | stats (each answers 'ok ...').\n"
      "SIGUSR1 cuts, SIGUSR2 heals, SIGINT/SIGTERM end it.\nOptions");
  std::string listen, to, delay = "0ms", up, down, jitter = "0ms", bandwidth = "0B",
                          buffer = "32MiB";
  options.add_options()("help", "this text")(
      "listen", po::value(&listen)->required(),
      "address to listen on (port 0: any free port; the line printed at start names it)")(
      "to", po::value(&to)->required(), "the server's address")(
      "delay", po::value(&delay), "added to every byte in both directions (e.g. 50ms)")(
      "delay-up", po::value(&up), "client -> server only (wins over --delay)")(
      "delay-down", po::value(&down), "server -> client only (wins over --delay)")(
      "jitter", po::value(&jitter),
      "up to this much more delay per chunk, at random; a connection's bytes keep their order")(
      "bandwidth", po::value(&bandwidth),
      "bytes a second per direction, shared by all connections (e.g. 100MiB; 0B: no cap)")(
      "buffer", po::value(&buffer),
      "bytes held per direction of a connection before the sender is held back (default 32MiB;"
      " at least the rate times the delay)");
  Delay d;
  std::chrono::microseconds jitter_us{0};
  uint64_t rate = 0;
  size_t buffer_bytes = 0;
  duplex::link_proxy::Endpoint from, target;
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(vm);
    d.up = d.down = duration_or_throw(delay);
    if (!up.empty()) d.up = duration_or_throw(up);
    if (!down.empty()) d.down = duration_or_throw(down);
    jitter_us = duration_or_throw(jitter);
    rate = rate_or_throw(bandwidth);
    auto size = duplex::config::parse_size(buffer);
    if (!size || *size == 0)
      throw std::invalid_argument("'" + buffer + "' is not a size (e.g. 32MiB)");
    buffer_bytes = *size;
    from = duplex::link_proxy::parse_endpoint(listen);
    target = duplex::link_proxy::parse_endpoint(to);
  } catch (const std::exception& e) {
    std::cerr << "duplex-link-proxy: " << e.what() << "\n" << options << "\n";
    return 2;
  }

  // Signals are taken by sigwait below, never by the proxy's threads (they inherit the mask).
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    LinkProxy proxy(from, target, d, buffer_bytes);
    proxy.set_jitter(jitter_us);
    proxy.set_bandwidth(rate);
    std::cout << "listening " << from.host << ":" << proxy.port() << " -> " << target.str()
              << std::endl;
    // Detached: it may block in a read when the process ends; it only calls the proxy.
    std::thread([&proxy] {
      for (std::string line; std::getline(std::cin, line);) {
        if (line.empty()) continue;
        try {
          if (!command(proxy, line)) std::cout << "error unknown command: " << line << std::endl;
        } catch (const std::exception& e) {
          std::cout << "error " << e.what() << std::endl;
        }
      }
    }).detach();
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGUSR1) {
        proxy.cut();
      } else if (sig == SIGUSR2) {
        try {
          proxy.heal();
        } catch (const std::exception& e) {
          std::cerr << "duplex-link-proxy: " << e.what() << "\n";
        }
      } else {
        std::_Exit(0);  // the stdin thread may still be reading: end without unwinding it
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "duplex-link-proxy: " << e.what() << "\n";
    return 1;
  }
}
