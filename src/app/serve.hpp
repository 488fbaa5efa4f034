#pragma once
// `onair serve`: builds every part from the config, runs until SIGINT/SIGTERM, then shuts
// down in order (stop accepting, finish responses, stop the rooms strand, flush the store).
#include "core/config.hpp"

namespace onair::app {

// Returns the process exit code.
int serve(Config config, bool first_start_created_secrets);

}  // namespace onair::app
