#include "media/webrtc/twcc.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace onair::webrtc::twcc {
namespace {

using rtcp::detail::load16;
using rtcp::detail::load32;

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

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

constexpr int64_t kTicksPerReference = kReferenceTickUs / kDeltaTickUs;  // 256
constexpr size_t kOneBitCapacity = 14;
constexpr size_t kTwoBitCapacity = 7;

// Packet status chunks (3.1.2-3.1.4), written as symbols arrive. It holds up to 14 symbols
// not yet written and writes a chunk only when the next symbol cannot join them:
//  - up to 7 symbols of any kind fit a 2-bit status vector;
//  - up to 14 "not received"/"small delta" symbols fit a 1-bit status vector;
//  - any number of one symbol (up to 8191) fits a run-length chunk.
// When none of these can take the next symbol, the pending symbols go out as a run (all
// alike), a full 1-bit vector (14), or a 2-bit vector of the first 7, keeping the rest.
// It is a small value: the recorder copies it to try a symbol before committing.
class ChunkEncoder {
 public:
  explicit ChunkEncoder(uint8_t* out) : out_(out) {}  // nullptr: count only

  void add(Symbol s) {
    const uint8_t v = uint8_t(s);
    if (!can_add(v)) emit();
    if (size_ < kOneBitCapacity) pending_[size_] = v;
    all_same_ = size_ == 0 || (all_same_ && v == pending_[0]);
    has_large_ = has_large_ || v == uint8_t(Symbol::large_delta);
    ++size_;
  }

  // Writes what is pending; the chunk count is then final.
  void finish() {
    if (size_ == 0) return;
    if (all_same_) {
      put(run_chunk());
    } else if (size_ <= kTwoBitCapacity) {
      put(two_bit_chunk(size_));
    } else {
      put(one_bit_chunk(size_));  // 8..14 symbols, none large (can_add saw to it)
    }
    size_ = 0;
  }

  // Chunks once finish() has run (counting what is pending as one).
  size_t chunks() const { return chunks_ + (size_ > 0 ? 1 : 0); }

 private:
  bool can_add(uint8_t v) const {
    if (size_ < kTwoBitCapacity) return true;
    if (size_ < kOneBitCapacity && !has_large_ && v != uint8_t(Symbol::large_delta)) return true;
    return all_same_ && v == pending_[0] && size_ < kMaxRunLength;
  }

  void emit() {
    if (all_same_) {
      put(run_chunk());
      size_ = 0;
      has_large_ = false;
      return;
    }
    if (size_ == kOneBitCapacity) {
      put(one_bit_chunk(kOneBitCapacity));
      size_ = 0;
      has_large_ = false;
      return;
    }
    // 7..13 mixed symbols and the next one does not fit a 1-bit vector.
    put(two_bit_chunk(kTwoBitCapacity));
    size_ -= kTwoBitCapacity;
    all_same_ = true;
    has_large_ = false;
    for (size_t i = 0; i < size_; ++i) {
      pending_[i] = pending_[i + kTwoBitCapacity];
      all_same_ = all_same_ && pending_[i] == pending_[0];
      has_large_ = has_large_ || pending_[i] == uint8_t(Symbol::large_delta);
    }
  }

  // 3.1.3: 0 | S(2) | run length(13).
  uint16_t run_chunk() const { return uint16_t((pending_[0] << 13) | size_); }
  // 3.1.4: 1 | 0 | 14 × 1 bit, symbol i at bit 13 - i; unused symbols are 0.
  uint16_t one_bit_chunk(size_t n) const {
    uint16_t c = 0x8000;
    for (size_t i = 0; i < n; ++i) c = uint16_t(c | ((pending_[i] & 1) << (13 - i)));
    return c;
  }
  // 3.1.4: 1 | 1 | 7 × 2 bits, symbol i at bits 12 - 2i.
  uint16_t two_bit_chunk(size_t n) const {
    uint16_t c = 0xC000;
    for (size_t i = 0; i < n; ++i) c = uint16_t(c | (pending_[i] << (12 - 2 * i)));
    return c;
  }

  void put(uint16_t chunk) {
    if (out_) store16(out_ + 2 * chunks_, chunk);
    ++chunks_;
  }

  uint8_t* out_;
  size_t chunks_ = 0;
  uint8_t pending_[kOneBitCapacity] = {};
  size_t size_ = 0;
  bool all_same_ = true;
  bool has_large_ = false;
};

// The symbol for a receive delta in 250 us ticks (3.1.5), or nullopt when it needs a new
// feedback (beyond 16 bits signed).
std::optional<Symbol> symbol_for(int64_t delta_ticks) {
  if (delta_ticks >= 0 && delta_ticks <= 0xFF) return Symbol::small_delta;
  if (delta_ticks >= INT16_MIN && delta_ticks <= INT16_MAX) return Symbol::large_delta;
  return std::nullopt;
}

}  // namespace

