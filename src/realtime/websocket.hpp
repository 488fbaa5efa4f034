#pragma once
// WebSocket framing (RFC 6455), the server side, as pure code over bytes: the opening
// handshake's accept key, server frames (unmasked, FIN) and an incremental reader of client
// frames. The gateway encodes a batch frame once and sends the same bytes to every
// subscriber, so encoding is a free function over a payload, not a per-connection stream.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace onair::realtime::ws {

enum class Opcode : uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes (RFC 6455 7.4.1) and onair's own (REALTIME.md).
namespace close_code {
constexpr uint16_t normal = 1000;
constexpr uint16_t going_away = 1001;
constexpr uint16_t protocol_error = 1002;
constexpr uint16_t unsupported = 1003;
constexpr uint16_t invalid_payload = 1007;
constexpr uint16_t policy = 1008;
constexpr uint16_t too_big = 1009;
constexpr uint16_t internal = 1011;
constexpr uint16_t unauthenticated = 4001;
constexpr uint16_t too_slow = 4008;
}  // namespace close_code

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2 step 5.4).
std::string accept_key(std::string_view client_key);

// A server frame: FIN set, no mask (RFC 6455 5.2). The header is 2, 4 or 10 bytes.
constexpr size_t kMaxHeader = 10;
size_t write_header(char* out, Opcode op, size_t payload_size);
std::string encode(Opcode op, std::string_view payload);
// A close frame: the code and a reason cut to fit a control frame (125 bytes).
std::string encode_close(uint16_t code, std::string_view reason);

// True when `s` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF).
bool valid_utf8(std::string_view s);

// True when a close frame may carry `code` on the wire (RFC 6455 7.4.1, 7.4.2): 1000-1003,
// 1007-1014 and 3000-4999. 1004 is reserved, 1005, 1006 and 1015 are for reporting only,
// and the rest is unassigned.
bool valid_close_code(uint16_t code);

// Reads client frames (RFC 6455 5.2-5.5): every frame must be masked; control frames are at
// most 125 bytes and not fragmented; fragmented data messages are put back together. A
// message (or the sum of its fragments) over `max_message` bytes is refused as soon as its
// header says so (1009). Text messages must be UTF-8 (1007). A close frame's code must be
// one allowed on the wire (1002) and its reason UTF-8 (1007), RFC 6455 5.5.1 and 7.4. After
// a violation the reader stays failed: the connection is to be closed with the code it gave.
class FrameReader {
 public:
  struct Violation {
    uint16_t code;
    std::string reason;
  };
  // A complete message or control frame. `payload` is valid during the call only.
  using OnMessage = std::function<void(Opcode op, std::string_view payload)>;

  explicit FrameReader(size_t max_message) : max_message_(max_message) {}

  // Consumes `bytes` (unmasked in place, hence mutable), calling `on_message` for each
  // complete message. Keeps an incomplete frame for the next call.
  std::optional<Violation> feed(char* bytes, size_t size, const OnMessage& on_message);

  // Bytes kept between calls (an incomplete frame, fragments so far).
  size_t buffered() const { return partial_.size() + message_.size(); }

 private:
  // Parses one frame at the start of `data`; 0 = incomplete.
  size_t parse_one(char* data, size_t size, const OnMessage& on_message, std::optional<Violation>& err);

  size_t max_message_;
  std::string partial_;  // an incomplete frame
  std::string message_;  // fragments of a data message so far
  Opcode message_op_ = Opcode::text;
  bool in_message_ = false;
  bool failed_ = false;
};

}  // namespace onair::realtime::ws
