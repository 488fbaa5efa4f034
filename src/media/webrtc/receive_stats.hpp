#pragma once
// RTP stream statistics for RTCP reports (RFC 3550 6.4, appendix A), pure: numbers in,
// report fields out; times are passed in.
//  - ReceiveStats: one per SSRC we receive (a publisher's stream). Extended highest seq
//    (A.1, without probation: the first packet is trusted), expected and lost packets
//    (A.3), interarrival jitter (A.8) and the last SR, giving one report block (6.4.1).
//  - SendStats: one per SSRC we send (a subscriber's stream). Packet and octet counts and
//    the NTP <-> RTP pair of an SR (6.4.1), and the round-trip time from the LSR/DLSR of
//    the report blocks the subscriber sends back (6.4.1, "the round-trip propagation
//    delay").
// Both are owned by the stream that feeds them, on its loop; no allocation.
//
// Clocks: `now_us` is the caller's clock in microseconds (the loop's steady clock is best);
// use the same one for every call on one object. Only NTP timestamps come from a wall clock
// (µs since the Unix epoch), passed separately as `wall_us`.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace onair::webrtc {

// NTP timestamp (RFC 5905 6, 32.32 fixed point seconds since 1900) of a Unix time.
uint64_t ntp_from_unix_us(int64_t unix_us);
// Microseconds since the Unix epoch of an NTP timestamp.
int64_t unix_us_from_ntp(uint64_t ntp);
// The middle 32 bits of an NTP timestamp (16.16 seconds): the LSR field and the unit of
// round-trip arithmetic (RFC 3550 6.4.1).
constexpr uint32_t ntp_compact(uint64_t ntp) { return uint32_t(ntp >> 16); }

// One report block (RFC 3550 6.4.1), in host order and field units.
struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;        // lost / expected since the previous report, × 256
  int32_t cumulative_lost = 0;      // clamped to 24 bits signed
  uint32_t extended_highest_seq = 0;  // cycles << 16 | highest seq
  uint32_t jitter = 0;              // RTP timestamp units
  uint32_t lsr = 0;                 // ntp_compact of the last SR, 0 if none
  uint32_t dlsr = 0;                // delay since that SR, 1/65536 s; 0 if none
  bool operator==(const ReportBlock&) const = default;
};

class ReceiveStats {
 public:
  static constexpr uint16_t kMaxDropout = 3000;  // RFC 3550 A.1
  static constexpr uint16_t kMaxMisorder = 100;

  explicit ReceiveStats(uint32_t ssrc) : ssrc_(ssrc) {}

  // A packet arrived. `arrival` is its arrival time in the stream's RTP clock units (any
  // origin, wrapping mod 2^32), for jitter (A.8). `retransmitted`: it came back through
  // RTX/NACK; it counts as received but its timestamp is old, so it is kept out of the
  // jitter. Returns false when the packet is not counted: a jump of more than kMaxDropout
  // ahead (or kMaxMisorder behind) is taken as a restart only when the next packet
  // follows it (A.1).
  bool on_packet(uint16_t seq, uint32_t rtp_timestamp, uint32_t arrival, bool retransmitted = false);

  // The publisher's SR arrived (RFC 3550 6.4.1): remembered for LSR/DLSR and for the
  // source's NTP <-> RTP mapping.
  void on_sender_report(uint64_t ntp, uint32_t rtp_timestamp, int64_t now_us);

  // The report block for an RR or SR sent now. Not const: it ends the interval that
  // `fraction_lost` covers (A.3).
  ReportBlock report_block(int64_t now_us);

  uint32_t ssrc() const { return ssrc_; }
  bool started() const { return started_; }
  uint32_t extended_highest_seq() const { return cycles_ + max_seq_; }
  uint64_t packets_received() const { return received_; }
  int64_t packets_expected() const;
  int64_t packets_lost() const;       // expected - received; negative with duplicates
  uint32_t jitter() const;
  // The last SR, when one arrived.
  bool has_sender_report() const { return sr_arrival_us_.has_value(); }
  uint64_t last_sr_ntp() const { return sr_ntp_; }
  uint32_t last_sr_rtp_timestamp() const { return sr_rtp_; }

