#pragma once
// Helpers shared by the REST handlers: authentication, JSON body parsing with field-level
// errors, rendering rooms with the signed media URLs a caller may see.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "api/services.hpp"
#include "http/message.hpp"
#include "rooms/model.hpp"

namespace onair::api {

// The bearer token (Authorization header, or ?token=) verified into an actor.
Result<rooms::Actor> authenticate(const Services& s, const http::Request& req);
Result<rooms::Actor> authenticate_admin(const Services& s, const http::Request& req);
// An actor whose token grants room `id` (permission_denied otherwise). Every route under
// /v1/rooms/{id} starts with it, reads and writes alike: a token scoped to another room
// sees and joins only that room (API.md "Auth"); tests/integration/room_scope_test.cpp
// tries a foreign room's token on each.
Result<rooms::Actor> authenticate_room(const Services& s, const http::Request& req, const std::string& id);

// A JSON object body. Each getter reports a 400 that names the field and why. Strings
// must be valid UTF-8 without control characters (core/text.hpp).
class Body {
 public:
  // An empty body is {} when `allow_empty`.
  static Result<Body> parse(const http::Request& req, bool allow_empty = false);

  Result<std::optional<std::string>> string(const char* key, size_t max_chars, bool required) const;
  Result<std::optional<int64_t>> integer(const char* key, int64_t min, int64_t max, bool required) const;
  Result<std::optional<bool>> boolean(const char* key) const;
  // A JSON object, re-serialised (metadata); at most `max_bytes` encoded.
  Result<std::optional<std::string>> object_text(const char* key, size_t max_bytes) const;
  const boost::json::object& object() const { return obj_; }

 private:
  boost::json::object obj_;
};

// Query parameters with the same error style.
Result<int> limit_param(const http::Request& req, int fallback, int max);

http::Response json_response(int status, const boost::json::value& v);
// A page of a list: {<key>: items, next_cursor: "..." | null}.
http::Response page_response(const char* key, boost::json::array items, const std::string& next_cursor);

// The public base URLs for this request (config, or the Host header).
std::string http_base(const Services& s, const http::Request& req);
std::string rtmp_base(const Services& s, const http::Request& req);

// A room as `viewer` sees it: every seat with its play URLs, the viewer's own seat with its
// publish URLs, the PK peer's play URLs.
boost::json::object render_room(const Services& s, const http::Request& req,
                                 const rooms::RoomView& v, const std::string& viewer);
boost::json::object render_seat(const Services& s, const http::Request& req,
                                const std::string& room_id, const rooms::Seat& seat,
                                const std::string& viewer);

std::string utf8_chars_error(const char* key);
// Counts UTF-8 code points; false on invalid UTF-8.
bool utf8_length(std::string_view s, size_t& out);

}  // namespace onair::api
