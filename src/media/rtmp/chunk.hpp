#pragma once
// The RTMP chunk stream (Adobe RTMP 1.0, section 5.3): ChunkReader reassembles messages
// from chunks of any of the four header formats, with extended timestamps, the peer's chunk
// size and aborts; write_message() cuts a message into chunks. Pure: no sockets, no clocks.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "core/error.hpp"

namespace onair::rtmp {

// Message type ids (5.4, 7.1).
enum MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

struct Message {
  uint32_t csid = 0;
  uint8_t type = 0;
  uint32_t stream_id = 0;
  uint32_t timestamp = 0;  // ms, 32-bit wrapping as on the wire
  std::string payload;
};

struct ChunkLimits {
  uint32_t max_message_bytes = 16 * 1024 * 1024;
  uint32_t max_chunk_streams = 64;  // chunk streams with state at once
  // Bytes of partial messages held over all chunk streams at once (0: max_message_bytes).
  size_t max_buffered_bytes = 0;
};

class ChunkReader {
 public:
  explicit ChunkReader(ChunkLimits limits = {}) : limits_(limits) {}

  // The peer's Set Chunk Size (5.4.1): 1..0x7FFFFFFF on the wire; capped by max_message_bytes.
  Result<void> set_chunk_size(uint32_t size);
  uint32_t chunk_size() const { return chunk_size_; }
  // Abort Message (5.4.2): drops the partial message of `csid`.
  void abort(uint32_t csid);
  // Bytes of partial messages held now, and the bound on them (a session raises it once the
  // peer is allowed to publish).
  size_t buffered() const { return buffered_; }
  void set_max_buffered(size_t bytes) { limits_.max_buffered_bytes = bytes; }

  // Consumes one whole chunk from the front of `in` if it is all there; returns the bytes
  // consumed (0: need more). When the chunk completes a message, `out` receives it. Memory
  // grows with the bytes received, never with the length a header announces; a chunk that
  // would take the partial messages over max_buffered_bytes is an error.
  Result<size_t> parse(std::span<const uint8_t> in, std::optional<Message>& out);

 private:
  // What the last header of a chunk stream said (copied per chunk, so kept small).
  struct Header {
    bool has_header = false;
    uint32_t timestamp = 0;
    uint32_t delta = 0;
    uint32_t length = 0;
    uint8_t type = 0;
    uint32_t stream_id = 0;
    bool extended = false;  // the last header carried an extended timestamp
    uint32_t extended_value = 0;
    bool in_message = false;
  };
  struct Stream {
    Header header;
    std::string partial;  // the message being reassembled
  };

  ChunkLimits limits_;
  uint32_t chunk_size_ = 128;  // the default until the peer says otherwise (5.4.1)
  size_t buffered_ = 0;        // sum of the partial messages' sizes
  std::map<uint32_t, Stream> streams_;
};

// Appends `payload` to `out` as chunks of `chunk_size`: a type-0 header, then type-3 headers
// (extended timestamps repeated in them, as 5.3.1.3 and common clients do).
void write_message(std::string& out, uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t timestamp,
                   std::string_view payload, uint32_t chunk_size);

// Protocol control and user control messages (5.4, 6.2), on chunk stream 2, stream 0.
std::string set_chunk_size_message(uint32_t size);
std::string window_ack_size_message(uint32_t size);
std::string set_peer_bandwidth_message(uint32_t size, uint8_t limit_type);
std::string acknowledgement_message(uint32_t sequence);
std::string user_control_message(uint16_t event, uint32_t value);  // StreamBegin=0, EOF=1, ...
std::string ping_response_message(uint32_t timestamp);             // event 7

}  // namespace onair::rtmp
