#pragma once
// OutQueue: what one realtime connection still has to send, bounded in bytes. Items are
// references to whole WebSocket frames shared by every subscriber (a room batch is encoded
// once); nothing is copied per connection.
//
// A connection that falls behind (queued bytes over `soft_limit`) loses its oldest room
// batches that are not being written, and gets one `gap {room, from, to}` per room in their
// place so the client can resync from history. Frames that must arrive (answers, signals,
// gaps) are never dropped; when even they pass `hard_limit`, the connection is too slow
// (REALTIME.md: close 4008). Pure: no socket; the session takes buffers and reports writes.
#include <boost/asio/buffer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onair::realtime {

// One WebSocket frame to send. A room batch names its room and seq range and may be dropped
// for a slow connection; anything else (first == 0) must arrive.
struct OutFrame {
  std::string bytes;
  std::string room;
  uint64_t first = 0, last = 0;
  uint32_t count = 0;     // messages in a batch
  int64_t closed_ns = 0;  // when a batch's first message came (steady clock), for latency
  bool droppable() const { return first != 0; }
};
using OutFramePtr = std::shared_ptr<const OutFrame>;

OutFramePtr make_control_frame(std::string ws_frame);

class OutQueue {
 public:
  static constexpr size_t kMaxGather = 16;
  OutQueue(size_t soft_limit, size_t hard_limit) : soft_limit_(soft_limit), hard_limit_(hard_limit) {}

  // Queues a frame; drops the oldest batches when over the soft limit. False when the
  // connection is past the hard limit (too slow).
  bool push(OutFramePtr f);

  // Fills `bufs` with up to kMaxGather queued frames from the head for one writev; returns
  // how many buffers. Those frames are in flight until written().
  size_t gather(std::array<boost::asio::const_buffer, kMaxGather>& bufs);
  // The write of the in-flight frames finished.
  void written();

  bool empty() const { return head_ == items_.size(); }
  bool in_flight() const { return in_flight_ > 0; }
  size_t bytes() const { return bytes_; }
  uint64_t dropped_batches() const { return dropped_; }
  // Forgets everything not in flight (the connection is closing).
  void clear_pending();

 private:
  void drop_oldest_batches();

  std::vector<OutFramePtr> items_;  // [head_, end) queued; dropped entries are null
  size_t head_ = 0;
  size_t in_flight_ = 0;  // items_[head_, head_ + in_flight_) are being written
  size_t bytes_ = 0;
  size_t soft_limit_, hard_limit_;
  uint64_t dropped_ = 0;
};

}  // namespace onair::realtime