// --- FeedbackReader ---

std::optional<FeedbackReader> FeedbackReader::parse(const rtcp::Packet& p) {
  if (p.type != rtcp::kRtpFeedback || p.count != rtcp::kFmtTwcc || p.body.size() < kFixedSize - 4)
    return std::nullopt;
  const uint8_t* b = p.body.data();
  const size_t size = p.body.size();
  FeedbackReader r;
  r.header_.sender_ssrc = load32(b);
  r.header_.media_ssrc = load32(b + 4);
  r.header_.base_seq = load16(b + 8);
  r.header_.status_count = load16(b + 10);
  int32_t ref = int32_t((uint32_t(b[12]) << 16) | (uint32_t(b[13]) << 8) | b[14]);
  if (ref & 0x800000) ref -= 0x1000000;
  r.header_.reference_time = ref;
  r.header_.feedback_count = b[15];
  if (r.header_.status_count == 0) return std::nullopt;

  // Walk the chunks once: they must cover the status count before the body ends, use no
  // reserved symbol, and be followed by all their receive deltas.
  size_t pos = kFixedSize - 4;
  size_t left = r.header_.status_count;
  size_t delta_bytes = 0;
  while (left > 0) {
    if (size - pos < 2) return std::nullopt;
    const uint16_t c = load16(b + pos);
    pos += 2;
    if (!(c & 0x8000)) {
      const unsigned s = (c >> 13) & 3;
      if (s == 3) return std::nullopt;
      const size_t n = std::min<size_t>(c & 0x1FFF, left);
      delta_bytes += n * s;
      left -= n;
    } else if (!(c & 0x4000)) {
      const size_t n = std::min(kOneBitCapacity, left);
      for (size_t i = 0; i < n; ++i) delta_bytes += (c >> (13 - i)) & 1;
      left -= n;
    } else {
      const size_t n = std::min(kTwoBitCapacity, left);
      for (size_t i = 0; i < n; ++i) {
        const unsigned s = (c >> (12 - 2 * i)) & 3;
        if (s == 3) return std::nullopt;
        delta_bytes += s;
      }
      left -= n;
    }
  }
  if (size - pos < delta_bytes) return std::nullopt;
  r.body_ = b;
  r.chunk_pos_ = kFixedSize - 4;
  r.delta_pos_ = pos;
  r.left_ = r.header_.status_count;
  r.seq_ = r.header_.base_seq;
  r.ticks_ = int64_t(ref) * kTicksPerReference;
  return r;
}

bool FeedbackReader::load_chunk() {
  // parse() saw that the chunks cover every status, so this finds one while left_ > 0.
  for (;;) {
    chunk_ = load16(body_ + chunk_pos_);
    chunk_pos_ += 2;
    size_t n = !(chunk_ & 0x8000)  ? (chunk_ & 0x1FFF)
               : (chunk_ & 0x4000) ? kTwoBitCapacity
                                   : kOneBitCapacity;
    n = std::min(n, left_);
    if (n) {
      chunk_symbols_ = n;
      chunk_index_ = 0;
      return true;
    }
  }
}

bool FeedbackReader::next(PacketStatus& out) {
  if (left_ == 0) return false;
  if (chunk_index_ == chunk_symbols_) load_chunk();
  unsigned s;
  if (!(chunk_ & 0x8000)) {
    s = (chunk_ >> 13) & 3;
  } else if (!(chunk_ & 0x4000)) {
    s = (chunk_ >> (13 - chunk_index_)) & 1;
  } else {
    s = (chunk_ >> (12 - 2 * chunk_index_)) & 3;
  }
  ++chunk_index_;
  --left_;
  out.seq = seq_++;
  out.received = s != 0;
  out.delta_ticks = 0;
  out.arrival_us = 0;
  if (s == 0) return true;
  int32_t d;
  if (s == 1) {
    d = body_[delta_pos_];
    delta_pos_ += 1;
  } else {
    d = int16_t(load16(body_ + delta_pos_));
    delta_pos_ += 2;
  }
  ticks_ += d;
  out.delta_ticks = d;
  out.arrival_us = ticks_ * kDeltaTickUs;
  return true;
}

// --- TwccRecorder ---

TwccRecorder::TwccRecorder(size_t capacity) : mask_(capacity - 1) {
  // Bad configuration is a start-up bug, not network input.
  if (capacity < 16 || capacity > 32768 || (capacity & (capacity - 1)))
    throw std::invalid_argument("TwccRecorder capacity must be a power of two in [16, 32768]");
  ring_ = std::make_unique<Slot[]>(capacity);
}

