#pragma once
// First-start secrets: with no `auth.keys` (or no `media.key` / `media.play_key`) configured,
// onair keeps a generated API key + secret and the media signing keys in
// <data_dir>/secrets.yaml (mode 0600), creating it on first start, so a new user can call
// the API at once.
#include <string>

#include "core/config.hpp"

namespace onair::app {

struct SecretsOutcome {
  bool created = false;  // an API key was generated just now (first start)
  std::string path;
};

// Fills config.auth.keys, config.media.key and config.media.play_key from the file where
// the config left them empty. Throws std::runtime_error when the file cannot be read or written.
SecretsOutcome ensure_secrets(Config& config);

}  // namespace onair::app
