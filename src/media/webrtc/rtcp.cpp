#include "media/webrtc/rtcp.hpp"

#include <cstring>

namespace onair::webrtc::rtcp {
namespace {

using detail::load16;
using detail::load32;

void store16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

size_t padded4(size_t n) {
  return (n + 3) & ~size_t(3);
}

// The most a packet can be: the 16-bit length counts 32-bit words minus one.
constexpr size_t kMaxPacketSize = 4 * (size_t(0xFFFF) + 1);

void write_block(uint8_t* p, const ReportBlock& b) {
  store32(p, b.ssrc);
  p[4] = b.fraction_lost;
  int32_t lost = b.cumulative_lost;
  if (lost > 0x7FFFFF) lost = 0x7FFFFF;
  if (lost < -0x800000) lost = -0x800000;
  uint32_t l24 = uint32_t(lost) & 0xFFFFFF;
  p[5] = uint8_t(l24 >> 16);
  p[6] = uint8_t(l24 >> 8);
  p[7] = uint8_t(l24);
  store32(p + 8, b.extended_highest_seq);
  store32(p + 12, b.jitter);
  store32(p + 16, b.last_sr);
  store32(p + 20, b.delay_since_last_sr);
}

// Checks the body holds `fixed` bytes then `count` entries of `stride`.
bool holds(const Packet& p, size_t fixed, size_t count, size_t stride) {
  return p.body.size() >= fixed && (p.body.size() - fixed) / stride >= count;
}

constexpr int64_t kNtpUnixOffsetS = 2'208'988'800;  // 1900-01-01 to 1970-01-01

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::too_short:
      return "too_short";
    case ParseError::bad_version:
      return "bad_version";
    case ParseError::bad_length:
      return "bad_length";
    case ParseError::bad_padding:
      return "bad_padding";
  }
  return "unknown";
}

void write_header(uint8_t* out, uint8_t count, uint8_t type, size_t total_size) {
  out[0] = uint8_t(0x80 | (count & 0x1F));
  out[1] = type;
  store16(out + 2, uint16_t(total_size / 4 - 1));
}

bool CompoundReader::next(Packet& out) {
  if (error_ || pos_ == size_) return false;
  const size_t left = size_ - pos_;
  const uint8_t* h = data_ + pos_;
  if (left < kHeaderSize) {
    error_ = ParseError::too_short;
    return false;
  }
  if ((h[0] >> 6) != 2) {
    error_ = ParseError::bad_version;
    return false;
  }
  // RFC 3550 6.4.1: length in 32-bit words minus one, header and padding included.
  const size_t len = (size_t(load16(h + 2)) + 1) * 4;
  if (len > left) {
    error_ = ParseError::bad_length;
    return false;
  }
  size_t pad = 0;
  if (h[0] & 0x20) {  // the last octet counts the padding, itself included (RFC 3550 6.4.1)
    pad = h[len - 1];
    if (pad == 0 || pad > len - kHeaderSize) {
      error_ = ParseError::bad_padding;
      return false;
    }
  }
  out.type = h[1];
  out.count = h[0] & 0x1F;
  out.body = {h + kHeaderSize, len - kHeaderSize - pad};
  out.bytes = {h, len};
  pos_ += len;
  return true;
}

std::expected<size_t, ParseError> validate_compound(const uint8_t* data, size_t size) {
  CompoundReader r(data, size);
  Packet p;
  size_t n = 0;
  while (r.next(p)) ++n;
  if (r.error()) return std::unexpected(*r.error());
  if (n == 0) return std::unexpected(ParseError::too_short);
  return n;
}

uint64_t ntp_from_unix_us(int64_t unix_us) {
  int64_t s = floor_div(unix_us, 1'000'000);
  int64_t us = unix_us - s * 1'000'000;
  uint64_t frac = (uint64_t(us) << 32) / 1'000'000;
  return (uint64_t(s + kNtpUnixOffsetS) << 32) | frac;
}

int64_t unix_us_from_ntp(uint64_t ntp) {
  int64_t s = int64_t(ntp >> 32) - kNtpUnixOffsetS;
  int64_t us = int64_t(((ntp & 0xFFFFFFFFu) * 1'000'000 + (uint64_t(1) << 31)) >> 32);
  return s * 1'000'000 + us;
}

