#pragma once
// A small blocking HTTP/1.1 client for outbound calls (webhooks, the payment callback, the
// SMS sender). Blocking by design: it runs on the worker pool, never on an event loop.
// http:// and https:// (certificates verified against the system store).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace onair::http {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// POSTs `body` as application/json with extra `headers`; fails with `unavailable` on
// network errors and timeouts. The response body is capped at 1 MiB.
Result<ClientResponse> post_json(const std::string& url, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 uint32_t timeout_ms);

}  // namespace onair::http
