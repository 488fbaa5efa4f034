// Gifts and likes: API.md "Gifts and likes". A priced gift is paid for through the
// configured payment URL on a worker thread, between the two halves of the rooms service's
// gift operation, so the strand never waits on the network.
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/client.hpp"
#include "rooms/json.hpp"
#include "webhooks/dispatcher.hpp"

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

Awaitable catalog(Services& s, Request& req) {
  auto actor = authenticate(s, req);
  if (!actor) co_return Response::error(actor.error());
  json::array out;
  for (const auto& g : s.config.gifts.catalog)
    out.push_back(json::object{{"id", g.id}, {"name", g.name}, {"price", g.price}, {"icon", g.icon}});
  co_return json_response(200, json::object{{"gifts", std::move(out)}});
}

// Asks the payment service to charge for `g`. Ok when it answers {"code": 0}.
Result<void> charge(const Services& s, const rooms::Gift& g, const std::string& anchor) {
  std::string body = json::serialize(json::object{{"biz_id", g.biz_id},     {"user_id", g.from_user},
                                                  {"room_id", g.room_id},   {"anchor_id", anchor},
                                                  {"to", g.to_user},        {"gift_id", g.gift_id},
                                                  {"amount", g.amount},     {"value", g.value}});
  std::string secret = s.config.gifts.payment_secret.empty() ? s.config.auth.keys.begin()->second
                                                             : s.config.gifts.payment_secret;
  auto res = http::post_json(s.config.gifts.payment_url, body,
                             {{"X-Onair-Signature", webhooks::webhook_signature(secret, body)}},
                             s.config.gifts.payment_timeout_ms);
  if (!res) {
    spdlog::warn("gifts: payment call failed biz_id={} error={}", g.biz_id, res.error().message());
    return fail(ErrorCode::unavailable,
                "the payment service could not be reached; retry with the same biz_id");
  }
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  if (res->status < 200 || res->status >= 300 || ec || !v.is_object()) {
    spdlog::warn("gifts: payment service answered status={} biz_id={}", res->status, g.biz_id);
    return fail(ErrorCode::unavailable,
                "the payment service gave no valid answer; retry with the same biz_id");
  }
  const auto& o = v.as_object();
  auto code = o.find("code");
  if (code != o.end() && code->value().is_number() && code->value().to_number<double>() == 0) return {};
  std::string message = "payment refused";
  if (auto m = o.find("message"); m != o.end() && m->value().is_string())
    message += ": " + std::string(m->value().as_string().subview().substr(0, 200));
  return fail(ErrorCode::payment_rejected, message);
}

Awaitable send(Services& s, Request& req) {
  static Counter& gifts = metrics().counter("onair_gifts_total", "Gifts recorded");
  static Counter& value = metrics().counter("onair_gift_value_total", "Value of gifts recorded (price x amount)");
  static Counter& refused = metrics().counter("onair_gift_payments_refused_total", "Gifts the payment service refused");
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  rooms::SendGift g;
  auto gift_id = body->integer("gift_id", 1, INT64_MAX, true);
  if (!gift_id) co_return Response::error(gift_id.error());
  g.gift_id = **gift_id;
  auto amount = body->integer("amount", 1, s.config.gifts.max_amount, false);
  if (!amount) co_return Response::error(amount.error());
  g.amount = amount->value_or(1);
  auto to = body->string("to", 64, false);
  if (!to) co_return Response::error(to.error());
  g.to = to->value_or("");
  auto biz = body->string("biz_id", 128, true);
  if (!biz) co_return Response::error(biz.error());
  g.biz_id = **biz;
  const auto& id = req.param("id");
  auto plan = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.plan_gift(*actor, id, g, unix_ms()); });
  if (!plan) co_return Response::error(plan.error());
  if (plan->done) {
    // A repeated biz_id: the first answer, never a second charge.
    if (plan->done->room_id != id)
      co_return Response::error(Error(ErrorCode::conflict, "biz_id: already used in another room"));
    co_return json_response(201, rooms::gift_json(*plan->done));
  }
  if (!s.config.gifts.payment_url.empty() && plan->pending.value > 0) {
    auto paid = co_await run_on(s.workers, [&] { return charge(s, plan->pending, plan->anchor); });
    if (!paid) {
      if (paid.error().code() == ErrorCode::payment_rejected) refused.inc();
      co_await s.rooms.call([&](rooms::RoomService& svc) {
        svc.abandon_gift(plan->pending);
        return 0;
      });
      co_return Response::error(paid.error());
    }
  }
  auto done = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.complete_gift(plan->pending, unix_ms()); });
  if (!done) co_return Response::error(done.error());
  gifts.inc();
  value.inc(static_cast<uint64_t>(done->value));
  co_return json_response(201, rooms::gift_json(*done));
}

