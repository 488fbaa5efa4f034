#pragma once
// PlayerQueue: what a player connection still has to send, bounded in bytes. Items are
// references to shared frame bytes plus a few bytes of per-player framing (an RTMP chunk
// header or an FLV tag header with the player's timestamp), gathered into one writev.
// Nothing here copies a frame.
//
// A player that falls behind (queue over `soft_limit` bytes or kMaxQueued entries) loses
// what is queued and then every frame until the next keyframe (any audio frame when the
// stream has no video), counted as a drop; over
// `hard_limit` even after that, or more than 1000 drops over the connection's life, it is
// closed. A player whose socket takes nothing for `stall_ms` while a write waits is closed
// too (a per-loop sweep checks, no timer per write), so a reader that stopped costs at most
// one write in flight plus the bounded queue, until then. One queue per connection, used on
// its loop only.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "media/stream/frame.hpp"

namespace onair::media {

class StallWatch;

class PlayerQueue {
 public:
  struct Item {
    std::shared_ptr<const void> keep;  // owns `body`
    std::string_view body;
    std::array<char, 24> head{};
    uint8_t head_len = 0;
    std::array<char, 4> tail{};
    uint8_t tail_len = 0;
    bool droppable = true;  // media; control messages are never dropped
    size_t size() const { return head_len + body.size() + tail_len; }
  };

  // `merge_ms`: frames queued while the writer is idle are sent at the loop's next flush tick
  // (every merge_ms), so they go out in one writev (fewer syscalls, up to that much latency).
  // `stall_ms`: 0 never closes a player for making no progress.
  PlayerQueue(boost::asio::any_io_executor ex, size_t soft_limit, size_t hard_limit, uint32_t merge_ms = 0,
              uint32_t stall_ms = 0);
  // Entries waiting behind the write in flight before the player counts as behind.
  static constexpr size_t kMaxQueued = 4096;
  // Control messages (never dropped) queued before the player is closed.
  static constexpr size_t kMaxControl = 512;
  ~PlayerQueue();
  PlayerQueue(const PlayerQueue&) = delete;
  PlayerQueue& operator=(const PlayerQueue&) = delete;

  // Called by the loop's flush tick: write what has gathered.
  void flush_now();

  // Queues a frame with its per-player framing; applies the drop policy. False when the
  // player is too slow: the queue closed it (and its socket), with close_reason().
  bool push_frame(const FramePtr& frame, std::string_view body, std::string_view head, std::string_view tail);
  // The same for bytes made for this player alone (rare paths), owned by `bytes`.
  bool push_frame_owned(const FramePtr& frame, std::shared_ptr<const std::string> bytes);
  // Queues bytes that must arrive (command answers, headers).
  void push_control(std::string bytes);

  // Sends until the socket fails or close() is called.
  boost::asio::awaitable<void> run(boost::asio::ip::tcp::socket& socket);
  void close();
  // The publisher left: the next one may carry other tracks (where to resume after a drop).
  void republished();
  // Sends what is queued (an error status), then closes the socket.
  void close_when_drained() {
    close_when_drained_ = true;
    signal_.cancel();
  }

  bool closed() const { return closed_; }
  // Why the queue closed the player ("" while open, or for a plain close or socket error).
  const std::string& close_reason() const { return close_reason_; }
  size_t bytes() const { return bytes_; }
  size_t entries() const { return items_.size(); }
  uint64_t drops() const { return drops_; }
  uint64_t bytes_sent() const { return sent_; }

 private:
  friend class StallWatch;
  void push(Item&& item);
  void wake();
  void drop_queued();
  void give_up(std::string reason);  // closes the player and its socket with `reason`
  // Whether a write has waited on the socket without progress since before `deadline`.
  bool stalled_since(std::chrono::steady_clock::time_point deadline) const {
    return writing_ && progress_at_ < deadline;
  }

  std::deque<Item> items_;
  size_t in_flight_ = 0;  // items_[0, in_flight_) are in the write under way
  size_t bytes_ = 0;
  size_t soft_limit_, hard_limit_;
  std::chrono::milliseconds merge_;
  bool waiting_keyframe_ = false;
  bool saw_video_ = false;  // else audio frames are where a dropped player resumes
  size_t control_queued_ = 0;
  bool closed_ = false;
  bool close_when_drained_ = false;
  bool idle_ = false;  // the writer waits for items
  bool scheduled_ = false;  // signed up for the loop's flush tick
  bool flush_due_ = false;  // the tick came: write what is queued
  uint64_t drops_ = 0;
  uint64_t sent_ = 0;
  std::chrono::milliseconds stall_;
  bool writing_ = false;  // a write waits on the socket
  std::chrono::steady_clock::time_point progress_at_;  // the write's start or its last bytes
  boost::asio::ip::tcp::socket* socket_ = nullptr;  // while run() runs
  StallWatch* watch_ = nullptr;    // this loop's, while run() runs
  size_t watch_index_ = SIZE_MAX;  // place in it
  std::string close_reason_;
  boost::asio::steady_timer signal_;
};

}  // namespace onair::media
