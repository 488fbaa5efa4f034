#include "core/metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace onair {
namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string label_key(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=\"" + escape_label(v) + "\"";
  }
  return out;
}

std::string fmt_double(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micro_.fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& help,
                                                  Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Type::counter);
  auto& slot = f.counters[label_key(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Type::gauge);
  auto& slot = f.gauges[label_key(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      const std::vector<double>& bounds, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Type::histogram);
  auto& slot = f.histograms[label_key(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void MetricsRegistry::gauge_fn(const std::string& name, const std::string& help,
                               std::function<double()> fn) {
  std::lock_guard lock(mu_);
  family(name, help, Type::gauge_fn).fn = std::move(fn);
}

void MetricsRegistry::counter_fn(const std::string& name, const std::string& help,
                                 std::function<double()> fn) {
  std::lock_guard lock(mu_);
  family(name, help, Type::counter_fn).fn = std::move(fn);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::counter || f.type == Type::counter_fn ? "counter"
                       : f.type == Type::histogram ? "histogram"
                                                   : "gauge";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, type);
    auto series = [&](const std::string& suffix, const std::string& labels) {
      return labels.empty() ? name + suffix : name + suffix + "{" + labels + "}";
    };
    switch (f.type) {
      case Type::counter:
        for (const auto& [l, c] : f.counters) out += fmt::format("{} {}\n", series("", l), c->value());
        break;
      case Type::gauge:
        for (const auto& [l, g] : f.gauges) out += fmt::format("{} {}\n", series("", l), g->value());
        break;
      case Type::gauge_fn:
      case Type::counter_fn:
        out += fmt::format("{} {}\n", name, fmt_double(f.fn ? f.fn() : 0));
        break;
      case Type::histogram:
        for (const auto& [l, h] : f.histograms) {
          uint64_t cumulative = 0;
          for (size_t i = 0; i <= h->bounds().size(); ++i) {
            cumulative += h->bucket(i);
            std::string le = i < h->bounds().size() ? fmt_double(h->bounds()[i]) : "+Inf";
            std::string labels = l.empty() ? "le=\"" + le + "\"" : l + ",le=\"" + le + "\"";
            out += fmt::format("{}_bucket{{{}}} {}\n", name, labels, cumulative);
          }
          out += fmt::format("{} {}\n", series("_sum", l), fmt_double(h->sum()));
          out += fmt::format("{} {}\n", series("_count", l), h->count());
        }
        break;
    }
  }
  return out;
}

MetricsRegistry& metrics() {
  static MetricsRegistry registry;
  return registry;
}

}  // namespace onair
