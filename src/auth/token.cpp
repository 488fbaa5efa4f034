#include "auth/token.hpp"

#include <boost/json.hpp>

#include <stdexcept>

#include "auth/crypto.hpp"
#include "core/text.hpp"

namespace onair::auth {
namespace json = boost::json;

bool valid_user_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_role(std::string_view role) {
  return role == "anchor" || role == "cohost" || role == "audience" || role == "member";
}

Grants grants_for_role(std::string role) {
  Grants g;
  g.publish = role != "audience";
  g.role = std::move(role);
  return g;
}

TokenKeys::TokenKeys(std::map<std::string, std::string> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("TokenKeys: no keys");
}

std::string TokenKeys::sign(const Claims& c, const std::string& kid) const {
  const std::string& use = kid.empty() ? first_kid() : kid;
  auto it = keys_.find(use);
  if (it == keys_.end()) throw std::invalid_argument("TokenKeys: unknown kid");
  json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", use}};
  json::object grants{{"room", c.grants.room},       {"role", c.grants.role},
                      {"publish", c.grants.publish}, {"subscribe", c.grants.subscribe},
                      {"chat", c.grants.chat},       {"admin", c.grants.admin}};
  json::object payload{{"sub", c.sub}, {"iat", c.iat}, {"exp", c.exp}, {"grants", grants}};
  if (!c.name.empty()) payload["name"] = c.name;
  if (c.nbf != 0) payload["nbf"] = c.nbf;
  std::string signing_input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  return signing_input + "." + base64url_encode(hmac_sha256(it->second, signing_input));
}

namespace {

Result<int64_t> int_claim(const json::object& o, const char* key, bool required) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) return fail(ErrorCode::unauthenticated, std::string("token has no ") + key);
    return 0;
  }
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64() && it->value().as_uint64() < (1ull << 62))
    return static_cast<int64_t>(it->value().as_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().as_double());
  return fail(ErrorCode::unauthenticated, std::string("token claim ") + key + " is not a number");
}

Result<bool> bool_claim(const json::object& o, const char* key, bool fallback) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->value().is_bool())
    return fail(ErrorCode::unauthenticated, std::string("token grant ") + key + " is not a boolean");
  return it->value().as_bool();
}

}  // namespace

Result<Claims> TokenKeys::verify(std::string_view token, int64_t now_s, int64_t leeway_s) const {
  auto bad = [](const char* why) { return fail(ErrorCode::unauthenticated, why); };
  if (token.empty()) return bad("missing token");
  if (token.size() > 8192) return bad("token too long");
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return bad("malformed token");
  auto header_raw = base64url_decode(token.substr(0, dot1));
  auto payload_raw = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header_raw || !payload_raw || !sig) return bad("malformed token encoding");

  boost::system::error_code ec;
  json::value header = json::parse(*header_raw, ec);
  if (ec || !header.is_object()) return bad("malformed token header");
  const auto& h = header.as_object();
  auto alg = h.find("alg");
  if (alg == h.end() || !alg->value().is_string() || alg->value().as_string() != "HS256")
    return bad("token algorithm must be HS256");
  auto kid = h.find("kid");
  if (kid == h.end() || !kid->value().is_string()) return bad("token has no kid");
  auto key = keys_.find(std::string(kid->value().as_string()));
  if (key == keys_.end()) return bad("token signed by an unknown key");
  if (!equal_constant_time(*sig, hmac_sha256(key->second, token.substr(0, dot2))))
    return bad("token signature is invalid");

  json::value payload = json::parse(*payload_raw, ec);
  if (ec || !payload.is_object()) return bad("malformed token payload");
  const auto& p = payload.as_object();
  Claims c;
  c.kid = key->first;
  auto sub = p.find("sub");
  if (sub == p.end() || !sub->value().is_string() || !valid_user_id(sub->value().as_string()))
    return bad("token sub must be a user id of [A-Za-z0-9_.@-], 1..64 chars");
  c.sub = std::string(sub->value().as_string());
  if (auto name = p.find("name"); name != p.end()) {
    if (!name->value().is_string()) return bad("token name is not a string");
    c.name = std::string(name->value().as_string());
    // The name is shown to everyone in the room (members, chat, gifts): the same rule as
    // for names given through the API, for tokens minted elsewhere with the API secret.
    if (has_control_chars(c.name)) return bad("token name has control characters");
  }
  auto exp = int_claim(p, "exp", true);
  if (!exp) return std::unexpected(exp.error());
  auto nbf = int_claim(p, "nbf", false);
  if (!nbf) return std::unexpected(nbf.error());
  auto iat = int_claim(p, "iat", false);
  if (!iat) return std::unexpected(iat.error());
  c.exp = *exp;
  c.nbf = *nbf;
  c.iat = *iat;
  if (c.exp + leeway_s < now_s) return bad("token expired");
  if (c.nbf != 0 && c.nbf - leeway_s > now_s) return bad("token not yet valid");

  if (auto g = p.find("grants"); g != p.end()) {
    if (!g->value().is_object()) return bad("token grants is not an object");
    const auto& go = g->value().as_object();
    if (auto room = go.find("room"); room != go.end()) {
      if (!room->value().is_string()) return bad("token grant room is not a string");
      c.grants.room = std::string(room->value().as_string());
    }
    if (auto role = go.find("role"); role != go.end()) {
      if (!role->value().is_string() || !valid_role(role->value().as_string()))
        return bad("token grant role is unknown");
      c.grants.role = std::string(role->value().as_string());
    }
    auto publish = bool_claim(go, "publish", c.grants.role != "audience");
    auto subscribe = bool_claim(go, "subscribe", true);
    auto chat = bool_claim(go, "chat", true);
    auto admin = bool_claim(go, "admin", false);
    for (auto* r : {&publish, &subscribe, &chat, &admin})
      if (!*r) return std::unexpected(r->error());
    c.grants.publish = *publish;
    c.grants.subscribe = *subscribe;
    c.grants.chat = *chat;
    c.grants.admin = *admin;
  }
  return c;
}

}  // namespace onair::auth
