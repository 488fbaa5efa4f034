#include "rooms/model.hpp"

namespace onair::rooms {

std::string stream_name(const std::string& room_id, const std::string& user) {
  return room_id + "-" + user;
}

bool parse_stream_name(const std::string& stream, std::string& room_id, std::string& user) {
  auto dash = stream.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == stream.size()) return false;
  for (size_t i = 0; i < dash; ++i)
    if (stream[i] < '0' || stream[i] > '9') return false;
  room_id = stream.substr(0, dash);
  user = stream.substr(dash + 1);
  return true;
}

}  // namespace onair::rooms
