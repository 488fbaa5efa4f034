#include "core/ids.hpp"

#include <chrono>
#include <thread>

namespace onair {

namespace {
constexpr int64_t kEpochMs = 1704067200000;  // 2024-01-01T00:00:00Z
}

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Snowflake::next() {
  std::lock_guard lock(mu_);
  int64_t now = unix_ms() - kEpochMs;
  // The clock may step back (NTP); ids stay increasing by holding the last time.
  if (now < last_ms_) now = last_ms_;
  if (now == last_ms_) {
    seq_ = (seq_ + 1) & 0xfff;
    if (seq_ == 0) {
      while (now <= last_ms_) {
        std::this_thread::yield();
        now = std::max(unix_ms() - kEpochMs, last_ms_);
        if (now == last_ms_) continue;
      }
    }
  } else {
    seq_ = 0;
  }
  last_ms_ = now;
  return (now << 22) | (static_cast<int64_t>(node_) << 12) | seq_;
}

}  // namespace onair
