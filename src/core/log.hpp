#pragma once
// Logging: spdlog with key=value fields ("room={} user={}"). Never log tokens, keys, secrets
// or signatures; log the thing they authorise instead.
#include <spdlog/spdlog.h>

#include <string>

namespace onair {

// Sets the global level ("info", "debug", ...) and a pattern with time and thread.
void setup_logging(const std::string& level);

}  // namespace onair
