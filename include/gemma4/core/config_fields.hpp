// gemma4/core/config_fields.hpp: a config's fields as one table, for reading, writing, comparing
// and printing.
//
// Every config struct (TextConfig, and the vision and audio configs) lists its config.json keys
// once, as a function returning a tuple of ConfigField entries, beside the struct:
//
//   constexpr auto text_config_fields() {
//     using C = TextConfig;
//     return std::tuple{config_field("hidden_size", &C::hidden_size),
//                       config_field("global_head_dim", &C::global_head_dim, NullIsZero), ...};
//   }
//
// and four operations walk that table, so a field added there is read from config.json, written
// back, compared against a compiled variant and printed by `gemma4 explain` without touching any
// of them:
//   read     io/config_json.hpp   read_config_fields(json, config, table, where)
//   write    io/config_json.hpp   write_config_fields(config, table) -> json
//   compare  here                 config_field_mismatches(expected, actual, table)
//   print    here                 describe_config_fields(config, table), for_each_config_field
//
// The per-field rules of Hugging Face's configs are one FieldRule per entry:
//   Default       absent or null: the C++ default (which is the HF class default)
//   NullIsZero    absent: the C++ default; null: 0 (None switches the feature off)
//   ZeroIfAbsent  absent or null: 0 / false (a feature that is off unless named)
//   NoneIsZero    absent or null: 0, and 0 is written back as null (HF's Optional[...] = None)
// Fields with structure (layer_types, rope_parameters, per_layer_config, ...) are not scalar and
// are read by hand next to the table that names them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "gemma4/core/error.hpp"

namespace gemma4 {

/// What an absent or null config.json value means for one field (see the table above).
enum class FieldRule : unsigned char { Default, NullIsZero, ZeroIfAbsent, NoneIsZero };

/// One scalar field of a config struct: its config.json key, the member, and HF's rule for
/// absent and null values. T is int, double, bool or std::string.
template <class Config, class T>
struct ConfigField {
  std::string_view key;
  T Config::*member;
  FieldRule rule = FieldRule::Default;
  using value_type = T;
};

template <class Config, class T>
constexpr ConfigField<Config, T> config_field(std::string_view key, T Config::*member,
                                              FieldRule rule = FieldRule::Default) {
  return {key, member, rule};
}

/// Calls f(field) for every entry of a field table (a std::tuple of ConfigField).
template <class Table, class F>
constexpr void for_each_field(const Table& table, F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, table);
}

/// Calls f(key, value) for every field of `c`, in table order (`gemma4 explain` prints them).
template <class Config, class Table, class F>
void for_each_config_field(const Config& c, const Table& table, F&& f) {
  for_each_field(table, [&](const auto& field) { f(field.key, c.*field.member); });
}

/// The fields of `c` as text, one "  key  value" line each in table order (`gemma4 explain`):
/// booleans as true / false, a NoneIsZero field at 0 as null, as config.json would say them.
template <class Config, class Table>
std::string describe_config_fields(const Config& c, const Table& table) {
  std::size_t width = 0;
  for_each_field(table, [&](const auto& field) { width = std::max(width, field.key.size()); });
  std::string out;
  for_each_field(table, [&](const auto& field) {
    using T = typename std::decay_t<decltype(field)>::value_type;
    const T& value = c.*field.member;
    out += detail::concat("  ", field.key, std::string(width - field.key.size() + 2, ' '));
    if constexpr (std::is_same_v<T, bool>)
      out += value ? "true" : "false";
    else if (field.rule == FieldRule::NoneIsZero && value == T{})
      out += "null";
    else
      out += detail::concat(value);
    out += "\n";
  });
  return out;
}

/// Throws gemma4::Error "<where>: <what>:" followed by one "  - <rule>" line per broken rule,
/// when `errors` (the messages of a config's broken rules) is not empty.
inline void throw_config_errors(const std::vector<std::string>& errors, std::string_view where,
                                std::string_view what) {
  if (errors.empty()) return;
  std::string msg = detail::concat(where, ": ", what, ":");
  for (const auto& e : errors) msg += "\n  - " + e;
  throw Error(msg);
}

/// Every field in which `actual` differs from `expected`, one line each
/// ("hidden_size: expected 1536, got 2048"): how a checkpoint is checked against a compiled
/// variant.
template <class Config, class Table>
std::vector<std::string> config_field_mismatches(const Config& expected, const Config& actual,
                                                 const Table& table) {
  std::vector<std::string> out;
  for_each_field(table, [&](const auto& field) {
    const auto& e = expected.*field.member;
    const auto& a = actual.*field.member;
    if (!(e == a)) out.push_back(detail::concat(field.key, ": expected ", e, ", got ", a));
  });
  return out;
}

}  // namespace gemma4
