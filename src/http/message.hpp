#pragma once
// Request and Response as handlers see them: plain values, free of Beast types, so the API
// handlers compile without the HTTP machinery.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace onair::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  std::string query;   // raw, without '?'
  std::string body;
  // Views into the parsed message, valid while the request is being handled.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string remote_ip;
  std::map<std::string, std::string> params;  // path parameters ({id} -> value)

  // The value of a header (name compared case-insensitively), or empty.
  std::string_view header(std::string_view name) const;
  // The decoded value of a query parameter, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  const std::string& param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string body;
  // Immutable bytes shared with other responses (HLS segments); sent instead of `body`.
  std::shared_ptr<const std::string> shared_body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, std::string body);
  static Response no_content();
  // API.md error model: {"error":{"code","message"}} with the code's status.
  static Response error(const Error& e);
};

// Percent-decoding; '+' is a space only in query strings. nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace onair::http
