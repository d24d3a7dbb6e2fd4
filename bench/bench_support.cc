#include "bench/bench_support.h"

#include <unistd.h>

#include <fstream>
#include <iomanip>
#include <sstream>

namespace duplex::bench {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

kafka::HandlePtr client(const std::string& bootstrap, rd_kafka_type_t type,
                        kafka::Properties ours) {
  return kafka::make_client("bench", type,
                            kafka::make_conf("bench", {{"bootstrap.servers", bootstrap}}, ours));
}

Usage usage_of(pid_t pid) {
  Usage usage;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  if (line.empty()) return usage;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  usage.cpu_s = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string l; std::getline(status, l);) {
    if (l.rfind("VmHWM:", 0) == 0) usage.rss_mib = std::stod(l.substr(6)) / 1024;
    if (l.rfind("Threads:", 0) == 0) usage.threads = std::stoi(l.substr(8));
  }
  return usage;
}

std::string fixed(double v, int precision) {
  if (v < 0) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << v;
  return out.str();
}

}  // namespace duplex::bench
