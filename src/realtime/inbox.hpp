#pragma once
// UserInbox: what was sent to one user (signals, server pushes), kept for
// `realtime.inbox_ttl_s` and at most `realtime.inbox_max` messages, so a user who was offline
// or reconnecting gets it with `sync {since}`. Owned by the user's home loop in the Gateway,
// which also counts the user's connections per loop to deliver live. Seqs start at the
// inbox's creation time in ms × 1000 (see RoomChannel).
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace onair::realtime {

class UserInbox {
 public:
  explicit UserInbox(int64_t now_ms) : seq_(uint64_t(now_ms) * 1000) {}

  // Stores `{"type":..,"seq":..,"ts":..` + rest; returns the whole message.
  const std::string& add(std::string_view type, int64_t now_ms, std::string_view rest);
  // Messages after `since`, oldest first.
  std::vector<std::string> since(uint64_t since) const;
  uint64_t seq() const { return seq_; }

  // Drops expired messages and keeps at most `max`.
  void prune(int64_t now_ms, int64_t ttl_ms, size_t max);
  bool empty() const { return messages_.empty(); }

  std::vector<uint32_t>& loop_connections() { return loops_; }
  bool online() const;

 private:
  struct Kept {
    uint64_t seq;
    int64_t at_ms;
    std::string json;
  };
  uint64_t seq_;
  std::deque<Kept> messages_;
  std::vector<uint32_t> loops_;
};

}  // namespace onair::realtime
