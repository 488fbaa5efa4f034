#pragma once
// Logging: spdlog with key=value fields ("room={} user={}"). Never log tokens, keys, secrets
// or signatures; log the thing they authorise instead. Every line goes through a formatter
// that escapes control characters (\n, \r, ESC, DEL, C1), so a value from a client (a path,
// a stream or command name, a close reason) can neither forge a line nor drive a terminal.
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace onair {

// Sets the global level ("info", "debug", ...) and a pattern with time and thread.
void setup_logging(const std::string& level);

// The formatter setup_logging installs: time, level, thread, then the escaped message.
std::unique_ptr<spdlog::formatter> make_log_formatter();

// `s` with control characters and bytes that are not UTF-8 written as \xNN, and C1 controls
// and bidirectional overrides as \uNNNN.
std::string escape_controls(std::string_view s);

}  // namespace onair