uint32_t compact_from_us(int64_t us) {
  if (us <= 0) return 0;
  if (us >= (int64_t(1) << 40)) return 0xFFFFFFFFu;  // far beyond the 65536 s it can say
  const uint64_t v = (uint64_t(us) * 65536 + 500'000) / 1'000'000;
  return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : uint32_t(v);
}

int64_t us_from_compact(uint32_t c) {
  return int64_t((uint64_t(c) * 1'000'000 + 32768) >> 16);
}

// --- SR / RR (RFC 3550 6.4) ---

std::optional<SenderReport> parse_sender_report(const Packet& p) {
  if (p.type != kSenderReport || !holds(p, 24, p.count, ReportBlock::kWireSize))
    return std::nullopt;
  const uint8_t* b = p.body.data();
  SenderReport sr;
  sr.sender_ssrc = load32(b);
  sr.info.ntp = (uint64_t(load32(b + 4)) << 32) | load32(b + 8);
  sr.info.rtp_timestamp = load32(b + 12);
  sr.info.packet_count = load32(b + 16);
  sr.info.octet_count = load32(b + 20);
  sr.blocks = {b + 24, p.count};
  return sr;
}

size_t write_sender_report(uint8_t* out, size_t capacity, uint32_t sender_ssrc,
                           const SenderInfo& info, std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxReportBlocks) return 0;
  const size_t total = kHeaderSize + 24 + blocks.size() * ReportBlock::kWireSize;
  if (total > capacity) return 0;
  write_header(out, uint8_t(blocks.size()), kSenderReport, total);
  store32(out + 4, sender_ssrc);
  store32(out + 8, uint32_t(info.ntp >> 32));
  store32(out + 12, uint32_t(info.ntp));
  store32(out + 16, info.rtp_timestamp);
  store32(out + 20, info.packet_count);
  store32(out + 24, info.octet_count);
  uint8_t* q = out + 28;
  for (const ReportBlock& b : blocks) {
    write_block(q, b);
    q += ReportBlock::kWireSize;
  }
  return total;
}

std::optional<ReceiverReport> parse_receiver_report(const Packet& p) {
  if (p.type != kReceiverReport || !holds(p, 4, p.count, ReportBlock::kWireSize))
    return std::nullopt;
  return ReceiverReport{load32(p.body.data()), {p.body.data() + 4, p.count}};
}

size_t write_receiver_report(uint8_t* out, size_t capacity, uint32_t sender_ssrc,
                             std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxReportBlocks) return 0;
  const size_t total = kHeaderSize + 4 + blocks.size() * ReportBlock::kWireSize;
  if (total > capacity) return 0;
  write_header(out, uint8_t(blocks.size()), kReceiverReport, total);
  store32(out + 4, sender_ssrc);
  uint8_t* q = out + 8;
  for (const ReportBlock& b : blocks) {
    write_block(q, b);
    q += ReportBlock::kWireSize;
  }
  return total;
}

// --- SDES (RFC 3550 6.5) ---

size_t write_sdes_cname(uint8_t* out, size_t capacity, uint32_t ssrc, std::string_view cname) {
  if (cname.size() > 255) return 0;
  // SSRC, CNAME item (type, length, text), then a null item ending the chunk, padded to 32 bits.
  const size_t chunk = padded4(4 + 2 + cname.size() + 1);
  const size_t total = kHeaderSize + chunk;
  if (total > capacity) return 0;
  write_header(out, 1, kSdes, total);
  store32(out + 4, ssrc);
  out[8] = kSdesCname;
  out[9] = uint8_t(cname.size());
  if (!cname.empty()) std::memcpy(out + 10, cname.data(), cname.size());
  std::memset(out + 10 + cname.size(), 0, total - 10 - cname.size());
  return total;
}

SdesReader::SdesReader(const Packet& p) : body_(p.body), chunks_left_(p.count) {
  error_ = p.type != kSdes;
}

bool SdesReader::next(SdesItem& out) {
  while (!error_) {
    if (!in_chunk_) {
      if (chunks_left_ == 0) return false;
      if (body_.size() - pos_ < 4) break;
      ssrc_ = load32(body_.data() + pos_);
      pos_ += 4;
      in_chunk_ = true;
      --chunks_left_;
    }
    if (pos_ >= body_.size()) break;
    const uint8_t type = body_[pos_];
    if (type == 0) {  // end of the chunk's items: skip to the next 32-bit boundary
      in_chunk_ = false;
      pos_ = padded4(pos_ + 1);
      if (pos_ > body_.size()) pos_ = body_.size();
      continue;
    }
    if (body_.size() - pos_ < 2) break;
    const size_t len = body_[pos_ + 1];
    if (body_.size() - pos_ - 2 < len) break;
    out.ssrc = ssrc_;
    out.type = type;
    out.value = {reinterpret_cast<const char*>(body_.data() + pos_ + 2), len};
    pos_ += 2 + len;
    return true;
  }
  error_ = true;
  return false;
}

