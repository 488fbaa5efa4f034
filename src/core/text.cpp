#include "core/text.hpp"

namespace onair {

bool has_control_chars(std::string_view utf8) {
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x20 || c == 0x7f) return true;
    // C1 controls are the two-byte sequences C2 80..C2 9F; C2 is only ever a lead byte.
    if (c == 0xc2 && i + 1 < utf8.size()) {
      auto next = static_cast<unsigned char>(utf8[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return true;
    }
  }
  return false;
}

}  // namespace onair