bool TwccRecorder::on_packet(uint16_t transport_seq, int64_t arrival_us) {
  const int64_t cap = int64_t(mask_ + 1);
  if (!started_) {
    started_ = true;
    highest_ = transport_seq;
    next_base_ = transport_seq;
    slot(highest_) = {arrival_us, State::received};
    return true;
  }
  // Unwrap against the highest so far: the nearest number with these low 16 bits.
  const int64_t u = highest_ + int16_t(uint16_t(transport_seq - uint16_t(highest_)));
  if (u > highest_) {
    if (u - highest_ >= cap) {
      for (size_t i = 0; i <= mask_; ++i) ring_[i] = {};
      next_base_ = u;
    } else {
      for (int64_t s = highest_ + 1; s <= u; ++s)
        slot(s) = {};  // their slots held u - cap and older
      next_base_ = std::max(next_base_, u - cap + 1);
    }
    highest_ = u;
  } else {
    if (highest_ - u >= cap) return false;            // older than the window
    if (slot(u).state != State::empty) return false;  // duplicate
    if (u < next_base_) next_base_ = u;               // already covered: report it again from here
  }
  slot(u) = {arrival_us, State::received};
  return true;
}

bool TwccRecorder::has_unreported() const {
  if (!started_) return false;
  for (int64_t s = next_base_; s <= highest_; ++s)
    if (slot(s).state == State::received) return true;
  return false;
}

size_t TwccRecorder::build_feedback(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t* out,
                                    size_t capacity) {
  if (!started_ || capacity < kMinFeedbackSize) return 0;
  // The reference time comes from the first packet this feedback reports as received, so
  // its delta is small; packets already reported are skipped over as "not received".
  int64_t first = next_base_;
  while (first <= highest_ && slot(first).state != State::received) ++first;
  if (first > highest_) {
    next_base_ = std::max(next_base_, highest_ + 1);
    return 0;
  }
  const int64_t base = next_base_;
  const int64_t reference = floor_div(slot(first).arrival_us, kReferenceTickUs);

  // Pass 1: how far this packet can go, and how many chunks and delta bytes that takes.
  ChunkEncoder counted(nullptr);
  size_t delta_bytes = 0;
  int64_t ticks = reference * kTicksPerReference;
  int64_t end = base;
  for (int64_t s = base; s <= highest_ && s - base < 0xFFFF; ++s) {
    const Slot& sl = slot(s);
    Symbol sym = Symbol::not_received;
    int64_t d = 0;
    if (sl.state == State::received) {
      d = floor_div(sl.arrival_us, kDeltaTickUs) - ticks;
      const auto fits = symbol_for(d);
      if (!fits) break;
      sym = *fits;
    }
    ChunkEncoder trial = counted;
    trial.add(sym);
    const size_t bytes = delta_bytes + size_t(sym);
    if (padded4(kFixedSize + 2 * trial.chunks() + bytes) > capacity) break;
    counted = trial;
    delta_bytes = bytes;
    ticks += d;
    end = s + 1;
  }
  const size_t chunk_bytes = 2 * counted.chunks();
  const size_t total = padded4(kFixedSize + chunk_bytes + delta_bytes);

  // Pass 2: the same symbols, written.
  rtcp::write_header(out, rtcp::kFmtTwcc, rtcp::kRtpFeedback, total);
  store32(out + 4, sender_ssrc);
  store32(out + 8, media_ssrc);
  store16(out + 12, uint16_t(base));
  store16(out + 14, uint16_t(end - base));
  const uint32_t ref24 = uint32_t(reference) & 0xFFFFFF;  // wraps every 2^24 × 64 ms
  out[16] = uint8_t(ref24 >> 16);
  out[17] = uint8_t(ref24 >> 8);
  out[18] = uint8_t(ref24);
  out[19] = feedback_count_;
  ChunkEncoder chunks(out + kFixedSize);
  uint8_t* delta = out + kFixedSize + chunk_bytes;
  ticks = reference * kTicksPerReference;
  for (int64_t s = base; s < end; ++s) {
    Slot& sl = slot(s);
    if (sl.state != State::received) {
      chunks.add(Symbol::not_received);
      continue;
    }
    const int64_t d = floor_div(sl.arrival_us, kDeltaTickUs) - ticks;
    ticks += d;
    sl.state = State::reported;
    if (d >= 0 && d <= 0xFF) {
      chunks.add(Symbol::small_delta);
      *delta++ = uint8_t(d);
    } else {
      chunks.add(Symbol::large_delta);
      store16(delta, uint16_t(int16_t(d)));
      delta += 2;
    }
  }
  chunks.finish();
  assert(chunks.chunks() == counted.chunks());
  while (delta < out + total) *delta++ = 0;  // zero padding to 32 bits
  next_base_ = end;
  ++feedback_count_;
  return total;
}

}  // namespace onair::webrtc::twcc
