#pragma once
// RtmpServer: RTMP ingest and playback on rtmp.addr. One SO_REUSEPORT listener per event
// loop; a connection is an RtmpSession on the loop that accepted it. Publishing needs a URL
// signed for the stream (media.auth) and, for a seat's stream, its user on the seat
// (StreamAccess); playing needs a signed URL when media.play_auth is on.
#include <cstdint>
#include <memory>

#include "auth/stream_signer.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/loops.hpp"
#include "media/stream/stream_access.hpp"
#include "media/stream/stream_hub.hpp"

namespace onair::rtmp {

class RtmpServer {
 public:
  RtmpServer(const Config& config, EventLoops& loops, media::StreamHub& hub,
             const media::StreamAccess& access);
  ~RtmpServer();

  Result<void> start();
  uint16_t port() const { return port_; }
  // Stops accepting and closes every session.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace onair::rtmp
