#pragma once
// Snowflake ids: 41 bits of milliseconds since 2024-01-01, 10 bits of node_id, 12 bits of
// sequence. Unique across a cluster whose nodes have distinct node_id, and sortable by time.
// Thread-safe.
#include <cstdint>
#include <mutex>
#include <string>

namespace onair {

class Snowflake {
 public:
  explicit Snowflake(uint32_t node_id) : node_(node_id & 0x3ff) {}
  int64_t next();
  std::string next_string() { return std::to_string(next()); }

 private:
  std::mutex mu_;
  uint32_t node_;
  int64_t last_ms_ = 0;
  uint32_t seq_ = 0;
};

// Wall-clock Unix time.
int64_t unix_ms();
inline int64_t unix_s() { return unix_ms() / 1000; }

}  // namespace onair
