#pragma once
// RTCP (RFC 3550 6) as pure code over bytes: walking a compound packet (RFC 3550 6.1; single
// reduced-size packets of RFC 5506 too), parsing each kind an SFU meets into a small value
// with views into the caller's bytes, and builders that write into a caller's buffer.
//
// Kinds: SR and RR (RFC 3550 6.4), SDES CNAME (6.5), BYE (6.6), generic NACK (RFC 4585
// 6.2.1), PLI (RFC 4585 6.3.1), FIR (RFC 5104 4.3.1), REMB (draft-alvestrand-rmcat-remb-03
// 2.2). Transport-wide congestion control feedback (RTPFB FMT 15) lives in twcc.hpp.
//
// Builders return the bytes written, or 0 when the packet does not fit in `capacity` or the
// input cannot be encoded; a compound packet is built by appending:
//   size_t n = write_sender_report(buf, cap, ...);
//   size_t m = n ? write_sdes_cname(buf + n, cap - n, ...) : 0;
// Nothing here allocates, throws or logs.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

namespace onair::webrtc::rtcp {

constexpr size_t kHeaderSize = 4;

// Packet types (RFC 3550 12.1, RFC 4585 6.1, RFC 3611).
constexpr uint8_t kSenderReport = 200;
constexpr uint8_t kReceiverReport = 201;
constexpr uint8_t kSdes = 202;
constexpr uint8_t kBye = 203;
constexpr uint8_t kApp = 204;
constexpr uint8_t kRtpFeedback = 205;      // RTPFB
constexpr uint8_t kPayloadFeedback = 206;  // PSFB
constexpr uint8_t kExtendedReport = 207;

// FMT values of feedback messages.
constexpr uint8_t kFmtNack = 1;   // RTPFB, RFC 4585 6.2.1
constexpr uint8_t kFmtTwcc = 15;  // RTPFB, draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1
constexpr uint8_t kFmtPli = 1;    // PSFB, RFC 4585 6.3.1
constexpr uint8_t kFmtFir = 4;    // PSFB, RFC 5104 4.3.1
constexpr uint8_t kFmtAfb = 15;   // PSFB application layer feedback (REMB), RFC 4585 6.4

constexpr size_t kMaxReportBlocks = 31;  // RC is 5 bits
constexpr size_t kMaxByeSsrcs = 31;      // SC is 5 bits
constexpr uint8_t kSdesCname = 1;        // RFC 3550 6.5.1

// Why bytes are not an RTCP packet; names are metric labels.
enum class ParseError : uint8_t {
  too_short,    // fewer than 4 bytes left for a header
  bad_version,  // V != 2
  bad_length,   // the length field runs past the datagram
  bad_padding,  // P set and the pad count is 0 or more than the packet's body
};
std::string_view to_string(ParseError e);

// One packet of a compound packet.
struct Packet {
  uint8_t type = 0;                // PT
  uint8_t count = 0;               // the header's 5-bit RC, SC or FMT
  std::span<const uint8_t> body;   // after the 4-byte header, padding removed
  std::span<const uint8_t> bytes;  // the whole packet as on the wire
};

// Walks a compound packet: `while (reader.next(p)) switch (p.type) ...`. next() stops at the
// end or at the first packet whose header is malformed; error() then says why. RFC 3550 A.2
// says to drop a whole compound packet that fails validation: call validate_compound first
// when the packets before the bad one must not be acted on. Padding is accepted on any
// packet (RFC 3550 allows it only on the last) and stripped from `body`.
class CompoundReader {
 public:
  CompoundReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit CompoundReader(std::span<const uint8_t> bytes)
      : CompoundReader(bytes.data(), bytes.size()) {}
  bool next(Packet& out);
  std::optional<ParseError> error() const { return error_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::optional<ParseError> error_;
};

// The number of packets when every header is valid and they exactly fill the datagram.
// The first packet need not be SR/RR: reduced-size RTCP (RFC 5506 3.4.2) is accepted.
std::expected<size_t, ParseError> validate_compound(const uint8_t* data, size_t size);

namespace detail {
inline uint32_t load32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline uint16_t load16(const uint8_t* p) {
  return uint16_t((p[0] << 8) | p[1]);
}
}  // namespace detail

// A report block (RFC 3550 6.4.1).
struct ReportBlock {
  static constexpr size_t kWireSize = 24;
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;    // lost / expected since the last report, × 256
  int32_t cumulative_lost = 0;  // 24-bit signed on the wire; clamped when writing
  uint32_t extended_highest_seq = 0;
  uint32_t jitter = 0;               // RTP timestamp units
  uint32_t last_sr = 0;              // LSR: the middle 32 bits of the last SR's NTP time
  uint32_t delay_since_last_sr = 0;  // DLSR, 1/65536 s
  bool operator==(const ReportBlock&) const = default;
  static ReportBlock decode(const uint8_t* p) {
    int32_t lost = int32_t((uint32_t(p[5]) << 16) | (uint32_t(p[6]) << 8) | p[7]);
    if (lost & 0x800000) lost -= 0x1000000;
    return {detail::load32(p),
            p[4],
            lost,
            detail::load32(p + 8),
            detail::load32(p + 12),
            detail::load32(p + 16),
            detail::load32(p + 20)};
  }
};

// A NACK FCI entry (RFC 4585 6.2.1): PID lost, and bit i of BLP set when PID+i+1 was lost too.
struct NackItem {
  static constexpr size_t kWireSize = 4;
  uint16_t pid = 0;
  uint16_t blp = 0;
  bool operator==(const NackItem&) const = default;
  static NackItem decode(const uint8_t* p) { return {detail::load16(p), detail::load16(p + 2)}; }
};

// A FIR FCI entry (RFC 5104 4.3.1.1): the SSRC asked for a keyframe and the command sequence
// number, which the sender increments per new request (not per retransmission).
struct FirEntry {
  static constexpr size_t kWireSize = 8;
  uint32_t ssrc = 0;
  uint8_t seq_nr = 0;
  bool operator==(const FirEntry&) const = default;
  static FirEntry decode(const uint8_t* p) { return {detail::load32(p), p[4]}; }
};

struct Ssrc {
  static constexpr size_t kWireSize = 4;
  static uint32_t decode(const uint8_t* p) { return detail::load32(p); }
};

// A view of N fixed-size entries in a packet, decoded on access.
template <class Wire, class T = decltype(Wire::decode(nullptr))>
class WireList {
 public:
  WireList() = default;
  WireList(const uint8_t* data, size_t count) : data_(data), count_(count) {}
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  T operator[](size_t i) const { return Wire::decode(data_ + i * Wire::kWireSize); }

  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const uint8_t* p) : p_(p) {}
    T operator*() const { return Wire::decode(p_); }
    iterator& operator++() {
      p_ += Wire::kWireSize;
      return *this;
    }
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    bool operator==(const iterator&) const = default;

