// Tests of core/config_fields.hpp (and the JSON side in io/config_json.hpp) on a toy config
// with one field per rule, so each rule's absent / null / present behaviour is pinned by hand.
#include <doctest/doctest.h>

#include <gemma4/core/config_fields.hpp>
#include <gemma4/io/config_json.hpp>

namespace {

struct Toy {
  int width = 7;        // Default
  int ple = 256;        // NullIsZero
  bool feature = true;  // ZeroIfAbsent (the default true is never seen from JSON)
  double cap = 30.0;    // NoneIsZero
  std::string name = "toy";
};

constexpr auto toy_fields() {
  using enum gemma4::FieldRule;
  return std::tuple{gemma4::config_field("width", &Toy::width),
                    gemma4::config_field("ple", &Toy::ple, NullIsZero),
                    gemma4::config_field("feature", &Toy::feature, ZeroIfAbsent),
                    gemma4::config_field("cap", &Toy::cap, NoneIsZero),
                    gemma4::config_field("name", &Toy::name)};
}

Toy read(const nlohmann::json& j) {
  Toy t;
  gemma4::read_config_fields(j, t, toy_fields(), "toy.json");
  return t;
}

}  // namespace

TEST_CASE("absent keys follow each field's rule") {
  const Toy t = read(nlohmann::json::object());
  CHECK(t.width == 7);        // Default keeps the C++ default
  CHECK(t.ple == 256);        // NullIsZero keeps it too when absent
  CHECK(t.feature == false);  // ZeroIfAbsent
  CHECK(t.cap == 0.0);        // NoneIsZero
  CHECK(t.name == "toy");
}

TEST_CASE("null values follow each field's rule") {
  const Toy t =
      read({{"width", nullptr}, {"ple", nullptr}, {"feature", nullptr}, {"cap", nullptr}});
  CHECK(t.width == 7);  // Default: null is like absent
  CHECK(t.ple == 0);    // NullIsZero: None switches it off
  CHECK(t.feature == false);
  CHECK(t.cap == 0.0);
}

TEST_CASE("present values are read, and a wrong type names the file and the key") {
  const Toy t = read({{"width", 3}, {"ple", 128}, {"feature", true}, {"cap", 50}, {"name", "x"}});
  CHECK(t.width == 3);
  CHECK(t.ple == 128);
  CHECK(t.feature == true);
  CHECK(t.cap == 50.0);
  CHECK(t.name == "x");
  CHECK_THROWS_WITH_AS(read({{"width", "wide"}}), doctest::Contains("toy.json: field \"width\""),
                       gemma4::Error);
  CHECK_THROWS_WITH_AS(read({{"feature", 1}}), doctest::Contains("\"feature\""), gemma4::Error);
}

TEST_CASE("writing then reading gives the config back; NoneIsZero at 0 is written as null") {
  Toy t;
  t.width = 5, t.ple = 0, t.feature = true, t.cap = 0.0, t.name = "y";
  const nlohmann::json j = gemma4::write_config_fields(t, toy_fields());
  CHECK(j.at("cap").is_null());
  CHECK(j.at("ple") == 0);
  const Toy back = read(j);
  CHECK(gemma4::config_field_mismatches(t, back, toy_fields()).empty());
}

TEST_CASE("mismatches name every differing field; describe prints every field") {
  Toy a, b;
  b.width = 9, b.name = "other";
  const auto diff = gemma4::config_field_mismatches(a, b, toy_fields());
  REQUIRE(diff.size() == 2);
  CHECK(diff[0] == "width: expected 7, got 9");
  CHECK(diff[1] == "name: expected toy, got other");
  a.cap = 0;
  CHECK(gemma4::describe_config_fields(a, toy_fields()) ==
        "  width    7\n  ple      256\n  feature  true\n  cap      null\n  name     toy\n");
}
