#include "metrics/exposition.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

namespace duplex::metrics {
namespace {

// Calls `visit(labels_text, value)` for each sample of exactly metric `name`.
template <class Visit>
void for_each_sample(const std::string& exposition, const std::string& name, Visit visit) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0) continue;
    std::string rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != '{' && rest[0] != ' ')) continue;  // a longer name
    size_t space = rest.rfind(' ');
    visit(rest.substr(0, space), std::stod(rest.substr(space + 1)));
  }
}

bool has_labels(const std::string& labels_text, const Labels& labels) {
  for (const auto& [k, v] : labels) {
    if (labels_text.find(k + "=\"" + v + "\"") == std::string::npos) return false;
  }
  return true;
}

double bound_of(const std::string& labels_text) {
  auto start = labels_text.find("le=\"") + 4;
  std::string le = labels_text.substr(start, labels_text.find('"', start) - start);
  return le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le);
}

}  // namespace

double sum_samples(const std::string& exposition, const std::string& name, const Labels& labels) {
  double sum = 0;
  for_each_sample(exposition, name, [&](const std::string& text, double value) {
    if (has_labels(text, labels)) sum += value;
  });
  return sum;
}

int count_samples(const std::string& exposition, const std::string& name, const Labels& labels) {
  int count = 0;
  for_each_sample(exposition, name, [&](const std::string& text, double) {
    count += has_labels(text, labels) ? 1 : 0;
  });
  return count;
}

std::optional<double> min_sample(const std::string& exposition, const std::string& name,
                                 const Labels& labels) {
  std::optional<double> min;
  for_each_sample(exposition, name, [&](const std::string& text, double value) {
    if (has_labels(text, labels) && (!min || value < *min)) min = value;
  });
  return min;
}

double histogram_quantile(const std::string& exposition, const std::string& name, double q,
                          const Labels& labels) {
  std::map<double, double> cumulative;  // upper bound -> count at or below it
  for_each_sample(exposition, name + "_bucket", [&](const std::string& text, double value) {
    if (has_labels(text, labels)) cumulative[bound_of(text)] += value;
  });
  if (cumulative.empty() || cumulative.rbegin()->second == 0) return -1;
  const double rank = q * cumulative.rbegin()->second;
  double lower = 0, below = 0;
  for (const auto& [upper, count] : cumulative) {
    if (count >= rank) {
      if (std::isinf(upper)) return lower;  // beyond the last finite bucket
      return lower + (upper - lower) * (count > below ? (rank - below) / (count - below) : 1);
    }
    lower = upper;
    below = count;
  }
  return lower;
}

}  // namespace duplex::metrics
