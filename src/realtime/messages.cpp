#include "realtime/messages.hpp"

namespace onair::realtime {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (uint8_t(c) < 0x20) {
          out += "\\u00";
          out += kHex[uint8_t(c) >> 4];
          out += kHex[uint8_t(c) & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string welcome_json(std::string_view session, std::string_view user, uint32_t ping_interval_s) {
  std::string s = R"({"type":"welcome","session":)";
  append_json_string(s, session);
  s += R"(,"user":)";
  append_json_string(s, user);
  s += R"(,"ping_interval_s":)" + std::to_string(ping_interval_s) + "}";
  return s;
}

std::string ack_json(std::string_view id_json, uint64_t seq) {
  std::string s = R"({"type":"ack","id":)";
  s += id_json;
  if (seq) s += R"(,"seq":)" + std::to_string(seq);
  s += '}';
  return s;
}

std::string error_json(std::string_view id_json, std::string_view code, std::string_view message) {
  std::string s = R"({"type":"error")";
  if (!id_json.empty()) {
    s += R"(,"id":)";
    s += id_json;
  }
  s += R"(,"code":)";
  append_json_string(s, code);
  s += R"(,"message":)";
  append_json_string(s, message);
  s += '}';
  return s;
}

std::string subscribed_json(std::string_view room, uint64_t seq) {
  std::string s = R"({"type":"subscribed","room":)";
  append_json_string(s, room);
  s += R"(,"seq":)" + std::to_string(seq) + "}";
  return s;
}

std::string unsubscribed_json(std::string_view room, std::string_view reason) {
  std::string s = R"({"type":"unsubscribed","room":)";
  append_json_string(s, room);
  s += R"(,"reason":)";
  append_json_string(s, reason);
  s += '}';
  return s;
}

std::string gap_json(std::string_view room, uint64_t from, uint64_t to) {
  std::string s = R"({"type":"gap","room":)";
  append_json_string(s, room);
  s += R"(,"from":)" + std::to_string(from) + R"(,"to":)" + std::to_string(to) + "}";
  return s;
}

std::string batch_json(std::string_view room, std::string_view messages_joined) {
  std::string s;
  s.reserve(48 + room.size() + messages_joined.size());
  s += R"({"type":"batch","room":)";
  append_json_string(s, room);
  s += R"(,"messages":[)";
  s += messages_joined;
  s += "]}";
  return s;
}

}  // namespace onair::realtime