 private:
  void init_seq(uint16_t seq);

  uint32_t ssrc_;
  bool started_ = false;
  uint16_t max_seq_ = 0;
  uint32_t cycles_ = 0;  // count of seq wraps, shifted left 16
  uint32_t base_seq_ = 0;
  uint32_t bad_seq_ = 0;  // RTP_SEQ_MOD + 1 means "none"
  uint64_t received_ = 0;
  int64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  bool have_transit_ = false;
  int32_t transit_ = 0;
  int64_t jitter_q4_ = 0;  // jitter × 16, the integer form of A.8
  uint64_t sr_ntp_ = 0;
  uint32_t sr_rtp_ = 0;
  std::optional<int64_t> sr_arrival_us_;
};

// The fields of an SR's sender info (RFC 3550 6.4.1).
struct SenderInfo {
  uint64_t ntp = 0;
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  bool operator==(const SenderInfo&) const = default;
};

class SendStats {
 public:
  static constexpr size_t kRememberedReports = 8;  // SRs sent, for matching LSR (~8 s at 1/s)

  SendStats(uint32_t ssrc, uint32_t clock_rate) : ssrc_(ssrc), clock_rate_(clock_rate) {}

  // A packet was sent: its RTP timestamp, payload size (no header, no padding: the SR's
  // octet count, RFC 3550 6.4.1), and when, on the caller's steady clock.
  void on_packet_sent(uint32_t rtp_timestamp, uint32_t payload_bytes, int64_t now_us);

  // The sender info of an SR sent now. `now_us` is on the clock given to on_packet_sent
  // (the RTP timestamp of the newest packet is extrapolated to it at the clock rate);
  // `wall_us` is the wall clock (µs since the Unix epoch) of the same instant, which makes
  // the NTP timestamp, so the pair maps one instant on both clocks. Put `ntp` in the SR as
  // is: it is remembered (with `now_us`) to match the LSR of the answers. Nullopt before
  // the first packet (RFC 3550 6.4: send an RR then).
  std::optional<SenderInfo> sender_info(int64_t now_us, int64_t wall_us);
  // The same for a caller whose one clock is the wall clock.
  std::optional<SenderInfo> sender_info(int64_t wall_us) { return sender_info(wall_us, wall_us); }

  // A report block about this stream arrived at `now_us` (the on_packet_sent clock).
  // Remembers its loss and jitter and returns the round-trip time in microseconds, RFC
  // 3550 6.4.1's A - LSR - DLSR, computed as the time since the SR whose NTP gave LSR was
  // sent, minus DLSR (the same quantity, immune to wall clock steps). Nullopt when LSR is 0
  // (no SR reached the peer yet) or names no SR among the last kRememberedReports; 0 when
  // rounding in the peer's DLSR makes it negative.
  std::optional<int64_t> on_report_block(const ReportBlock& block, int64_t now_us);

  uint32_t ssrc() const { return ssrc_; }
  uint32_t packets_sent() const { return packets_; }
  uint32_t octets_sent() const { return octets_; }
  // From the last report block received.
  uint8_t fraction_lost() const { return fraction_lost_; }
  int32_t cumulative_lost() const { return cumulative_lost_; }
  uint32_t jitter() const { return jitter_; }
  std::optional<int64_t> rtt_us() const { return rtt_us_; }

 private:
  struct SentReport {
    uint32_t compact_ntp = 0;  // 0: unused
    int64_t sent_us = 0;
  };

  uint32_t ssrc_;
  uint32_t clock_rate_;
  uint32_t packets_ = 0;  // both wrap mod 2^32, as the SR fields do
  uint32_t octets_ = 0;
  bool sent_ = false;
  uint32_t last_rtp_ = 0;
  int64_t last_sent_us_ = 0;
  std::array<SentReport, kRememberedReports> reports_{};
  size_t next_report_ = 0;
  uint8_t fraction_lost_ = 0;
  int32_t cumulative_lost_ = 0;
  uint32_t jitter_ = 0;
  std::optional<int64_t> rtt_us_;
};

}  // namespace onair::webrtc
