#pragma once
// Client tokens: HS256 JWTs whose header `kid` names the API key that signed them
// (API.md "Auth"). TokenKeys holds the keys and both signs and verifies. Thread-safe after
// construction (read-only).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace onair::auth {

// What a token allows. `room` is one room id or "*" for all rooms.
struct Grants {
  std::string room = "*";
  std::string role = "member";  // anchor | cohost | audience | member
  bool publish = true;
  bool subscribe = true;
  bool chat = true;
  bool admin = false;

  bool allows_room(std::string_view id) const { return admin || room == "*" || room == id; }
};

struct Claims {
  std::string sub;   // user id
  std::string name;  // display name
  int64_t iat = 0;
  int64_t nbf = 0;
  int64_t exp = 0;
  Grants grants;
  std::string kid;
};

// A user id is 1..64 of [A-Za-z0-9_.@-]: it appears in stream names and URLs as is.
bool valid_user_id(std::string_view id);
bool valid_role(std::string_view role);

// Default grants of a role: an audience member may not publish unless told so.
Grants grants_for_role(std::string role);

class TokenKeys {
 public:
  // keys: API key -> secret. Must not be empty.
  explicit TokenKeys(std::map<std::string, std::string> keys);

  // Signs with `kid` (the first key when empty).
  std::string sign(const Claims& claims, const std::string& kid = {}) const;

  // Checks structure, alg, kid, signature, exp and nbf (with `leeway_s`), claim types.
  // Errors are `unauthenticated` with a message that says why, never echoing the token.
  Result<Claims> verify(std::string_view token, int64_t now_s, int64_t leeway_s) const;

  const std::string& first_kid() const { return keys_.begin()->first; }

 private:
  std::map<std::string, std::string> keys_;
};

}  // namespace onair::auth
