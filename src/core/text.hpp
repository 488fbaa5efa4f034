#pragma once
// Checks for text that people see: room titles, display names, ids a client sends. Such
// text is shown in apps, logs and consoles, and stored; control characters in it forge
// lines, hide text, cut C strings short (NUL) or drive terminals (ESC), so it is refused
// at the edge. Pure.
#include <string_view>

namespace onair {

// True when `utf8` holds a control character: C0 (U+0000..U+001F, tab and newline
// included), DEL (U+007F) or C1 (U+0080..U+009F, UTF-8 0xC2 0x80..0x9F). Expects valid
// UTF-8; bytes of other sequences are not looked at.
bool has_control_chars(std::string_view utf8);

}  // namespace onair
