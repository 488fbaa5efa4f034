#pragma once
// PeerSession: one WHIP or WHEP resource (RFC 9725 4.2: the URL in Location), i.e. one
// browser connection with its WebRtcTransport. Owned by the WebRtcService on the WebRTC loop;
// ends when DELETEd, when the transport closes (DTLS close, consent lost, timeout) or when
// its member leaves the room. Ending is two-step: close() stops everything at once, and the
// service destroys the object later, outside any callback.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "media/webrtc/negotiation.hpp"
#include "media/webrtc/webrtc_transport.hpp"

namespace onair::webrtc {

struct SessionOwner {
  std::string room;  // empty: not tied to a room (a signed URL for a plain stream)
  std::string user;
};

class PeerSession : public WebRtcTransport::Handler {
 public:
  enum class Kind { publish, play };
  PeerSession(Kind kind, std::string id, std::string stream, SessionOwner owner)
      : kind_(kind), id_(std::move(id)), stream_(std::move(stream)), owner_(std::move(owner)) {}
  ~PeerSession() override = default;

  Kind kind() const { return kind_; }
  const std::string& id() const { return id_; }
  const std::string& stream() const { return stream_; }
  const SessionOwner& owner() const { return owner_; }
  bool ended() const { return ended_; }
  const std::string& end_reason() const { return end_reason_; }
  WebRtcTransport& transport() { return *transport_; }

  void attach(std::unique_ptr<WebRtcTransport> t) { transport_ = std::move(t); }
  // Timers: RTCP reports, NACKs, keyframe requests. Every few tens of milliseconds.
  virtual void tick(int64_t now_ms) = 0;
  // Ends the session (idempotent): the transport sends close_notify and the session lets
  // go of the streams it is part of.
  void end(std::string_view reason) {
    if (ended_) return;
    ended_ = true;
    end_reason_ = reason;
    if (transport_ && !transport_->closed()) transport_->close(reason);
    on_end();
  }

  void on_transport_closed(std::string_view reason) override { end(reason); }

 protected:
  virtual void on_end() = 0;
  std::unique_ptr<WebRtcTransport> transport_;

 private:
  Kind kind_;
  std::string id_, stream_;
  SessionOwner owner_;
  bool ended_ = false;
  std::string end_reason_;
};

}  // namespace onair::webrtc
