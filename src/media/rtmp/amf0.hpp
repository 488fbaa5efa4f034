#pragma once
// AMF0 (Adobe "Action Message Format -- AMF 0", 2006): the encoding of RTMP command and data
// messages. Pure: bytes in, values out and back. The decoder bounds nesting depth and element
// counts so hostile input costs at most its own size; AMF3 and references are refused.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace onair::amf0 {

enum class Type : uint8_t {
  number = 0x00,
  boolean = 0x01,
  string = 0x02,  // long strings (0x0C) decode to this too
  object = 0x03,
  null = 0x05,
  undefined = 0x06,
  ecma_array = 0x08,
  strict_array = 0x0A,
  date = 0x0B,
};

struct Property;

struct Value {
  Type type = Type::null;
  double number = 0;       // number, date (ms since epoch)
  bool boolean = false;
  std::string string;
  std::vector<Property> props;  // object, ecma_array (in order)
  std::vector<Value> items;     // strict_array

  static Value num(double v);
  static Value boolean_of(bool v);
  static Value str(std::string v);
  static Value null_value();
  static Value object_of(std::vector<Property> props);
  static Value ecma_array_of(std::vector<Property> props);

  // The property `key` of an object or ECMA array, or nullptr.
  const Value* get(std::string_view key) const;
  // Convenience: the string/number of property `key` when it has that type.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<double> get_number(std::string_view key) const;
};

struct Property {
  std::string key;
  Value value;
};

// Decodes every value in `data` (a command message body is a sequence of values).
Result<std::vector<Value>> decode_all(std::span<const uint8_t> data);

// Decodes one value from `data` starting at `pos`; advances `pos`.
Result<Value> decode(std::span<const uint8_t> data, size_t& pos);

// Appends the encoding of `v` to `out`. Strings longer than 65535 bytes become long strings.
void encode(std::string& out, const Value& v);

}  // namespace onair::amf0