// Open or closed (a closed room keeps its gift history): not_found only for unknown ids.
boost::asio::awaitable<Result<void>> room_exists(Services& s, const std::string& id) {
  auto row = co_await run_on(s.workers, [&] { return s.store.room(id); });
  if (!row) co_return std::unexpected(row.error());
  if (!*row) co_return fail(ErrorCode::not_found, "room " + id + " not found");
  co_return Result<void>{};
}

Awaitable history(Services& s, Request& req) {
  const auto& id = req.param("id");
  auto actor = authenticate_room(s, req, id);
  if (!actor) co_return Response::error(actor.error());
  auto limit = limit_param(req, 50, 200);
  if (!limit) co_return Response::error(limit.error());
  std::string cursor = req.query_param("cursor").value_or("");
  if (!cursor.empty() && (cursor.size() > 20 || cursor.find_first_not_of("0123456789") != std::string::npos))
    co_return Response::error(Error(ErrorCode::invalid_argument, "cursor: not a cursor this API returned"));
  int n = *limit;
  if (auto known = co_await room_exists(s, id); !known) co_return Response::error(known.error());
  auto rows = co_await run_on(s.workers, [&] { return s.store.gifts(id, cursor, n + 1); });
  if (!rows) co_return Response::error(rows.error());
  json::array out;
  std::string next;
  for (const auto& g : *rows) {
    if (static_cast<int>(out.size()) == n) {
      next = (*rows)[n - 1].id;
      break;
    }
    out.push_back(rooms::gift_json(g));
  }
  co_return page_response("gifts", std::move(out), next);
}

Awaitable rank(Services& s, Request& req) {
  const auto& id = req.param("id");
  auto actor = authenticate_room(s, req, id);
  if (!actor) co_return Response::error(actor.error());
  auto limit = limit_param(req, 10, 100);
  if (!limit) co_return Response::error(limit.error());
  int n = *limit;
  if (auto known = co_await room_exists(s, id); !known) co_return Response::error(known.error());
  auto rows = co_await run_on(s.workers, [&] { return s.store.gift_rank(id, n); });
  if (!rows) co_return Response::error(rows.error());
  json::array out;
  for (const auto& r : *rows) out.push_back(json::object{{"user", r.user}, {"name", r.name}, {"value", r.value}});
  co_return json_response(200, json::object{{"rank", std::move(out)}});
}

Awaitable like(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req, true);
  if (!body) co_return Response::error(body.error());
  auto count = body->integer("count", 1, 1000, false);
  if (!count) co_return Response::error(count.error());
  const auto& id = req.param("id");
  int64_t n = count->value_or(1);
  auto total = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.like(*actor, id, n, unix_ms()); });
  if (!total) co_return Response::error(total.error());
  co_return json_response(200, json::object{{"total", *total}});
}

}  // namespace

void register_gift_routes(http::Router& router, Services& s) {
  router.add("GET", "/v1/gifts", [&s](Request& r) { return catalog(s, r); });
  router.add("POST", "/v1/rooms/{id}/gifts", [&s](Request& r) { return send(s, r); });
  router.add("GET", "/v1/rooms/{id}/gifts", [&s](Request& r) { return history(s, r); });
  router.add("GET", "/v1/rooms/{id}/gifts/rank", [&s](Request& r) { return rank(s, r); });
  router.add("POST", "/v1/rooms/{id}/likes", [&s](Request& r) { return like(s, r); });
}

}  // namespace onair::api
