#pragma once
// RoomChannel: the realtime side of one room, owned by one event loop (the room's home loop
// in the Gateway). It gives every message of the room its `seq`, gathers messages into the
// pending batch, encodes a closed batch once as a WebSocket frame shared by every
// subscriber, keeps the history ring for resync, and decides what a client may send: mutes
// and kick bans (learnt from room events), a token bucket per user, and sampling of chat and
// danmaku in big rooms. Pure logic over values: no sockets, no timers (the Gateway drives it).
//
// Seqs start at the channel's creation time in ms × 1000, so they keep increasing across
// restarts of the server and a client's `since` from before a restart is a gap, never
// mistaken for "up to date".
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "realtime/out_queue.hpp"

namespace onair::realtime {

// A per-key token bucket: `rate` per second, up to `burst` at once.
struct TokenBucket {
  double tokens = -1;  // -1: full, not yet used
  int64_t last_ms = 0;
  bool take(double rate, double burst, int64_t now_ms);
};

class RoomChannel {
 public:
  RoomChannel(std::string room, const RealtimeConfig& config, int64_t now_ms);

  const std::string& room() const { return room_; }
  uint64_t seq() const { return seq_; }

  enum class Admit { ok, muted, banned, rate_limited, sampled };
  // May `user` send a message now? `sampled_kind`: chat or danmaku, which big rooms sample.
  Admit admit(const std::string& user, bool sampled_kind, int64_t now_ms);

  // Appends a message to the pending batch and the history: `{"seq":..,"type":..,"ts":..`
  // followed by `rest`, which is the rest of the object (",\"from\":...}" or "}").
  uint64_t append(std::string_view type, int64_t ts_ms, std::string_view rest, int64_t now_ns);
  // An event of the rooms service: its JSON object's fields follow seq, type and ts.
  uint64_t append_event(std::string_view type, int64_t ts_ms, std::string_view data_object, int64_t now_ns);

  size_t pending() const { return pending_count_; }
  // Closes the pending batch: one WebSocket frame for every subscriber. Null when empty.
  OutFramePtr close_batch();
  int64_t pending_since_ns() const { return pending_first_ns_; }

  // What a client that saw up to `since` missed: a gap where history no longer reaches,
  // then the messages still kept (joined with commas, for one batch).
  struct Missed {
    std::optional<std::pair<uint64_t, uint64_t>> gap;
    std::string messages;
    uint64_t first = 0, last = 0;
  };
  Missed since(uint64_t since) const;

  void set_muted(const std::string& user, int64_t until_ms);
  void ban(const std::string& user, int64_t until_ms);
  bool banned(const std::string& user, int64_t now_ms) const;

  // Subscribers per event loop (the Gateway keeps them so a batch is posted once per loop).
  std::vector<uint32_t>& loop_subscribers() { return loop_subs_; }
  size_t subscribers() const { return subscribers_; }
  void add_subscriber(size_t loop);
  void remove_subscriber(size_t loop);
  bool big() const { return subscribers_ > config_.sample_above; }

  // Forgets rate buckets, mutes and bans that no longer matter. Call now and then.
  void prune(int64_t now_ms);

 private:
  std::string room_;
  const RealtimeConfig& config_;
  uint64_t seq_;
  std::string pending_;  // messages of the open batch, joined with commas
  size_t pending_count_ = 0;
  uint64_t pending_first_ = 0;
  int64_t pending_first_ns_ = 0;
  std::deque<std::pair<uint64_t, std::string>> history_;
  std::unordered_map<std::string, int64_t> muted_, banned_;
  std::unordered_map<std::string, TokenBucket> rates_;
  int64_t sample_window_s_ = 0;
  uint32_t sampled_in_window_ = 0;
  std::vector<uint32_t> loop_subs_;
  size_t subscribers_ = 0;
};

}  // namespace onair::realtime
