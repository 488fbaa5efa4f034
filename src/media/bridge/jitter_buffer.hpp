#pragma once
// JitterBuffer: puts the RTP packets of one stream back in sequence-number order (RFC 3550
// 5.1, 16-bit numbers that wrap) before a depacketizer, waiting a bounded time for a
// missing packet (a NACK retransmission may still bring it) before declaring it lost.
// Owned by the bridge of one received track; single-threaded; pure: the caller passes the
// time in milliseconds (any monotonic clock) and sets a timer from next_deadline_ms().
//
// Invariants: the packets held have sequence numbers in [release point, release point +
// kSlots); each slot of the fixed ring holds one, with its payload copied into storage
// allocated once at construction, so nothing allocates per packet. Packets are released
// in order as soon as they are contiguous; a gap is waited for up to max_wait_ms counted
// from when the first packet after it arrived, then reported as one loss and skipped.
// A packet older than the release point (a late or duplicate one) is dropped. A packet far
// outside the window is held aside; a second one right after it means the stream restarted
// (a new sender, a seq jump): the buffer empties, reports a loss and starts again there.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace onair::bridge {

// Config section `bridge`: `bridge.jitter_ms` is max_wait_ms.
struct JitterConfig {
  int max_wait_ms = 150;
};

// What poll() hands out: a packet, or a loss signal before the packets after a gap.
struct JitterOutput {
  enum class Kind : uint8_t { packet, loss };
  Kind kind = Kind::packet;
  uint16_t seq = 0;      // packet: its sequence number; loss: the first one missing
  uint32_t missing = 0;  // loss: how many packets; 0 when unknown (the stream restarted)
  uint32_t timestamp = 0;
  bool marker = false;
  std::span<const uint8_t> payload;  // valid during the callback only
  int64_t arrival_ms = 0;            // packet: when push() got it
};

struct JitterCounters {
  uint64_t pushed = 0;
  uint64_t released = 0;    // packets handed out
  uint64_t lost = 0;        // packets declared lost (the sum of JitterOutput::missing)
  uint64_t duplicates = 0;  // already held
  uint64_t late = 0;        // older than the release point: already released or lost
  uint64_t oversize = 0;    // payload larger than kMaxPayload
  uint64_t far = 0;         // outside the window, held aside as a possible restart
  uint64_t restarts = 0;
  uint64_t flushed = 0;  // held packets thrown away by a restart
};

class JitterBuffer {
 public:
  static constexpr size_t kSlots = 512;
  static constexpr size_t kMaxPayload = 1500;
  // A packet this close after a held-aside far packet confirms a restart.
  static constexpr uint16_t kRestartConfirmWindow = 8;

  enum class Push : uint8_t { queued, duplicate, late, oversize, far, restarted };

  explicit JitterBuffer(JitterConfig config = {});

  // Copies the packet in. `now_ms` is when it arrived.
  Push push(uint16_t seq, uint32_t timestamp, bool marker, std::span<const uint8_t> payload,
            int64_t now_ms);

  // Calls f(const JitterOutput&) for each packet that can go out at `now_ms`, in order, with
  // a loss signal before the packets after each gap whose wait is over. Returns the number
  // of calls. Call it after each push() and when the timer set from next_deadline_ms() fires.
  template <class F>
  size_t poll(int64_t now_ms, F&& f);

  // When poll() would next hand something out without a new packet: the end of the wait
  // for the current gap (or an earlier time when something is due already); nullopt when
  // nothing is held.
  std::optional<int64_t> next_deadline_ms() const;

  size_t held() const { return held_; }
  const JitterCounters& counters() const { return counters_; }

 private:
  struct Slot {
    bool used = false;
    bool marker = false;
    uint16_t seq = 0;
    uint16_t size = 0;
    uint32_t timestamp = 0;
    int64_t arrival_ms = 0;
  };

  bool next_output(int64_t now_ms, JitterOutput& out);
  size_t index(int64_t ext) const { return size_t(uint64_t(ext) % kSlots); }
  uint8_t* storage(size_t slot) { return storage_.data() + slot * kMaxPayload; }
  void store(size_t slot, uint16_t seq, uint32_t timestamp, bool marker,
             std::span<const uint8_t> payload, int64_t now_ms);
  Push far(uint16_t seq, uint32_t timestamp, bool marker, std::span<const uint8_t> payload,
           int64_t now_ms);
  int64_t gap_deadline() const;

  JitterConfig config_;
  JitterCounters counters_;
  std::vector<Slot> slots_;       // kSlots ring slots, then the held-aside slot
  std::vector<uint8_t> storage_;  // kMaxPayload bytes per slot
  static constexpr size_t kAside = kSlots;

  bool started_ = false;
  int64_t next_ = 0;  // extended sequence number of the release point
  size_t held_ = 0;
  bool restart_loss_ = false;  // a restart's loss signal waits for the next poll
  mutable bool deadline_valid_ = false;
  mutable int64_t deadline_ = 0;  // of the gap at next_, when next_ is missing
};

template <class F>
size_t JitterBuffer::poll(int64_t now_ms, F&& f) {
  size_t calls = 0;
  JitterOutput out;
  while (next_output(now_ms, out)) {
    f(static_cast<const JitterOutput&>(out));
    ++calls;
  }
  return calls;
}

}  // namespace onair::bridge
