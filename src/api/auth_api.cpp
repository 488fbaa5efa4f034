// Tokens and phone login: API.md "Auth".
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "core/log.hpp"
#include "http/client.hpp"
#include "webhooks/dispatcher.hpp"

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

Awaitable issue_token(Services& s, Request& req) {
  auto actor = authenticate_admin(s, req);
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto user = body->string("user", 64, true);
  if (!user) co_return Response::error(user.error());
  if (!auth::valid_user_id(**user))
    co_return Response::error(Error(ErrorCode::invalid_argument, "user: 1..64 of [A-Za-z0-9_.@-]"));
  auto name = body->string("name", 64, false);
  if (!name) co_return Response::error(name.error());
  auto room = body->string("room", 32, false);
  if (!room) co_return Response::error(room.error());
  auto role = body->string("role", 16, false);
  if (!role) co_return Response::error(role.error());
  if (*role && !auth::valid_role(**role))
    co_return Response::error(Error(ErrorCode::invalid_argument, "role: must be anchor, cohost, audience or member"));
  auto ttl = body->integer("ttl_s", 1, s.config.auth.max_token_ttl_s, false);
  if (!ttl) co_return Response::error(ttl.error());

  auth::Claims c;
  c.sub = **user;
  c.name = name->value_or("");
  c.grants = auth::grants_for_role(role->value_or("member"));
  c.grants.room = room->value_or("*");
  if (auto g = body->object().find("grants"); g != body->object().end() && !g->value().is_null()) {
    if (!g->value().is_object())
      co_return Response::error(Error(ErrorCode::invalid_argument, "grants: must be an object"));
    for (const auto& [k, v] : g->value().as_object()) {
      bool* slot = k == "publish" ? &c.grants.publish
                   : k == "subscribe" ? &c.grants.subscribe
                   : k == "chat" ? &c.grants.chat
                   : k == "admin" ? &c.grants.admin
                                  : nullptr;
      if (slot == nullptr)
        co_return Response::error(Error(ErrorCode::invalid_argument,
                                        "grants." + std::string(k) + ": unknown grant (publish, subscribe, chat, admin)"));
      if (!v.is_bool())
        co_return Response::error(Error(ErrorCode::invalid_argument, "grants." + std::string(k) + ": must be true or false"));
      *slot = v.as_bool();
    }
  }
  c.iat = unix_s();
  c.exp = c.iat + ttl->value_or(3600);
  std::string token = s.keys.sign(c);
  co_return json_response(200, json::object{{"token", token}, {"expires_at", c.exp * 1000}});
}

Awaitable sms_send(Services& s, Request& req) {
  if (!s.config.auth.sms.enabled)
    co_return Response::error(Error(ErrorCode::not_found, "phone login is off (auth.sms.enabled)"));
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto phone = body->string("phone", 16, true);
  if (!phone) co_return Response::error(phone.error());
  auto code = s.sms.issue(**phone, req.remote_ip, unix_ms());
  if (!code) co_return Response::error(code.error());
  if (s.config.auth.sms.sender == "log") {
    // The development sender: the code goes to the server log, by design.
    spdlog::info("sms: login code phone={} code={}", **phone, *code);
  } else {
    std::string payload = json::serialize(json::object{{"phone", **phone}, {"code", *code}});
    // Signed like webhooks, with the first API secret, so the SMS gateway can trust it.
    std::string signature = webhooks::webhook_signature(s.config.auth.keys.begin()->second, payload);
    auto sent = co_await run_on(s.workers, [&] {
      return http::post_json(s.config.auth.sms.url, payload, {{"X-Onair-Signature", signature}}, 5000);
    });
    if (!sent || sent->status < 200 || sent->status >= 300) {
      spdlog::warn("sms: sender failed phone={} error={}", auth::mask_phone(**phone),
                   sent ? "status " + std::to_string(sent->status) : sent.error().message());
      co_return Response::error(Error(ErrorCode::unavailable, "the SMS sender failed; retry later"));
    }
  }
  co_return Response::no_content();
}

Awaitable sms_verify(Services& s, Request& req) {
  if (!s.config.auth.sms.enabled)
    co_return Response::error(Error(ErrorCode::not_found, "phone login is off (auth.sms.enabled)"));
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto phone = body->string("phone", 16, true);
  if (!phone) co_return Response::error(phone.error());
  auto code = body->string("code", 12, true);
  if (!code) co_return Response::error(code.error());
  if (auto ok = s.sms.verify(**phone, **code, unix_ms()); !ok) co_return Response::error(ok.error());
  std::string new_id = "u" + s.ids.next_string();
  auto user = co_await run_on(s.workers, [&] { return s.store.user_for_phone(**phone, new_id, unix_ms()); });
  if (!user) co_return Response::error(user.error());
  auth::Claims c;
  c.sub = user->id;
  c.name = user->name;
  c.grants = auth::grants_for_role("member");
  c.iat = unix_s();
  c.exp = c.iat + s.config.auth.sms.token_ttl_s;
  co_return json_response(200, json::object{{"token", s.keys.sign(c)},
                                            {"expires_at", c.exp * 1000},
                                            {"user", json::object{{"id", user->id}, {"name", user->name}}}});
}

}  // namespace

void register_auth_routes(http::Router& router, Services& s) {
  router.add("POST", "/v1/tokens", [&s](Request& r) { return issue_token(s, r); });
  router.add("POST", "/v1/auth/sms/send", [&s](Request& r) { return sms_send(s, r); });
  router.add("POST", "/v1/auth/sms/verify", [&s](Request& r) { return sms_verify(s, r); });
}

}  // namespace onair::api
