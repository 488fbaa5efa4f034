#pragma once
// What the REST handlers may use. Built by the application at start; handlers hold a
// reference and only call these (room state only through the RoomStrand).
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <functional>

#include "auth/sms_login.hpp"
#include "auth/stream_signer.hpp"
#include "auth/token.hpp"
#include "core/config.hpp"
#include "core/ids.hpp"
#include "http/router.hpp"
#include "media/hls/hls.hpp"
#include "media/stream/stream_access.hpp"
#include "media/stream/stream_hub.hpp"
#include "media/webrtc/webrtc_service.hpp"
#include "realtime/gateway.hpp"
#include "rooms/room_strand.hpp"
#include "store/store.hpp"

namespace onair::api {

struct Services {
  const Config& config;
  const auth::TokenKeys& keys;
  const auth::StreamSigner& signer;
  rooms::RoomStrand& rooms;
  store::Store& store;
  auth::SmsLogin& sms;
  boost::asio::any_io_executor workers;  // blocking work: store reads, outbound HTTP
  Snowflake& ids;
  std::function<int64_t()> webhook_backlog;
  std::function<size_t()> http_connections;
  std::atomic<bool>& ready;
  int64_t started_at_ms = 0;
  media::StreamHub& hub;
  const media::StreamAccess& access;  // who may publish or play a stream
  hls::HlsService& hls;
  realtime::Gateway& realtime;
  webrtc::WebRtcService& webrtc;
};

// Every /v1 endpoint and the operations endpoints.
void register_routes(http::Router& router, Services& s);

}  // namespace onair::api
