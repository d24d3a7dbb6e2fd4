#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "metrics/http_endpoint.h"
#include "metrics/http_get.h"
#include "metrics/replication_metrics.h"

namespace duplex::metrics {
namespace {

using ::testing::HasSubstr;

// Parses the exposition with the Prometheus project's own Python parser (Debian's
// python3-prometheus-client, hence /usr/bin/python3); returns its summary
// ("family sample-count" lines) or "PARSE ERROR ...".
std::string parse_with_prometheus(const std::string& text) {
  const std::string path = "/tmp/duplex-metrics-test.txt";
  std::ofstream(path) << text;
  std::string cmd =
      "/usr/bin/python3 -c 'import sys, prometheus_client.parser as p\n"
      "try:\n"
      "  fams = list(p.text_string_to_metric_families(open(sys.argv[1]).read()))\n"
      "  [print(f.name, f.type, len(f.samples)) for f in fams]\n"
      "except Exception as e:\n"
      "  print(\"PARSE ERROR\", e)' " +
      path + " 2>&1";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

TEST(ReplicationMetrics, ExpositionParsesAndCarriesEveryFamily) {
  ReplicationMetrics m("1.2.3");
  m.records_copied("east->west", "orders").Increment(5);
  m.bytes_copied("east->west", "orders").Increment(500);
  m.records_skipped("east->west", "orders", "loop").Increment(2);
  m.lag("east->west", "orders", 3).Set(42);
  m.latency("east->west").Observe(0.004);
  m.source_silence("east->west").Set(1.5);
  m.errors("east->west", "produce").Increment();
  const std::string text = m.serialize();
  EXPECT_THAT(text,
              HasSubstr("duplex_records_copied_total{flow=\"east->west\",topic=\"orders\"} 5"));
  EXPECT_THAT(text, HasSubstr("duplex_lag_records{flow=\"east->west\",partition=\"3\","
                              "topic=\"orders\"} 42"));
  EXPECT_THAT(text, HasSubstr("duplex_build_info{version=\"1.2.3\"} 1"));
  std::string parsed = parse_with_prometheus(text);
  EXPECT_THAT(parsed, ::testing::Not(HasSubstr("PARSE ERROR"))) << parsed;
  for (const char* family :
       {"duplex_records_copied counter", "duplex_bytes_copied counter",
        "duplex_records_skipped counter", "duplex_lag_records gauge",
        "duplex_replication_latency_seconds histogram", "duplex_source_silence_seconds gauge",
        "duplex_errors counter", "duplex_build_info gauge"}) {
    EXPECT_THAT(parsed, HasSubstr(family)) << parsed;
  }
}

TEST(HttpEndpoint, ServesMetricsProbesAnd404) {
  ReplicationMetrics m("test");
  bool ready = false;
  HttpEndpoint endpoint("127.0.0.1:0", {[&] { return m.serialize(); }, [] { return ProbeResult{}; },
                                        [&] {
                                          return ProbeResult{ready, "no partitions assigned"};
                                        }});
  const int port = endpoint.port();
  ASSERT_GT(port, 0);
  auto metrics = http_get(port, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(body_of(metrics), HasSubstr("duplex_build_info"));
  EXPECT_THAT(http_get(port, "/healthz"), HasSubstr("HTTP/1.1 200"));
  auto not_ready = http_get(port, "/readyz");
  EXPECT_THAT(not_ready, HasSubstr("HTTP/1.1 503"));
  EXPECT_EQ(body_of(not_ready), "no partitions assigned\n");
  ready = true;
  EXPECT_THAT(http_get(port, "/readyz"), HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(http_get(port, "/nope"), HasSubstr("HTTP/1.1 404"));
  // Many scrapes in a row, each answered.
  for (int i = 0; i < 50; ++i) ASSERT_THAT(http_get(port, "/metrics"), HasSubstr("200 OK"));
}

TEST(HttpEndpoint, ConcurrentScrapesAndASlowClient) {
  ReplicationMetrics m("test");
  HttpEndpoint endpoint("127.0.0.1:0", {[&] { return m.serialize(); }, [] { return ProbeResult{}; },
                                        [] { return ProbeResult{}; }});
  const int port = endpoint.port();
  // A client that connects and never finishes its request holds one worker, not the server.
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_GT(write(slow, "GET /metr", 9), 0);

  std::atomic<int> ok{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 6; ++t) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (status_of(http_get(port, "/metrics")) == 200) ok++;
      }
    });
  }
  for (auto& t : scrapers) t.join();
  close(slow);
  EXPECT_EQ(ok, 120);
}

TEST(HttpEndpoint, BusyPortIsAClearError) {
  HttpEndpoint first("127.0.0.1:0", {[] { return std::string(); }, [] { return ProbeResult{}; },
                                     [] { return ProbeResult{}; }});
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    HttpEndpoint second(taken, {[] { return std::string(); }, [] { return ProbeResult{}; },
                                [] { return ProbeResult{}; }});
    FAIL() << "bound a port that is taken";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot listen on " + taken));
  }
}

}  // namespace
}  // namespace duplex::metrics
