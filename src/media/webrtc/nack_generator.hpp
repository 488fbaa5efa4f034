#pragma once
// NackGenerator: decides which packets to NACK (RFC 4585 6.2.1) to a publisher. One per
// received video SSRC (audio is not NACKed in WebRTC), owned by the producer stream, on its
// loop. Pure: sequence numbers and times in, lists of sequence numbers out.
//
// Fed every incoming sequence number, it records the numbers a forward jump skipped as
// missing, forgets them when they arrive late (reordered or retransmitted), and due() lists
// those to ask for now. Each is asked for at most `max_retries` times, at least
// max(rtt, min_retry_interval_ms) apart, and given up after `max_age_ms` or once it is more
// than `max_seq_age` numbers behind the newest.
//
// Bounded: at most `max_missing` entries, stored in a vector sized once at construction,
// so nothing allocates per packet. A single gap larger than that clears the list and asks
// for a keyframe instead (the missing packets are better replaced than recovered); when
// the list would overflow, the oldest entries are given up and a keyframe is asked too.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace onair::webrtc {

struct NackConfig {
  size_t max_missing = 512;
  int max_retries = 10;
  int64_t min_retry_interval_ms = 20;
  int64_t max_age_ms = 1000;
  int64_t max_seq_age = 10000;
};

class NackGenerator {
 public:
  struct PacketResult {
    bool recovered = false;        // a missing packet arrived (late or retransmitted)
    bool keyframe_needed = false;  // packets were given up: send PLI/FIR to the publisher
  };

  explicit NackGenerator(NackConfig config = {});

  // A packet with `seq` arrived at `now_ms`.
  PacketResult on_packet(uint16_t seq, int64_t now_ms);

  // Writes into `out` the sequence numbers to NACK now, ascending (in extended order, so
  // the rtcp codec can pack PID+BLP pairs from them), and returns how many. Entries that do
  // not fit stay due for the next call. First drops expired entries (too old, too far
  // behind, or asked max_retries times).
  size_t due(int64_t now_ms, int64_t rtt_ms, std::span<uint16_t> out);

  size_t missing_count() const { return missing_.size(); }
  // Forgets everything (e.g. the publisher restarted its stream).
  void reset();

 private:
  static constexpr int64_t kNever = INT64_MIN;
  struct Missing {
    int64_t ext_seq;
    int64_t detected_ms;
    int64_t sent_ms;
    int retries;
  };

  NackConfig config_;
  std::vector<Missing> missing_;  // ascending ext_seq; capacity config_.max_missing
  bool started_ = false;
  int64_t highest_ = 0;  // extended seq of the newest packet
};

}  // namespace onair::webrtc