// --- BYE (RFC 3550 6.6) ---

std::optional<Bye> parse_bye(const Packet& p) {
  if (p.type != kBye || !holds(p, 0, p.count, 4)) return std::nullopt;
  Bye bye;
  bye.ssrcs = {p.body.data(), p.count};
  const size_t at = 4 * size_t(p.count);
  if (p.body.size() > at) {
    const size_t len = p.body[at];
    if (p.body.size() - at - 1 < len) return std::nullopt;
    bye.reason = {reinterpret_cast<const char*>(p.body.data() + at + 1), len};
  }
  return bye;
}

size_t write_bye(uint8_t* out, size_t capacity, std::span<const uint32_t> ssrcs,
                 std::string_view reason) {
  if (ssrcs.size() > kMaxByeSsrcs || reason.size() > 255) return 0;
  const size_t total =
      kHeaderSize + 4 * ssrcs.size() + (reason.empty() ? 0 : padded4(1 + reason.size()));
  if (total > capacity) return 0;
  write_header(out, uint8_t(ssrcs.size()), kBye, total);
  uint8_t* q = out + 4;
  for (uint32_t s : ssrcs) {
    store32(q, s);
    q += 4;
  }
  if (!reason.empty()) {
    *q++ = uint8_t(reason.size());
    std::memcpy(q, reason.data(), reason.size());
    q += reason.size();
    std::memset(q, 0, size_t(out + total - q));
  }
  return total;
}

// --- Feedback (RFC 4585 6.1) ---

std::optional<FeedbackSsrcs> parse_feedback_ssrcs(const Packet& p) {
  if ((p.type != kRtpFeedback && p.type != kPayloadFeedback) || p.body.size() < 8)
    return std::nullopt;
  return FeedbackSsrcs{load32(p.body.data()), load32(p.body.data() + 4)};
}

std::optional<Nack> parse_nack(const Packet& p) {
  if (p.type != kRtpFeedback || p.count != kFmtNack || p.body.size() < 8) return std::nullopt;
  // RFC 4585 6.2.1: at least one FCI entry; trailing bytes short of an entry are ignored.
  const size_t n = (p.body.size() - 8) / NackItem::kWireSize;
  if (n == 0) return std::nullopt;
  return Nack{load32(p.body.data()), load32(p.body.data() + 4), {p.body.data() + 8, n}};
}

size_t Nack::lost(std::span<uint16_t> out) const {
  size_t n = 0;
  for (NackItem it : items) {
    if (n == out.size()) break;
    out[n++] = it.pid;
    for (int i = 0; i < 16 && n < out.size(); ++i)
      if (it.blp & (1u << i)) out[n++] = uint16_t(it.pid + i + 1);
  }
  return n;
}

size_t nack_item_count(std::span<const uint16_t> lost) {
  size_t items = 0;
  for (size_t i = 0; i < lost.size();) {
    const uint16_t pid = lost[i++];
    while (i < lost.size() && uint16_t(lost[i] - pid) <= 16) ++i;
    ++items;
  }
  return items;
}

size_t write_nack(uint8_t* out, size_t capacity, uint32_t sender_ssrc, uint32_t media_ssrc,
                  std::span<const uint16_t> lost) {
  const size_t items = nack_item_count(lost);
  if (items == 0) return 0;
  const size_t total = kHeaderSize + 8 + 4 * items;
  if (total > capacity || total > kMaxPacketSize) return 0;
  write_header(out, kFmtNack, kRtpFeedback, total);
  store32(out + 4, sender_ssrc);
  store32(out + 8, media_ssrc);
  uint8_t* q = out + 12;
  for (size_t i = 0; i < lost.size();) {
    const uint16_t pid = lost[i++];
    uint16_t blp = 0;
    for (; i < lost.size(); ++i) {
      const uint16_t d = uint16_t(lost[i] - pid);  // 0: a duplicate of the PID
      if (d > 16) break;
      if (d) blp = uint16_t(blp | (1u << (d - 1)));
    }
    store16(q, pid);
    store16(q + 2, blp);
    q += 4;
  }
  return total;
}

