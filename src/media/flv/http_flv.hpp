#pragma once
// HTTP-FLV playback: GET /live/<stream>.flv answers with an endless FLV stream (CORS open,
// so browser players like mpegts.js work). The player waits through a republish.
#include "core/config.hpp"
#include "http/router.hpp"
#include "media/stream/stream_access.hpp"
#include "media/stream/stream_hub.hpp"

namespace onair::flv {

// Serves /live/<name>.flv; returns nullopt after playing, or a Response for other files
// (so HLS can share the /live/ prefix) and for refusals.
boost::asio::awaitable<std::optional<http::Response>> serve_flv(const Config& config, media::StreamHub& hub,
                                                                const media::StreamAccess& access, http::Request& req,
                                                                boost::asio::ip::tcp::socket& socket,
                                                                const std::string& name);

}  // namespace onair::flv
