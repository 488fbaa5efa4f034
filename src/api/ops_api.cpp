// Operations: health, readiness, Prometheus metrics, the OpenAPI document, admin stats.
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "core/metrics.hpp"

namespace onair::embedded {
std::string_view openapi_yaml();
std::string_view docs_page();
std::string_view redoc_js();
}

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

Awaitable healthz(Services&, Request&) { co_return json_response(200, json::object{{"status", "ok"}}); }

Awaitable readyz(Services& s, Request&) {
  if (!s.ready.load())
    co_return Response::error(Error(ErrorCode::unavailable, "starting or shutting down"));
  co_return json_response(200, json::object{{"status", "ready"}});
}

Awaitable metrics_text(Services&, Request&) {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics().render();
  co_return r;
}

// An embedded file as a response body, copied once: the Redoc bundle is a megabyte.
Response embedded_file(std::string_view bytes, const char* content_type) {
  Response r;
  r.content_type = content_type;
  r.shared_body = std::make_shared<const std::string>(bytes);
  return r;
}

// The API reference page; it renders /docs/openapi.yaml with the Redoc bundle below.
Awaitable docs_page(Services&, Request&) {
  static const Response page = embedded_file(embedded::docs_page(), "text/html; charset=utf-8");
  co_return page;
}

Awaitable openapi_yaml(Services&, Request&) {
  static const Response doc = embedded_file(embedded::openapi_yaml(), "application/yaml; charset=utf-8");
  co_return doc;
}

Awaitable redoc_js(Services&, Request&) {
  static const Response script = embedded_file(embedded::redoc_js(), "text/javascript; charset=utf-8");
  co_return script;
}

Awaitable stats(Services& s, Request& req) {
  auto actor = authenticate_admin(s, req);
  if (!actor) co_return Response::error(actor.error());
  auto st = s.rooms.stats();
  co_return json_response(200, json::object{{"rooms", st.rooms},
                                            {"live_rooms", st.live_rooms},
                                            {"members", st.members},
                                            {"seats", st.seats},
                                            {"pks", st.pks},
                                            {"http_connections", s.http_connections()},
                                            {"webhook_backlog", s.webhook_backlog()},
                                            {"uptime_s", (unix_ms() - s.started_at_ms) / 1000},
                                            {"node_id", s.config.node_id}});
}

}  // namespace

void register_ops_routes(http::Router& router, Services& s) {
  router.add("GET", "/healthz", [&s](Request& r) { return healthz(s, r); });
  router.add("GET", "/readyz", [&s](Request& r) { return readyz(s, r); });
  router.add("GET", "/metrics", [&s](Request& r) { return metrics_text(s, r); });
  router.add("GET", "/docs", [&s](Request& r) { return docs_page(s, r); });
  router.add("GET", "/docs/openapi.yaml", [&s](Request& r) { return openapi_yaml(s, r); });
  router.add("GET", "/docs/redoc.standalone.js", [&s](Request& r) { return redoc_js(s, r); });
  router.add("GET", "/v1/admin/stats", [&s](Request& r) { return stats(s, r); });
}

void register_routes(http::Router& router, Services& s) {
  register_ops_routes(router, s);
  register_auth_routes(router, s);
  register_room_routes(router, s);
  register_seat_routes(router, s);
  register_pk_routes(router, s);
  register_gift_routes(router, s);
  register_media_routes(router, s);
  register_realtime_routes(router, s);
  register_webrtc_routes(router, s);
}

}  // namespace onair::api
