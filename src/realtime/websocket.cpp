#include "realtime/websocket.hpp"

#include <cstring>

#include "auth/crypto.hpp"

namespace onair::realtime::ws {

std::string accept_key(std::string_view client_key) {
  std::string text(client_key);
  text += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 1.3
  return auth::base64_encode(auth::sha1(text));
}

size_t write_header(char* out, Opcode op, size_t n) {
  out[0] = char(0x80 | uint8_t(op));
  if (n < 126) {
    out[1] = char(n);
    return 2;
  }
  if (n <= 0xffff) {
    out[1] = char(126);
    out[2] = char(n >> 8);
    out[3] = char(n);
    return 4;
  }
  out[1] = char(127);
  for (int i = 0; i < 8; ++i) out[2 + i] = char(uint64_t(n) >> (56 - 8 * i));
  return 10;
}

std::string encode(Opcode op, std::string_view payload) {
  std::string out(kMaxHeader + payload.size(), '\0');
  size_t h = write_header(out.data(), op, payload.size());
  std::memcpy(out.data() + h, payload.data(), payload.size());
  out.resize(h + payload.size());
  return out;
}

std::string encode_close(uint16_t code, std::string_view reason) {
  std::string payload;
  payload += char(code >> 8);
  payload += char(code & 0xff);
  // Cut the reason at 123 bytes without splitting a UTF-8 sequence.
  size_t n = std::min<size_t>(reason.size(), 123);
  while (n > 0 && n < reason.size() && (uint8_t(reason[n]) & 0xc0) == 0x80) --n;
  payload.append(reason.substr(0, n));
  return encode(Opcode::close, payload);
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (size_t(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

bool valid_close_code(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

std::optional<FrameReader::Violation> FrameReader::feed(char* bytes, size_t size, const OnMessage& on_message) {
  if (failed_) return Violation{close_code::protocol_error, "connection already failed"};
  char* data = bytes;
  if (!partial_.empty()) {
    partial_.append(bytes, size);
    data = partial_.data();
    size = partial_.size();
  }
  size_t pos = 0;
  std::optional<Violation> err;
  while (pos < size) {
    size_t used = parse_one(data + pos, size - pos, on_message, err);
    if (err) {
      failed_ = true;
      partial_.clear();
      message_.clear();
      return err;
    }
    if (used == 0) break;
    pos += used;
  }
  if (data == partial_.data()) {
    partial_.erase(0, pos);
  } else {
    partial_.assign(data + pos, size - pos);
  }
  // An idle connection keeps no buffer.
  if (partial_.empty() && partial_.capacity() > 4096) std::string().swap(partial_);
  return std::nullopt;
}

size_t FrameReader::parse_one(char* data, size_t size, const OnMessage& on_message, std::optional<Violation>& err) {
  auto fail = [&](uint16_t code, std::string reason) {
    err = Violation{code, std::move(reason)};
    return size_t(0);
  };
  if (size < 2) return 0;
  uint8_t b0 = uint8_t(data[0]), b1 = uint8_t(data[1]);
  bool fin = b0 & 0x80;
  if (b0 & 0x70) return fail(close_code::protocol_error, "reserved bits set without an extension");
  auto op = Opcode(b0 & 0x0f);
  bool control = uint8_t(op) >= 8;
  switch (op) {
    case Opcode::continuation:
    case Opcode::text:
    case Opcode::binary:
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong:
      break;
    default:
      return fail(close_code::protocol_error, "unknown opcode " + std::to_string(int(op)));
  }
  if (!(b1 & 0x80)) return fail(close_code::protocol_error, "client frames must be masked");
  uint64_t len = b1 & 0x7f;
  size_t header = 2;
  if (control && (!fin || len > 125))
    return fail(close_code::protocol_error, "control frames are at most 125 bytes and not fragmented");
  if (len == 126) {
    if (size < 4) return 0;
    len = (uint64_t(uint8_t(data[2])) << 8) | uint8_t(data[3]);
    header = 4;
  } else if (len == 127) {
    if (size < 10) return 0;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | uint8_t(data[2 + i]);
    if (len >> 63) return fail(close_code::protocol_error, "payload length has its top bit set");
    header = 10;
  }
  if (!control) {
    if (op == Opcode::continuation && !in_message_)
      return fail(close_code::protocol_error, "continuation frame without a message");
    if (op != Opcode::continuation && in_message_)
      return fail(close_code::protocol_error, "new message before the last one ended");
    uint64_t total = (in_message_ ? message_.size() : 0) + len;
    if (total > max_message_)
      return fail(close_code::too_big, "message over " + std::to_string(max_message_) + " bytes");
  }
  header += 4;  // masking key
  if (size < header + len) return 0;
  char* payload = data + header;
  const char* key = data + header - 4;
  for (uint64_t i = 0; i < len; ++i) payload[i] ^= key[i & 3];
  std::string_view body(payload, size_t(len));

  if (control) {
    if (op == Opcode::close && len == 1) return fail(close_code::protocol_error, "close payload of one byte");
    if (op == Opcode::close && len >= 2) {
      // RFC 6455 5.5.1: a close body is a code, then a UTF-8 reason; a code not allowed on
      // the wire (7.4) fails the connection with 1002, a reason not UTF-8 with 1007 (8.1).
      uint16_t code = uint16_t((uint8_t(body[0]) << 8) | uint8_t(body[1]));
      if (!valid_close_code(code))
        return fail(close_code::protocol_error, "close code " + std::to_string(code) + " is not allowed on the wire");
      if (!valid_utf8(body.substr(2))) return fail(close_code::invalid_payload, "close reason is not UTF-8");
    }
    on_message(op, body);
    return header + len;
  }
  if (op != Opcode::continuation && fin) {
    if (op == Opcode::text && !valid_utf8(body)) return fail(close_code::invalid_payload, "text is not UTF-8");
    on_message(op, body);
    return header + len;
  }
  if (op != Opcode::continuation) {
    in_message_ = true;
    message_op_ = op;
    message_.assign(body);
    return header + len;
  }
  message_.append(body);
  if (fin) {
    in_message_ = false;
    if (message_op_ == Opcode::text && !valid_utf8(message_))
      return fail(close_code::invalid_payload, "text is not UTF-8");
    std::string whole = std::move(message_);
    message_.clear();
    on_message(message_op_, whole);
  }
  return header + len;
}

}  // namespace onair::realtime::ws
