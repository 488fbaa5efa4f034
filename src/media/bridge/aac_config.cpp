#include "media/bridge/aac_config.hpp"

#include <array>
#include <cstddef>

namespace onair::bridge {
namespace {

// samplingFrequencyIndex 0x0..0xC (ISO/IEC 14496-3 Table 1.18); 0xD, 0xE are reserved and
// 0xF means a 24-bit samplingFrequency follows.
constexpr std::array<int, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                              22050, 16000, 12000, 11025, 8000,  7350};
constexpr int kExplicitRate = 0xF;
constexpr int kEscapeObjectType = 31;

// MSB-first bit reader that reports running out of input instead of reading past it.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> in) : in_(in) {}
  bool read(int bits, uint32_t& value) {
    if (pos_ + size_t(bits) > in_.size() * 8) return false;
    value = 0;
    for (int i = 0; i < bits; ++i, ++pos_) {
      value = value << 1 | ((in_[pos_ / 8] >> (7 - pos_ % 8)) & 1);
    }
    return true;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

class BitWriter {
 public:
  void write(int bits, uint32_t value) {
    for (int i = bits - 1; i >= 0; --i, ++pos_) {
      if (pos_ % 8 == 0) out_ += '\0';
      if ((value >> i) & 1) out_.back() = char(uint8_t(out_.back()) | 0x80 >> (pos_ % 8));
    }
  }
  std::string take() { return std::move(out_); }  // zero-padded to a whole byte

 private:
  std::string out_;
  size_t pos_ = 0;
};

// The object types whose config continues with GASpecificConfig (14496-3 1.6.2.1).
bool is_general_audio(int object_type) {
  switch (object_type) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 17:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      return true;
    default:
      return false;
  }
}

std::unexpected<Error> truncated(const char* field) {
  return fail(ErrorCode::invalid_argument,
              std::string("AudioSpecificConfig: truncated before ") + field);
}

}  // namespace

Result<AacConfig> parse_audio_specific_config(std::span<const uint8_t> asc) {
  BitReader r(asc);
  AacConfig c;
  uint32_t v = 0;

  // GetAudioObjectType(): 5 bits, 31 escapes to 32 + 6 more bits.
  if (!r.read(5, v)) return truncated("audioObjectType");
  if (v == kEscapeObjectType) {
    uint32_t ext = 0;
    if (!r.read(6, ext)) return truncated("audioObjectTypeExt");
    v = 32 + ext;
  }
  if (v == 0) return fail(ErrorCode::invalid_argument, "AudioSpecificConfig: null object type");
  c.object_type = int(v);

  if (!r.read(4, v)) return truncated("samplingFrequencyIndex");
  if (v == kExplicitRate) {
    if (!r.read(24, v)) return truncated("samplingFrequency");
    if (v == 0) return fail(ErrorCode::invalid_argument, "AudioSpecificConfig: sampling rate 0");
    c.sample_rate = int(v);
  } else if (v < kSampleRates.size()) {
    c.sample_rate = kSampleRates[v];
  } else {
    return fail(ErrorCode::invalid_argument,
                "AudioSpecificConfig: reserved samplingFrequencyIndex " + std::to_string(v));
  }

  // channelConfiguration (Table 1.19): 1..6 are that many channels, 7 is 7.1 (eight);
  // 0 leaves the layout to a program_config_element. Later amendments' 11..14 are refused
  // with the reserved values: nothing onair bridges uses them.
  if (!r.read(4, v)) return truncated("channelConfiguration");
  if (v <= 6) {
    c.channels = int(v);
  } else if (v == 7) {
    c.channels = 8;
  } else {
    return fail(ErrorCode::invalid_argument,
                "AudioSpecificConfig: unsupported channelConfiguration " + std::to_string(v));
  }
  return c;
}

std::string build_audio_specific_config(const AacConfig& c) {
  BitWriter w;
  if (c.object_type >= 32) {
    w.write(5, kEscapeObjectType);
    w.write(6, uint32_t(c.object_type - 32));
  } else {
    w.write(5, uint32_t(c.object_type));
  }

  int index = kExplicitRate;
  for (size_t i = 0; i < kSampleRates.size(); ++i) {
    if (kSampleRates[i] == c.sample_rate) index = int(i);
  }
  w.write(4, uint32_t(index));
  if (index == kExplicitRate) w.write(24, uint32_t(c.sample_rate));

  w.write(4, c.channels == 8 ? 7u : uint32_t(c.channels));

  // GASpecificConfig: frameLengthFlag 0 (1024 samples), dependsOnCoreCoder 0,
  // extensionFlag 0. With channelConfiguration 0 a decoder would expect a PCE here;
  // a caller building such a config supplies its layout another way.
  if (is_general_audio(c.object_type)) w.write(3, 0);
  return w.take();
}

std::string flv_aac_sequence_header(const std::string& asc) {
  std::string body;
  body.reserve(2 + asc.size());
  body += char(kFlvAacTagHeader);
  body += '\0';  // AACPacketType 0: sequence header
  body += asc;
  return body;
}

std::string flv_aac_frame(std::span<const uint8_t> raw) {
  std::string body;
  body.reserve(2 + raw.size());
  body += char(kFlvAacTagHeader);
  body += '\1';  // AACPacketType 1: raw access unit
  if (!raw.empty()) body.append(reinterpret_cast<const char*>(raw.data()), raw.size());
  return body;
}

}  // namespace onair::bridge
