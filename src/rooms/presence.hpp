#pragma once
// Presence: when each member was last heard from. The one part of room state that event
// loops touch directly: a heartbeat is the most frequent request, and sending each one
// through the rooms strand would cost two thread hops (two context switches on a busy
// core) for one timestamp. The strand adds and removes entries (exclusive lock of one of
// 64 shards); a heartbeat takes the shard's shared lock and stores an atomic, so
// heartbeats on different loops do not wait for each other and never allocate after the
// first one on a thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace onair::rooms {

class Presence {
 public:
  using Stamp = std::atomic<int64_t>;

  // Strand only. The returned stamp stays valid until remove() of the same member.
  Stamp* add(std::string_view room, std::string_view user, int64_t now);
  void remove(std::string_view room, std::string_view user);
  void clear();

  // Any thread: records a heartbeat; false when the member is not present.
  bool touch(std::string_view room, std::string_view user, int64_t now) const;

 private:
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, Stamp> seen;  // key: room '/' user
  };
  static void make_key(std::string& key, std::string_view room, std::string_view user);
  const Shard& shard(const std::string& key) const { return shards_[std::hash<std::string>{}(key) % kShards]; }
  Shard& shard(const std::string& key) { return shards_[std::hash<std::string>{}(key) % kShards]; }

  static constexpr size_t kShards = 64;
  std::array<Shard, kShards> shards_;
};

}  // namespace onair::rooms
