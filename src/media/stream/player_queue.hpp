#pragma once
// PlayerQueue: what a player connection still has to send, bounded in bytes. Items are
// references to shared frame bytes plus a few bytes of per-player framing (an RTMP chunk
// header or an FLV tag header with the player's timestamp), gathered into one writev.
// Nothing here copies a frame.
//
// A player that falls behind (queue over `soft_limit`) loses what is queued and then every
// frame until the next keyframe, counted as a drop; over `hard_limit` even after that, or
// more than 1000 drops over the connection's life, it is closed. One queue per connection,
// used on its loop only.
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
  PlayerQueue(boost::asio::any_io_executor ex, size_t soft_limit, size_t hard_limit, uint32_t merge_ms = 0);
  ~PlayerQueue();
  PlayerQueue(const PlayerQueue&) = delete;
  PlayerQueue& operator=(const PlayerQueue&) = delete;

  // Called by the loop's flush tick: write what has gathered.
  void flush_now();

  // Queues a frame with its per-player framing; applies the drop policy. False when the
  // player should be closed.
  bool push_frame(const FramePtr& frame, std::string_view body, std::string_view head, std::string_view tail);
  // The same for bytes made for this player alone (rare paths), owned by `bytes`.
  bool push_frame_owned(const FramePtr& frame, std::shared_ptr<const std::string> bytes);
  // Queues bytes that must arrive (command answers, headers).
  void push_control(std::string bytes);

  // Sends until the socket fails or close() is called.
  boost::asio::awaitable<void> run(boost::asio::ip::tcp::socket& socket);
  void close();
  // Sends what is queued (an error status), then closes the socket.
  void close_when_drained() {
    close_when_drained_ = true;
    signal_.cancel();
  }

  bool closed() const { return closed_; }
  size_t bytes() const { return bytes_; }
  uint64_t drops() const { return drops_; }
  uint64_t bytes_sent() const { return sent_; }

 private:
  void push(Item&& item);
  void wake();

  std::deque<Item> items_;
  size_t in_flight_ = 0;  // items_[0, in_flight_) are in the write under way
  size_t bytes_ = 0;
  size_t soft_limit_, hard_limit_;
  std::chrono::milliseconds merge_;
  bool waiting_keyframe_ = false;
  bool closed_ = false;
  bool close_when_drained_ = false;
  bool idle_ = false;  // the writer waits for items
  bool scheduled_ = false;  // signed up for the loop's flush tick
  bool flush_due_ = false;  // the tick came: write what is queued
  uint64_t drops_ = 0;
  uint64_t sent_ = 0;
  boost::asio::steady_timer signal_;
};

}  // namespace onair::media
