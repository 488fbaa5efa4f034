#pragma once
// Transport-wide congestion control feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1; RTPFB, FMT 15): the receive side
// records when each transport-wide sequence number arrived and reports it back, so the
// sender (Chrome, Firefox, or our load client) runs its own bandwidth estimator.
//
//   TwccRecorder: one per transport that receives media, owned by that transport's loop;
//     on_packet() per packet (no allocation: a fixed ring sized at construction), and
//     build_feedback() every 50-100 ms.
//   FeedbackReader: turns a feedback packet back into (seq, received?, arrival time).
//
// Pure code: times come in as arguments; nothing here reads a clock, logs or throws.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "media/webrtc/rtcp.hpp"

namespace onair::webrtc::twcc {

constexpr int64_t kDeltaTickUs = 250;         // receive deltas (3.1.5)
constexpr int64_t kReferenceTickUs = 64'000;  // reference time (3.1)
constexpr size_t kFixedSize = 20;  // RTCP header, 2 SSRCs, base seq, count, reference, fb count
constexpr size_t kMinFeedbackSize = 24;   // one chunk and one delta, padded
constexpr size_t kMaxRunLength = 0x1FFF;  // 13 bits (3.1.3)

// Packet status symbols (3.1.1). 3 is reserved: a feedback using it is refused.
enum class Symbol : uint8_t { not_received = 0, small_delta = 1, large_delta = 2 };

struct FeedbackHeader {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  uint16_t base_seq = 0;
  uint16_t status_count = 0;
  int32_t reference_time = 0;  // 24-bit signed on the wire, in 64 ms units
  uint8_t feedback_count = 0;
  int64_t reference_time_us() const { return int64_t(reference_time) * kReferenceTickUs; }
};

struct PacketStatus {
  uint16_t seq = 0;
  bool received = false;
  int32_t delta_ticks = 0;  // the receive delta in 250 us units (0 when not received)
  // When received: reference time + the deltas so far, in the feedback sender's clock
  // (modulo 2^24 × 64 ms; compare arrivals of different feedbacks by difference only).
  int64_t arrival_us = 0;
};

// Reads a feedback packet: parse() checks the whole packet (chunks cover the status count,
// no reserved symbol, every delta present) so next() cannot fail. Allocation-free.
class FeedbackReader {
 public:
  static std::optional<FeedbackReader> parse(const rtcp::Packet& p);
  const FeedbackHeader& header() const { return header_; }
  // The status of the next packet in sequence order; false after status_count packets.
  bool next(PacketStatus& out);

 private:
  FeedbackReader() = default;
  bool load_chunk();

  FeedbackHeader header_;
  const uint8_t* body_ = nullptr;
  size_t chunk_pos_ = 0;  // next chunk to load
  size_t delta_pos_ = 0;  // next receive delta
  uint16_t chunk_ = 0;
  size_t chunk_symbols_ = 0;  // symbols the current chunk still describes
  size_t chunk_index_ = 0;
  size_t left_ = 0;  // statuses not yet returned
  uint16_t seq_ = 0;
  int64_t ticks_ = 0;  // reference time + deltas, in 250 us
};

// Records arrivals of transport-wide sequence numbers and builds feedback for them.
//
// Owned by one thread (the transport's loop); not thread-safe. Memory is one ring of
// `capacity` slots (16 bytes each: 64 KiB by default) allocated by the constructor, so
// create one only for transports that receive media; on_packet and build_feedback never
// allocate.
//
// Window: the ring holds the newest `capacity` sequence numbers up to the highest seen
// (16-bit sequence numbers are unwrapped against it). Feedback reports, in sequence order,
// the packets from the first not yet reported to the highest, as "received" with a delta
// or "not received".
//  - Missing packets are reported as not received; if one arrives later, it is reported
//    then (below).
//  - A late packet (reordering) whose number was already covered by a feedback moves the
//    next feedback's base back to it. Packets that feedback had reported as received are
//    reported again as "not received" without a delta, as 3.1.1 requires.
//  - Packets older than the window, and duplicates, are dropped (on_packet returns false).
//  - A jump forward of more than the ring restarts the window at the new packet: the
//    skipped numbers are never reported (the sender times them out as lost).
//  - Unreported packets that fall out of the ring because build_feedback was not called
//    for `capacity` packets are never reported either. At 2000 packets/s and a feedback
//    every 100 ms, the default ring has 20× headroom.
// Splitting: one call builds one packet of at most `capacity` bytes. It ends early when
// the next status would not fit, or when the next receive delta does not fit 16 bits
// (±8.19 s); the next call continues there with a new reference time. Call until it
// returns 0 to flush everything (a gap of many missing packets costs one run-length chunk
// per 8191).
class TwccRecorder {
 public:
  static constexpr size_t kDefaultCapacity = 4096;
  // capacity: a power of two in [16, 32768].
  explicit TwccRecorder(size_t capacity = kDefaultCapacity);

  // Records that `transport_seq` arrived at `arrival_us` (any monotonic microsecond clock).
  // false when dropped: a duplicate, or older than the window.
  bool on_packet(uint16_t transport_seq, int64_t arrival_us);

  // Whether some received packet is not yet reported (scans the unreported range; for
  // timers, not per packet).
  bool has_unreported() const;

  // Writes one feedback packet into out[0, capacity) and returns its size; 0 when there is
  // nothing to report or capacity < kMinFeedbackSize. The feedback packet count increments
  // per packet built.
  size_t build_feedback(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t* out, size_t capacity);

  uint8_t feedback_count() const { return feedback_count_; }
  size_t capacity() const { return mask_ + 1; }

 private:
  enum class State : uint8_t { empty, received, reported };
  struct Slot {
    int64_t arrival_us = 0;
    State state = State::empty;
  };
  Slot& slot(int64_t seq) { return ring_[uint64_t(seq) & mask_]; }
  const Slot& slot(int64_t seq) const { return ring_[uint64_t(seq) & mask_]; }

  std::unique_ptr<Slot[]> ring_;
  size_t mask_;
  bool started_ = false;
  int64_t highest_ = 0;    // unwrapped, the highest sequence number received
  int64_t next_base_ = 0;  // unwrapped, the first not yet covered by a feedback
  uint8_t feedback_count_ = 0;
};

}  // namespace onair::webrtc::twcc
