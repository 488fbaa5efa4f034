#pragma once
// The JSON text of the gateway's own messages (REALTIME.md), written by hand into strings:
// they are small and made often, and their shape is fixed.
#include <cstdint>
#include <string>
#include <string_view>

namespace onair::realtime {

// Appends `s` as a JSON string literal (quotes included). `s` is valid UTF-8.
void append_json_string(std::string& out, std::string_view s);

std::string welcome_json(std::string_view session, std::string_view user, uint32_t ping_interval_s);
std::string ack_json(std::string_view id_json, uint64_t seq);  // seq 0: none
std::string error_json(std::string_view id_json, std::string_view code, std::string_view message);
std::string subscribed_json(std::string_view room, uint64_t seq);
std::string unsubscribed_json(std::string_view room, std::string_view reason);
std::string gap_json(std::string_view room, uint64_t from, uint64_t to);
// {"type":"batch","room":..,"messages":[...]} from messages already encoded.
std::string batch_json(std::string_view room, std::string_view messages_joined);

}  // namespace onair::realtime
