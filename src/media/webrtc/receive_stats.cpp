#include "media/webrtc/receive_stats.hpp"

#include <algorithm>
#include <limits>

namespace onair::webrtc {
namespace {

constexpr int64_t kNtpUnixOffsetS = 2'208'988'800;  // 1900-01-01 to 1970-01-01 (RFC 5905 6)
constexpr int64_t kUsPerS = 1'000'000;
constexpr uint32_t kSeqMod = 1u << 16;  // RTP_SEQ_MOD (RFC 3550 A.1)
constexpr int32_t kMaxLost24 = 0x7FFFFF;
constexpr int32_t kMinLost24 = -0x800000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// Microseconds to ticks of `clock_rate`, without overflow for long intervals.
int64_t us_to_ticks(int64_t us, uint32_t clock_rate) {
  return us / kUsPerS * clock_rate + us % kUsPerS * clock_rate / kUsPerS;
}

}  // namespace

uint64_t ntp_from_unix_us(int64_t unix_us) {
  int64_t s = floor_div(unix_us, kUsPerS);
  int64_t us = unix_us - s * kUsPerS;
  uint64_t seconds = uint64_t(s + kNtpUnixOffsetS) & 0xFFFFFFFFu;  // wraps in 2036 (era 1)
  uint64_t fraction = (uint64_t(us) << 32) / kUsPerS;
  return seconds << 32 | fraction;
}

int64_t unix_us_from_ntp(uint64_t ntp) {
  int64_t seconds = int64_t(ntp >> 32);
  if (seconds < 0x80000000LL) seconds += int64_t(1) << 32;  // MSB clear: era 1, after 2036 (RFC 4330 3)
  int64_t us = int64_t(((ntp & 0xFFFFFFFFu) * kUsPerS + (uint64_t(1) << 31)) >> 32);
  return (seconds - kNtpUnixOffsetS) * kUsPerS + us;
}

// --- ReceiveStats ---------------------------------------------------------------------------

void ReceiveStats::init_seq(uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
  have_transit_ = false;  // a restart brings a new timestamp base
}

bool ReceiveStats::on_packet(uint16_t seq, uint32_t rtp_timestamp, uint32_t arrival, bool retransmitted) {
  if (!started_) {
    // No probation (A.1's MIN_SEQUENTIAL): SRTP already authenticated the packet.
    started_ = true;
    init_seq(seq);
  } else {
    uint16_t udelta = uint16_t(seq - max_seq_);
    if (udelta < kMaxDropout) {
      if (seq < max_seq_) cycles_ += kSeqMod;  // in order, with permissible gap; wrapped
      max_seq_ = seq;
    } else if (udelta <= kSeqMod - kMaxMisorder) {
      // A very large jump. Two sequential packets mean the sender restarted its numbering.
      if (seq == bad_seq_) {
        init_seq(seq);
      } else {
        bad_seq_ = (seq + 1u) & (kSeqMod - 1);
        return false;
      }
    }
    // else: a duplicate or a reordered packet, counted as received.
  }
  ++received_;

  // A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16, kept × 16 in integers.
  if (!retransmitted) {
    int32_t transit = int32_t(arrival - rtp_timestamp);
    if (have_transit_) {
      int64_t d = int32_t(uint32_t(transit) - uint32_t(transit_));
      if (d < 0) d = -d;
      jitter_q4_ += d - ((jitter_q4_ + 8) >> 4);
    }
    transit_ = transit;
    have_transit_ = true;
  }
  return true;
}

uint32_t ReceiveStats::jitter() const {
  return uint32_t(std::min<int64_t>(jitter_q4_ >> 4, std::numeric_limits<uint32_t>::max()));
}

int64_t ReceiveStats::packets_expected() const {
  if (!started_) return 0;
  return int64_t(cycles_) + max_seq_ - int64_t(base_seq_) + 1;  // A.3
}

int64_t ReceiveStats::packets_lost() const { return packets_expected() - int64_t(received_); }

void ReceiveStats::on_sender_report(uint64_t ntp, uint32_t rtp_timestamp, int64_t now_us) {
  sr_ntp_ = ntp;
  sr_rtp_ = rtp_timestamp;
  sr_arrival_us_ = now_us;
}

ReportBlock ReceiveStats::report_block(int64_t now_us) {
  ReportBlock b;
  b.ssrc = ssrc_;
  // A.3: loss over the whole session and over the interval since the last report.
  int64_t expected = packets_expected();
  int64_t expected_interval = expected - expected_prior_;
  expected_prior_ = expected;
  int64_t received_interval = int64_t(received_ - received_prior_);
  received_prior_ = received_;
  int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval > 0 && lost_interval > 0)
    b.fraction_lost = uint8_t(std::min<int64_t>((lost_interval << 8) / expected_interval, 255));
  b.cumulative_lost = int32_t(std::clamp<int64_t>(packets_lost(), kMinLost24, kMaxLost24));
  b.extended_highest_seq = extended_highest_seq();
  b.jitter = jitter();
  if (sr_arrival_us_) {
    // 6.4.1: LSR = middle 32 bits of the SR's NTP; DLSR in units of 1/65536 s.
    b.lsr = ntp_compact(sr_ntp_);
    int64_t delay_us = std::max<int64_t>(now_us - *sr_arrival_us_, 0);
    b.dlsr = uint32_t(std::min<int64_t>(delay_us * 65536 / kUsPerS, std::numeric_limits<uint32_t>::max()));
  }
  return b;
}

// --- SendStats ------------------------------------------------------------------------------

void SendStats::on_packet_sent(uint32_t rtp_timestamp, uint32_t payload_bytes, int64_t now_us) {
  ++packets_;
  octets_ += payload_bytes;
  // A retransmission carries an old timestamp: only a newer one moves the extrapolation base.
  if (!sent_ || int32_t(rtp_timestamp - last_rtp_) >= 0) {
    last_rtp_ = rtp_timestamp;
    last_sent_us_ = now_us;
  }
  sent_ = true;
}

std::optional<SenderInfo> SendStats::sender_info(int64_t now_us, int64_t wall_us) {
  if (!sent_) return std::nullopt;
  SenderInfo info;
  info.ntp = ntp_from_unix_us(wall_us);
  info.rtp_timestamp = last_rtp_ + uint32_t(us_to_ticks(now_us - last_sent_us_, clock_rate_));
  info.packet_count = packets_;
  info.octet_count = octets_;
  reports_[next_report_] = SentReport{ntp_compact(info.ntp), now_us};
  next_report_ = (next_report_ + 1) % kRememberedReports;
  return info;
}

std::optional<int64_t> SendStats::on_report_block(const ReportBlock& block, int64_t now_us) {
  fraction_lost_ = block.fraction_lost;
  cumulative_lost_ = block.cumulative_lost;
  jitter_ = block.jitter;
  if (block.lsr == 0) return std::nullopt;
  // 6.4.1: RTT = A - LSR - DLSR. A - LSR is the time since that SR left, on our clock.
  for (const SentReport& r : reports_) {
    if (r.compact_ntp != block.lsr) continue;
    int64_t dlsr_us = int64_t((uint64_t(block.dlsr) * kUsPerS + 32768) >> 16);
    rtt_us_ = std::max<int64_t>(now_us - r.sent_us - dlsr_us, 0);
    return rtt_us_;
  }
  return std::nullopt;
}

}  // namespace onair::webrtc
