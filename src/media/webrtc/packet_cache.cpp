#include "media/webrtc/packet_cache.hpp"

#include <algorithm>
#include <stdexcept>

namespace onair::webrtc {

PacketCache::PacketCache(size_t slots) {
  if (slots == 0 || slots > kMaxSlots || (slots & (slots - 1)) != 0)
    throw std::invalid_argument("packet cache size must be a power of two between 1 and 32768");
  bytes_.resize(slots * kSlotBytes);
  slots_.resize(slots);
  mask_ = slots - 1;
}

// RFC 3550 A.1: the extended number closest to the newest one stored.
int64_t PacketCache::unwrap(uint16_t seq) const {
  return highest_ + int16_t(uint16_t(seq - uint16_t(highest_)));
}

bool PacketCache::put(uint16_t seq, std::span<const uint8_t> packet) {
  if (packet.empty() || packet.size() > kSlotBytes) return false;
  int64_t ext = seq;
  if (empty_) {
    empty_ = false;
    highest_ = ext;
  } else {
    ext = unwrap(seq);
    if (ext <= highest_ - int64_t(slots_.size())) return false;  // its slot holds a newer packet
    highest_ = std::max(highest_, ext);
  }
  size_t index = seq & mask_;  // N divides 2^16, so this equals ext mod N
  std::copy(packet.begin(), packet.end(), bytes_.begin() + ptrdiff_t(index * kSlotBytes));
  slots_[index] = Slot{ext, uint16_t(packet.size())};
  return true;
}

std::span<const uint8_t> PacketCache::get(uint16_t seq) const {
  if (empty_) return {};
  int64_t ext = unwrap(seq);
  if (ext > highest_ || ext <= highest_ - int64_t(slots_.size())) return {};
  size_t index = seq & mask_;
  const Slot& slot = slots_[index];
  if (slot.length == 0 || slot.ext_seq != ext) return {};
  return std::span<const uint8_t>(bytes_.data() + index * kSlotBytes, slot.length);
}

void PacketCache::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  empty_ = true;
  highest_ = 0;
}

}  // namespace onair::webrtc