   private:
    const uint8_t* p_ = nullptr;
  };
  iterator begin() const { return {data_}; }
  iterator end() const { return {data_ + count_ * Wire::kWireSize}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t count_ = 0;
};

using ReportBlocks = WireList<ReportBlock>;
using SsrcList = WireList<Ssrc>;

// NTP time (RFC 3550 4): seconds since 1900 in the high 32 bits, fraction in the low 32.
uint64_t ntp_from_unix_us(int64_t unix_us);
int64_t unix_us_from_ntp(uint64_t ntp);
// The middle 32 bits (16.16 seconds), as in LSR and DLSR (RFC 3550 6.4.1).
inline uint32_t ntp_compact(uint64_t ntp) {
  return uint32_t(ntp >> 16);
}
uint32_t compact_from_us(int64_t us);  // a duration in 1/65536 s, saturating
int64_t us_from_compact(uint32_t compact);

// SR (RFC 3550 6.4.1). Parsers of SR and RR ignore profile-specific extensions after the
// report blocks.
struct SenderInfo {
  uint64_t ntp = 0;
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  bool operator==(const SenderInfo&) const = default;
};
struct SenderReport {
  uint32_t sender_ssrc = 0;
  SenderInfo info;
  ReportBlocks blocks;
};
std::optional<SenderReport> parse_sender_report(const Packet& p);
// At most kMaxReportBlocks blocks (send the rest in RRs).
size_t write_sender_report(uint8_t* out, size_t capacity, uint32_t sender_ssrc,
                           const SenderInfo& info, std::span<const ReportBlock> blocks = {});

// RR (RFC 3550 6.4.2).
struct ReceiverReport {
  uint32_t sender_ssrc = 0;
  ReportBlocks blocks;
};
std::optional<ReceiverReport> parse_receiver_report(const Packet& p);
size_t write_receiver_report(uint8_t* out, size_t capacity, uint32_t sender_ssrc,
                             std::span<const ReportBlock> blocks = {});

// SDES (RFC 3550 6.5): one chunk with a CNAME item when writing; any chunks and items when
// reading.
size_t write_sdes_cname(uint8_t* out, size_t capacity, uint32_t ssrc, std::string_view cname);
struct SdesItem {
  uint32_t ssrc = 0;
  uint8_t type = 0;  // kSdesCname, ...
  std::string_view value;
};
class SdesReader {
 public:
  explicit SdesReader(const Packet& p);  // p.type must be kSdes
  // The next item; false at the end or on malformed bytes (then error() is true).
  bool next(SdesItem& out);
  bool error() const { return error_; }

