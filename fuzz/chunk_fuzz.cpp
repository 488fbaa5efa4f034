// RTMP chunk stream: any byte sequence, fed in pieces, with the chunk size changed by the
// first byte, never crashes or reads out of bounds; reassembled messages respect the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/rtmp/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  onair::rtmp::ChunkReader reader(onair::rtmp::ChunkLimits{1 << 16, 16});
  (void)reader.set_chunk_size(1 + data[0] * 97u);
  size_t step = 1 + data[1] % 64;
  std::string buffer;
  for (size_t off = 2; off < size; off += step) {
    buffer.append(reinterpret_cast<const char*>(data + off), std::min(step, size - off));
    while (true) {
      std::optional<onair::rtmp::Message> msg;
      auto used = reader.parse({reinterpret_cast<const uint8_t*>(buffer.data()), buffer.size()}, msg);
      if (!used) return 0;
      if (*used == 0) break;
      if (*used > buffer.size()) std::abort();
      buffer.erase(0, *used);
      if (msg && msg->payload.size() > (1u << 16)) std::abort();
    }
  }
  return 0;
}