std::optional<FeedbackSsrcs> parse_pli(const Packet& p) {
  if (p.type != kPayloadFeedback || p.count != kFmtPli) return std::nullopt;
  return parse_feedback_ssrcs(p);
}

size_t write_pli(uint8_t* out, size_t capacity, uint32_t sender_ssrc, uint32_t media_ssrc) {
  const size_t total = kHeaderSize + 8;
  if (total > capacity) return 0;
  write_header(out, kFmtPli, kPayloadFeedback, total);
  store32(out + 4, sender_ssrc);
  store32(out + 8, media_ssrc);
  return total;
}

std::optional<Fir> parse_fir(const Packet& p) {
  if (p.type != kPayloadFeedback || p.count != kFmtFir || p.body.size() < 8) return std::nullopt;
  const size_t n = (p.body.size() - 8) / FirEntry::kWireSize;
  if (n == 0) return std::nullopt;
  return Fir{load32(p.body.data()), {p.body.data() + 8, n}};
}

size_t write_fir(uint8_t* out, size_t capacity, uint32_t sender_ssrc,
                 std::span<const FirEntry> entries) {
  if (entries.empty()) return 0;
  const size_t total = kHeaderSize + 8 + FirEntry::kWireSize * entries.size();
  if (total > capacity || total > kMaxPacketSize) return 0;
  write_header(out, kFmtFir, kPayloadFeedback, total);
  store32(out + 4, sender_ssrc);
  store32(out + 8, 0);  // RFC 5104 4.3.1.2: media source SSRC unused, set to 0
  uint8_t* q = out + 12;
  for (const FirEntry& e : entries) {
    store32(q, e.ssrc);
    q[4] = e.seq_nr;
    q[5] = q[6] = q[7] = 0;
    q += FirEntry::kWireSize;
  }
  return total;
}

// --- REMB (draft-alvestrand-rmcat-remb-03 2.2) ---

std::optional<Remb> parse_remb(const Packet& p) {
  if (p.type != kPayloadFeedback || p.count != kFmtAfb || p.body.size() < 16) return std::nullopt;
  const uint8_t* b = p.body.data();
  if (std::memcmp(b + 8, "REMB", 4) != 0) return std::nullopt;
  const size_t n = b[12];
  if (!holds(p, 16, n, 4)) return std::nullopt;
  const unsigned exp = b[13] >> 2;
  const uint64_t mantissa = (uint64_t(b[13] & 0x03) << 16) | (uint64_t(b[14]) << 8) | b[15];
  Remb r;
  r.sender_ssrc = load32(b);
  // mantissa < 2^18, so the shift overflows exactly when exp > 46 and the mantissa is large.
  r.bitrate_bps =
      (mantissa != 0 && exp > 0 && (mantissa >> (64 - exp)) != 0) ? UINT64_MAX : mantissa << exp;
  r.ssrcs = {b + 16, n};
  return r;
}

size_t write_remb(uint8_t* out, size_t capacity, uint32_t sender_ssrc, uint64_t bitrate_bps,
                  std::span<const uint32_t> ssrcs) {
  if (ssrcs.size() > 255) return 0;
  const size_t total = kHeaderSize + 16 + 4 * ssrcs.size();
  if (total > capacity) return 0;
  unsigned exp = 0;
  while ((bitrate_bps >> exp) >= (uint64_t(1) << 18)) ++exp;  // at most 46
  const uint32_t mantissa = uint32_t(bitrate_bps >> exp);
  write_header(out, kFmtAfb, kPayloadFeedback, total);
  store32(out + 4, sender_ssrc);
  store32(out + 8, 0);  // media source SSRC: always 0 for REMB
  std::memcpy(out + 12, "REMB", 4);
  out[16] = uint8_t(ssrcs.size());
  out[17] = uint8_t((exp << 2) | (mantissa >> 16));
  out[18] = uint8_t(mantissa >> 8);
  out[19] = uint8_t(mantissa);
  uint8_t* q = out + 20;
  for (uint32_t s : ssrcs) {
    store32(q, s);
    q += 4;
  }
  return total;
}

}  // namespace onair::webrtc::rtcp
