#pragma once
// SampleTimeline: where each packet of a transcoded audio stream belongs relative to the
// samples the bridge has produced so far. A transcoder counts samples, not timestamps, so
// its output never drifts; the timeline compares each packet's timestamp with that count
// and says what to do: carry on, fill a gap (lost packets, DTX, dropped frames) before
// the packet, drop a packet that comes too late, or start over (the sender's clock
// jumped). Pure arithmetic on int64 sample counts: no codec, no clock, no allocation.
// Owned by one transcoder; single-threaded.
#include <cstdint>

namespace onair::bridge {

class SampleTimeline {
 public:
  // All in samples of the timeline's clock.
  struct Limits {
    int64_t tolerance = 0;    // |timestamp - expected| <= this: in place (jitter, rounding)
    int64_t max_gap = 48000;  // ahead by more than tolerance, at most this: a gap to fill
    int64_t max_late = 9600;  // behind by more than tolerance, at most this: late
  };                          // further either way: reset

  enum class Kind {
    start,       // the first packet: the timeline begins at its timestamp
    contiguous,  // where expected (within tolerance): the count goes on, the timestamp's
                 // small offset is ignored
    gap,         // `gap` samples are missing before the packet: fill them, then the packet
    late,        // behind the samples already produced: the caller drops it or, when its
                 // clock is known to wander, takes it as contiguous
    reset,       // too far from expected: end what was produced, begin again here
  };
  struct Placement {
    Kind kind = Kind::start;
    int64_t gap = 0;  // samples to fill, for Kind::gap
  };

  explicit SampleTimeline(Limits limits) : limits_(limits) {}

  // Places a packet stamped `timestamp`. start and reset move the expected position to
  // the timestamp; nothing else changes it, so advance() for what is produced (the
  // gap's fill included).
  Placement place(int64_t timestamp);
  // `samples` more were produced.
  void advance(int64_t samples) { next_ += samples; }
  // Forgets the position: the next packet starts the timeline again.
  void restart() { started_ = false; }

  bool started() const { return started_; }
  // Where the next packet is expected.
  int64_t next() const { return next_; }
  const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  bool started_ = false;
  int64_t next_ = 0;
};

// Extends a 32-bit RTP timestamp (RFC 3550 5.1: wraps, random start) to the int64 value
// nearest `reference` (an earlier extended timestamp), so timestamps keep counting
// across the wrap, which at 48 kHz comes every 24.9 hours.
inline int64_t unwrap_rtp_timestamp(uint32_t timestamp, int64_t reference) {
  return reference + int32_t(timestamp - uint32_t(reference));
}

}  // namespace onair::bridge
