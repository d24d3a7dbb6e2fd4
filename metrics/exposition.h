#pragma once

#include <map>
#include <optional>
#include <string>

namespace duplex::metrics {

using Labels = std::map<std::string, std::string>;

// Reads values back out of Prometheus text exposition (what /metrics serves), for duplex's own
// views (`duplex demo`, `duplex status`). Not a general parser: one sample per line, no escapes
// in label values.

// The sum of the samples of metric `name` whose labels include `labels`.
double sum_samples(const std::string& exposition, const std::string& name,
                   const Labels& labels = {});

// How many samples of metric `name` have labels that include `labels`.
int count_samples(const std::string& exposition, const std::string& name,
                  const Labels& labels = {});

// The smallest sample of metric `name` whose labels include `labels`; none when there is none.
std::optional<double> min_sample(const std::string& exposition, const std::string& name,
                                 const Labels& labels = {});

// The q-quantile (0..1) of histogram `name` (its _bucket samples whose labels include
// `labels`, merged), by linear interpolation inside the bucket, as Prometheus'
// histogram_quantile does. -1 when the histogram has no observations.
double histogram_quantile(const std::string& exposition, const std::string& name, double q,
                          const Labels& labels = {});

}  // namespace duplex::metrics