 private:
  std::span<const uint8_t> body_;
  size_t pos_ = 0;
  size_t chunks_left_ = 0;
  uint32_t ssrc_ = 0;
  bool in_chunk_ = false;
  bool error_ = false;
};

// BYE (RFC 3550 6.6).
struct Bye {
  SsrcList ssrcs;
  std::string_view reason;  // empty when absent
};
std::optional<Bye> parse_bye(const Packet& p);
// At most kMaxByeSsrcs SSRCs; a reason of at most 255 bytes.
size_t write_bye(uint8_t* out, size_t capacity, std::span<const uint32_t> ssrcs,
                 std::string_view reason = {});

// The two SSRCs every feedback message (PT 205/206) starts with (RFC 4585 6.1).
struct FeedbackSsrcs {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
};
std::optional<FeedbackSsrcs> parse_feedback_ssrcs(const Packet& p);

// Generic NACK (RFC 4585 6.2.1).
struct Nack {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  WireList<NackItem> items;

  // Calls f(uint16_t seq) for every lost sequence number, PID first, then BLP bits in order.
  template <class F>
  void for_each_lost(F&& f) const {
    for (NackItem it : items) {
      f(it.pid);
      for (int i = 0; i < 16; ++i)
        if (it.blp & (1u << i)) f(uint16_t(it.pid + i + 1));
    }
  }
  // Fills `out` with lost sequence numbers; returns how many (at most out.size()).
  size_t lost(std::span<uint16_t> out) const;
};
std::optional<Nack> parse_nack(const Packet& p);
// Packs `lost` into PID+BLP items: an item starts at a sequence number and takes every later
// one within the next 16 (mod 2^16). Sorted input (in wrap-around order) gives the fewest
// items; any order is still correct. Duplicates are dropped within an item.
size_t write_nack(uint8_t* out, size_t capacity, uint32_t sender_ssrc, uint32_t media_ssrc,
                  std::span<const uint16_t> lost);
// How many items write_nack would write.
size_t nack_item_count(std::span<const uint16_t> lost);

// PLI (RFC 4585 6.3.1): no FCI.
std::optional<FeedbackSsrcs> parse_pli(const Packet& p);
size_t write_pli(uint8_t* out, size_t capacity, uint32_t sender_ssrc, uint32_t media_ssrc);

// FIR (RFC 5104 4.3.1): the header's media SSRC is 0; the targets are in the entries.
struct Fir {
  uint32_t sender_ssrc = 0;
  WireList<FirEntry> entries;
};
std::optional<Fir> parse_fir(const Packet& p);
size_t write_fir(uint8_t* out, size_t capacity, uint32_t sender_ssrc,
                 std::span<const FirEntry> entries);

// REMB (draft-alvestrand-rmcat-remb-03 2.2): "REMB", SSRC count, a bitrate as an 18-bit
// mantissa shifted left by a 6-bit exponent, and the SSRCs it applies to.
struct Remb {
  uint32_t sender_ssrc = 0;
  uint64_t bitrate_bps = 0;  // saturates at UINT64_MAX for exponents that overflow
  SsrcList ssrcs;
};
std::optional<Remb> parse_remb(const Packet& p);
// The bitrate is rounded down to what mantissa << exponent can say; at most 255 SSRCs.
size_t write_remb(uint8_t* out, size_t capacity, uint32_t sender_ssrc, uint64_t bitrate_bps,
                  std::span<const uint32_t> ssrcs);

// Writes the 4-byte common header (V=2, no padding) for a packet of `total_size` bytes, a
// multiple of 4. For builders outside this file (twcc.cpp).
void write_header(uint8_t* out, uint8_t count, uint8_t type, size_t total_size);

}  // namespace onair::webrtc::rtcp
