#pragma once
// PacketCache: the last N decrypted RTP packets of one producer stream, kept to answer
// NACKs (RFC 4585 6.2.1) from subscribers without asking the publisher again.
//
// A fixed ring of N slots (N a power of two), each a kSlotBytes buffer, allocated once in
// the constructor; put() and get() never allocate. The packet with sequence number s lives
// in slot s mod N. Sequence numbers are unwrapped (RFC 3550 A.1) against the newest one
// stored, and each slot remembers the extended number it holds, so a slot left over from a
// packet 65536 numbers ago never answers for a new packet with the same 16-bit seq.
//
// Owned by the producer stream and used on its loop only. A span returned by get() points
// into the cache and stays valid until the next put() or clear(). When a publisher
// restarts with new sequence numbers (a republish), call clear().
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace onair::webrtc {

class PacketCache {
 public:
  static constexpr size_t kSlotBytes = 1500;
  static constexpr size_t kDefaultSlots = 1024;
  static constexpr size_t kMaxSlots = 32768;  // half the 16-bit seq space, so unwrapping is unambiguous

  // `slots` must be a power of two in [1, kMaxSlots]; anything else is a configuration
  // error and throws std::invalid_argument (only ever at start-up).
  explicit PacketCache(size_t slots = kDefaultSlots);

  // Stores a copy of `packet` (the whole RTP packet, header included) under `seq`. Refused
  // (false) when the packet is empty or longer than kSlotBytes, or when `seq` is so far
  // behind the newest stored one that its slot already belongs to a newer packet.
  bool put(uint16_t seq, std::span<const uint8_t> packet);

  // The packet stored under `seq`, or an empty span when it was never stored, has been
  // overwritten by a newer packet, or is older than the last N sequence numbers.
  std::span<const uint8_t> get(uint16_t seq) const;

  // Forgets every packet (a new publication with its own sequence space).
  void clear();

  size_t capacity() const { return slots_.size(); }

 private:
  struct Slot {
    int64_t ext_seq = 0;
    uint16_t length = 0;  // 0: empty
  };

  int64_t unwrap(uint16_t seq) const;

  std::vector<uint8_t> bytes_;  // capacity() * kSlotBytes
  std::vector<Slot> slots_;
  size_t mask_;
  bool empty_ = true;
  int64_t highest_ = 0;  // extended seq of the newest packet stored
};

}  // namespace onair::webrtc
