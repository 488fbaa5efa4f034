#include "rooms/presence.hpp"

#include <mutex>

namespace onair::rooms {

void Presence::make_key(std::string& key, std::string_view room, std::string_view user) {
  key.clear();
  key.append(room).push_back('/');
  key.append(user);
}

Presence::Stamp* Presence::add(std::string_view room, std::string_view user, int64_t now) {
  std::string key;
  make_key(key, room, user);
  Shard& s = shard(key);
  std::unique_lock lock(s.mu);
  auto [it, inserted] = s.seen.try_emplace(key, now);
  if (!inserted) it->second.store(now, std::memory_order_relaxed);
  return &it->second;
}

void Presence::remove(std::string_view room, std::string_view user) {
  std::string key;
  make_key(key, room, user);
  Shard& s = shard(key);
  std::unique_lock lock(s.mu);
  s.seen.erase(key);
}

void Presence::clear() {
  for (auto& s : shards_) {
    std::unique_lock lock(s.mu);
    s.seen.clear();
  }
}

bool Presence::touch(std::string_view room, std::string_view user, int64_t now) const {
  // One key buffer per thread: no allocation per heartbeat once it has grown.
  thread_local std::string key;
  make_key(key, room, user);
  const Shard& s = shard(key);
  std::shared_lock lock(s.mu);
  auto it = s.seen.find(key);
  if (it == s.seen.end()) return false;
  const_cast<Stamp&>(it->second).store(now, std::memory_order_relaxed);
  return true;
}

}  // namespace onair::rooms
