#include "media/bridge/jitter_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace onair::bridge {

JitterBuffer::JitterBuffer(JitterConfig config)
    : config_(config), slots_(kSlots + 1), storage_((kSlots + 1) * kMaxPayload) {
  if (config_.max_wait_ms < 0) throw std::invalid_argument("bridge.jitter_ms must be >= 0");
}

void JitterBuffer::store(size_t slot, uint16_t seq, uint32_t timestamp, bool marker,
                         std::span<const uint8_t> payload, int64_t now_ms) {
  Slot& s = slots_[slot];
  s.used = true;
  s.seq = seq;
  s.timestamp = timestamp;
  s.marker = marker;
  s.size = uint16_t(payload.size());
  s.arrival_ms = now_ms;
  if (!payload.empty()) std::memcpy(storage(slot), payload.data(), payload.size());
}

JitterBuffer::Push JitterBuffer::push(uint16_t seq, uint32_t timestamp, bool marker,
                                      std::span<const uint8_t> payload, int64_t now_ms) {
  ++counters_.pushed;
  if (payload.size() > kMaxPayload) {
    ++counters_.oversize;
    return Push::oversize;
  }
  if (!started_) {
    started_ = true;
    next_ = seq;
  }
  // Distance from the release point, modulo 2^16 (RFC 3550 A.1's unwrapping, in short).
  const int diff = int16_t(uint16_t(seq - uint16_t(next_)));
  if (diff < -int(kSlots) || diff >= int(kSlots))
    return far(seq, timestamp, marker, payload, now_ms);
  slots_[kAside].used = false;  // a packet in the window: the held-aside one was a stray
  if (diff < 0) {
    ++counters_.late;
    return Push::late;
  }
  const int64_t ext = next_ + diff;
  const size_t slot = index(ext);
  if (slots_[slot].used) {
    ++counters_.duplicates;
    return Push::duplicate;
  }
  store(slot, seq, timestamp, marker, payload, now_ms);
  ++held_;
  if (diff != 0 && deadline_valid_) deadline_ = std::min(deadline_, now_ms + config_.max_wait_ms);
  return Push::queued;
}

JitterBuffer::Push JitterBuffer::far(uint16_t seq, uint32_t timestamp, bool marker,
                                     std::span<const uint8_t> payload, int64_t now_ms) {
  Slot& aside = slots_[kAside];
  const uint16_t after_aside = uint16_t(seq - aside.seq);
  if (!aside.used || after_aside == 0 || after_aside > kRestartConfirmWindow) {
    ++counters_.far;
    store(kAside, seq, timestamp, marker, payload, now_ms);
    return Push::far;
  }
  // Two packets close together far from the window: a new sequence. Start over at the
  // held-aside one, keeping both.
  ++counters_.restarts;
  counters_.flushed += held_;
  for (size_t i = 0; i < kSlots; ++i) slots_[i].used = false;
  held_ = 0;
  next_ = aside.seq;
  deadline_valid_ = false;
  restart_loss_ = true;
  const size_t first = index(next_);
  std::memcpy(storage(first), storage(kAside), aside.size);
  store(first, aside.seq, aside.timestamp, aside.marker, {storage(first), aside.size},
        aside.arrival_ms);
  aside.used = false;
  store(index(next_ + after_aside), seq, timestamp, marker, payload, now_ms);
  held_ = 2;
  return Push::restarted;
}

int64_t JitterBuffer::gap_deadline() const {
  // The wait for the missing packet at next_ started when the first packet after it
  // arrived: the earliest arrival among the packets held, all of which come after it.
  if (!deadline_valid_) {
    int64_t earliest = INT64_MAX;
    size_t seen = 0;
    for (int64_t ext = next_; seen < held_; ++ext) {
      const Slot& s = slots_[index(ext)];
      if (!s.used) continue;
      earliest = std::min(earliest, s.arrival_ms);
      ++seen;
    }
    deadline_ = earliest + config_.max_wait_ms;
    deadline_valid_ = true;
  }
  return deadline_;
}

bool JitterBuffer::next_output(int64_t now_ms, JitterOutput& out) {
  if (restart_loss_) {
    restart_loss_ = false;
    out = JitterOutput{JitterOutput::Kind::loss, uint16_t(next_), 0, 0, false, {}};
    return true;
  }
  if (held_ == 0) return false;
  const size_t slot = index(next_);
  Slot& s = slots_[slot];
  if (s.used) {
    out = JitterOutput{JitterOutput::Kind::packet, s.seq, 0, s.timestamp, s.marker,
                       {storage(slot), s.size}, s.arrival_ms};
    s.used = false;
    --held_;
    ++next_;
    deadline_valid_ = false;
    ++counters_.released;
    return true;
  }
  if (now_ms < gap_deadline()) return false;
  uint32_t missing = 0;
  while (!slots_[index(next_ + missing)].used) ++missing;  // held_ > 0: one is ahead
  out = JitterOutput{JitterOutput::Kind::loss, uint16_t(next_), missing, 0, false, {}};
  next_ += missing;
  deadline_valid_ = false;
  counters_.lost += missing;
  return true;
}

std::optional<int64_t> JitterBuffer::next_deadline_ms() const {
  if (held_ == 0) return std::nullopt;
  // Due already (a restart's loss and its first packet, or a packet poll() has not taken):
  // the caller polls after each push, so this is only a fallback.
  const Slot& s = slots_[index(next_)];
  if (s.used) return s.arrival_ms;
  return gap_deadline();
}

}  // namespace onair::bridge
