#include "app/serve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <atomic>

#include "api/services.hpp"
#include "auth/sms_login.hpp"
#include "auth/stream_signer.hpp"
#include "auth/token.hpp"
#include "bus/bus.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/loops.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "media/rtmp/rtmp_server.hpp"
#include "media/stream/stream_access.hpp"
#include "media/stream/stream_hub.hpp"
#include "media/webrtc/webrtc_service.hpp"
#include "realtime/gateway.hpp"
#include "rooms/room_strand.hpp"
#include "store/store.hpp"
#include "webhooks/dispatcher.hpp"

extern "C" {
#include <libavutil/log.h>
}

namespace onair::app {

namespace {

void print_welcome(const Config& config, const auth::TokenKeys& keys, uint16_t port) {
  auth::Claims c;
  c.sub = "admin";
  c.name = "admin";
  c.grants.admin = true;
  c.iat = unix_s();
  c.exp = c.iat + 30 * 24 * 3600;
  std::string token = keys.sign(c);
  std::string base = fmt::format("http://127.0.0.1:{}", port);
  // Printed once, on the first start, to the terminal only (not the log).
  fmt::print(
      "\nonair: first start. An API key and secret were created in {}/secrets.yaml.\n"
      "An admin token, valid for 30 days:\n\n  export ONAIR_TOKEN={}\n\n"
      "Next, try:\n"
      "  curl -s -X POST {}/v1/rooms -H \"Authorization: Bearer $ONAIR_TOKEN\" -d '{{\"kind\":\"live\",\"title\":\"hello\"}}'\n"
      "  curl -s {}/v1/rooms -H \"Authorization: Bearer $ONAIR_TOKEN\"\n"
      "  onair token --user alice --name Alice      # a token for one of your users\n"
      "  onair url --stream <room>-<user> --action publish   # a signed RTMP URL\n"
      "  open {}/docs for the whole API.\n\n",
      config.data_dir, token, base, base, base);
  std::fflush(stdout);
}

}  // namespace

int serve(Config config, bool created_secrets) {
  // FFmpeg (the bridges' codecs) logs to stderr: only its errors, not its chatter.
  av_log_set_level(AV_LOG_ERROR);
  // Signals are taken by sigwait on this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto store = store::open_store(config);
  if (!store) {
    spdlog::critical("{}", store.error().message());
    return 1;
  }
  auto mode = auth::parse_sign_mode(config.media.auth);
  auth::TokenKeys keys(config.auth.keys);
  auth::StreamSigner signer(*mode, config.media.key, config.media.play_key);
  auth::SmsLogin sms(config.auth.sms);
  Snowflake ids(config.node_id);
  bus::Bus bus;

  std::unique_ptr<rooms::RoomStrand> strand;
  try {
    strand = std::make_unique<rooms::RoomStrand>(config, **store, bus, ids);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  if (auto r = strand->service().restore(unix_ms()); !r) {
    spdlog::critical("{}", r.error().message());
    return 1;
  }
  webhooks::WebhookDispatcher dispatcher(config, **store);
  strand->service().on_webhooks_queued([&dispatcher] { dispatcher.notify(); });
  dispatcher.start();
  strand->start();

  // Streams going up and down mark their seats (and rooms) live, through the rooms strand.
  media::StreamHub hub(config.media.gop_max_bytes, config.media.audio_cache_ms);
  hls::HlsService hls(config.hls.segment_s, config.hls.window, config.hls.dispose_s);
  hub.add_tap(hls);  // HLS for every stream, whatever protocol publishes it
  rooms::RoomStrand* rooms_strand = strand.get();
  auto stream_state = [rooms_strand](const std::string& name, bool live) {
    boost::asio::post(rooms_strand->executor(), [rooms_strand, name, live] {
      if (auto r = rooms_strand->service().set_stream_live(name, live, unix_ms()); !r)
        spdlog::debug("media: stream={} is not a seat's: {}", name, r.error().message());
    });
  };
  hub.on_publish = [stream_state](const std::string& name) { stream_state(name, true); };
  hub.on_unpublish = [stream_state](const std::string& name) { stream_state(name, false); };

  EventLoops loops(config.threads);
  boost::asio::thread_pool workers(std::max<uint32_t>(1, config.workers));
  std::atomic<bool> ready{false};
  http::Router router;
  http::HttpServer server(config.http, config.log.access, loops, router);
  realtime::Gateway gateway(config, loops, keys, bus, *strand);
  webrtc::WebRtcService webrtc_service(config, loops, hub);
  // The loudest publisher of a room, as a room event (REALTIME.md: active_speaker).
  webrtc_service.on_active_speaker = [&gateway, &loops](const std::string& room, const std::string& user,
                                                        const std::string& stream) {
    boost::json::object o;
    o["user"] = user.empty() ? boost::json::value(nullptr) : boost::json::value(user);
    o["stream"] = stream.empty() ? boost::json::value(nullptr) : boost::json::value(stream);
    boost::asio::co_spawn(
        loops.at(0),
        [&gateway, room, body = boost::json::serialize(o)]() -> boost::asio::awaitable<void> {
          co_await gateway.room_message(room, "active_speaker", body);
        },
        boost::asio::detached);
  };
  // A seat's stream publishes only while its user holds the seat; losing it stops the publish
  // on every protocol (StreamAccess) and the user's WebRTC sessions (WebRtcService).
  media::StreamAccess access(signer, hub, config.media.play_auth);
  access.seat_holder = [rooms_strand](std::string room, std::string user) {
    return rooms_strand->holds_seat(std::move(room), std::move(user));
  };
  access.watch(bus);
  webrtc_service.watch(bus);
  webrtc::WebRtcService* rtc = &webrtc_service;
  api::Services services{config,
                         keys,
                         signer,
                         *strand,
                         **store,
                         sms,
                         workers.get_executor(),
                         ids,
                         [&dispatcher] { return dispatcher.backlog(); },
                         [&server] { return server.connections(); },
                         ready,
                         unix_ms(),
                         hub,
                         access,
                         hls,
                         gateway,
                         webrtc_service};
  api::register_routes(router, services);

  auto& m = metrics();
  rooms::RoomStrand* sp = strand.get();
  m.gauge_fn("onair_rooms", "Open rooms", [sp] { return double(sp->stats().rooms); });
  m.gauge_fn("onair_rooms_live", "Rooms with a live seat", [sp] { return double(sp->stats().live_rooms); });
  m.gauge_fn("onair_room_members", "Members in open rooms", [sp] { return double(sp->stats().members); });
  m.gauge_fn("onair_room_seats", "Seats taken", [sp] { return double(sp->stats().seats); });
  m.gauge_fn("onair_pks", "PKs inviting or active", [sp] { return double(sp->stats().pks); });
  m.gauge_fn("onair_webhook_queue", "Webhook jobs waiting for delivery",
             [&dispatcher] { return double(dispatcher.backlog()); });
  m.gauge_fn("onair_http_connections", "Open HTTP connections", [&server] { return double(server.connections()); });

  if (auto r = server.start(); !r) {
    spdlog::critical("{}", r.error().message());
    strand->stop();
    dispatcher.stop();
    (*store)->close();
    return 1;
  }
  rtmp::RtmpServer rtmp_server(config, loops, hub, access);
  if (auto r = rtmp_server.start(); !r) {
    spdlog::critical("{}", r.error().message());
    server.stop(0);
    strand->stop();
    dispatcher.stop();
    (*store)->close();
    return 1;
  }
  if (auto r = webrtc_service.start(); !r) {
    spdlog::critical("{}", r.error().message());
    rtmp_server.stop();
    server.stop(0);
    strand->stop();
    dispatcher.stop();
    (*store)->close();
    return 1;
  }
  m.gauge_fn("onair_webrtc_publishers", "WHIP sessions", [rtc] { return double(rtc->stats().publishers); });
  m.gauge_fn("onair_webrtc_subscribers", "WHEP sessions", [rtc] { return double(rtc->stats().subscribers); });
  // Prometheus names carry base units: seconds.
  m.gauge_fn("onair_webrtc_loop_lag_seconds",
             "How late the WebRTC loop's 20 ms tick runs (smoothed; over 0.1 new sessions get 503)",
             [rtc] { return rtc->stats().loop_lag_ms / 1000.0; });
  m.counter_fn("onair_webrtc_packets_in_total", "RTP packets received from publishers",
               [rtc] { return double(rtc->stats().packets_in); });
  m.counter_fn("onair_webrtc_packets_out_total", "RTP packets sent to viewers",
               [rtc] { return double(rtc->stats().packets_out); });
  m.counter_fn("onair_webrtc_nacks_total", "Packets viewers asked again for (NACK)",
               [rtc] { return double(rtc->stats().nacks); });
  m.counter_fn("onair_webrtc_retransmits_total", "NACKed packets resent from the cache",
               [rtc] { return double(rtc->stats().retransmits); });
  loops.start();
  gateway.start();
  ready = true;
  spdlog::info("onair serving http={} port={} rtmp_port={} webrtc_udp_port={} loops={} node_id={} store={} media_auth={}",
               config.http.addr, server.port(), rtmp_server.port(), webrtc_service.udp_port(), loops.size(),
               config.node_id, config.store.driver, config.media.auth);
  if (created_secrets) print_welcome(config, keys, server.port());

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("onair: {} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  ready = false;
  access.unwatch();
  webrtc_service.stop();
  rtmp_server.stop();
  gateway.stop();
  server.stop(5000);
  loops.stop();
  loops.join();
  workers.join();
  strand->stop();
  dispatcher.stop();
  (*store)->close();
  spdlog::info("onair: stopped cleanly");
  spdlog::shutdown();
  return 0;
}

}  // namespace onair::app
