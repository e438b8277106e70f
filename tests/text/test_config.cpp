// Tests of gemma4/text/config.hpp, gemma4/io/config_json.hpp and gemma4/variants.hpp: the per-layer
// tables of the four releases (spec variants.md §1-2), HF's post-init rules and both config.json
// encodings, and the errors of bad configs.
#include <gemma4/io/config_json.hpp>
#include <gemma4/variants.hpp>

#include "test_support.hpp"

using namespace gemma4;

namespace {
template <class V>
std::vector<int> full_layers() {
  std::vector<int> out;
  for (const LayerSpec& s : CheckedVariant<V>::layers)
    if (s.type == LayerType::Full) out.push_back(s.index);
  return out;
}
}  // namespace

TEST_CASE("E2B: full layers every 5th, KV sharing from 13 / 14, double-wide MLP on 15-34") {
  constexpr auto& t = CheckedVariant<E2B>::layers;
  CHECK(full_layers<E2B>() == std::vector<int>{4, 9, 14, 19, 24, 29, 34});
  for (const LayerSpec& s : t) {
    INFO("layer " << s.index);
    const bool full = s.type == LayerType::Full;
    CHECK(s.head_dim == (full ? 512 : 256));
    CHECK(s.num_kv_heads == 1);
    CHECK(s.kv_shared == (s.index >= 15));
    CHECK(s.kv_source == (s.index < 15 ? s.index : full ? 14 : 13));
    CHECK(s.stores_kv == (s.index == 13 || s.index == 14));
    CHECK(s.intermediate_size == (s.index >= 15 ? 12288 : 6144));
    CHECK(s.q_width() == (full ? 4096 : 2048));  // variants.md §2.4 q_proj rows
  }
}

TEST_CASE("E4B: full layers every 6th, KV sharing from 22 / 23, no double-wide MLP") {
  CHECK(full_layers<E4B>() == std::vector<int>{5, 11, 17, 23, 29, 35, 41});
  for (const LayerSpec& s : CheckedVariant<E4B>::layers) {
    INFO("layer " << s.index);
    CHECK(s.kv_source == (s.index < 24 ? s.index : s.type == LayerType::Full ? 23 : 22));
    CHECK(s.intermediate_size == 10240);
    CHECK(s.kv_width() == (s.type == LayerType::Full ? 1024 : 512));  // k_proj rows
  }
}

TEST_CASE("26B-A4B and 31B: k_eq_v on full layers with their own KV head counts") {
  for (const LayerSpec& s : CheckedVariant<MoE26B_A4B>::layers) {
    const bool full = s.type == LayerType::Full;
    CHECK(s.k_eq_v == full);
    CHECK(s.has_v_proj() == !full);
    CHECK(s.num_kv_heads == (full ? 2 : 8));
    CHECK(s.q_width() == (full ? 8192 : 4096));
    CHECK(s.moe);
    CHECK(!s.kv_shared);
  }
  CHECK(full_layers<MoE26B_A4B>() == std::vector<int>{5, 11, 17, 23, 29});
  for (const LayerSpec& s : CheckedVariant<Dense31B>::layers) {
    const bool full = s.type == LayerType::Full;
    CHECK(s.num_kv_heads == (full ? 4 : 16));
    CHECK(s.kv_width() == (full ? 2048 : 4096));  // variants.md §2.4: 31B k_proj rows
    CHECK(s.group_size() == (full ? 8 : 2));
  }
  CHECK(full_layers<Dense31B>().size() == 10);
}

TEST_CASE("config.json: the fixtures' configs, with HF's default layer pattern") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden";
  const TextConfig dense = read_text_config(dir / "text-dense-tiny");
  // layer_types omitted: (i+1) % 6 == 0 -> full, and the last layer forced full: SSSSSFF.
  std::string pattern;
  for (int i = 0; i < dense.num_hidden_layers; ++i)
    pattern += dense.layer_type(i) == LayerType::Full ? 'F' : 'S';
  CHECK(pattern == "SSSSSFF");
  CHECK(dense.attention_k_eq_v);
  CHECK(layer_spec(dense, 5).num_kv_heads == 1);
  CHECK(layer_spec(dense, 0).num_kv_heads == 2);
  CHECK(dense.final_logit_softcapping == 30.0);

  const TextConfig e2b = read_text_config(dir / "text-e2b-tiny" / "config.json");
  CHECK(e2b.hidden_size_per_layer_input == 16);
  CHECK(layer_spec(e2b, 4).kv_source == 3);
  CHECK(layer_spec(e2b, 6).kv_source == 2);
  CHECK(layer_spec(e2b, 4).intermediate_size == 192);
  CHECK(layer_spec(e2b, 3).intermediate_size == 96);
  CHECK(e2b.rope_full.partial_rotary_factor == 0.25);
}

TEST_CASE("config.json: per_layer_config form equals the flat form") {
  nlohmann::json flat = {
      {"model_type", "gemma4_text"},
      {"num_hidden_layers", 4},
      {"hidden_size", 32},
      {"intermediate_size", 64},
      {"num_attention_heads", 4},
      {"num_key_value_heads", 2},
      {"head_dim", 8},
      {"global_head_dim", 16},
      {"num_global_key_value_heads", 1},
      {"attention_k_eq_v", true},
      {"layer_types",
       {"sliding_attention", "full_attention", "sliding_attention", "full_attention"}}};
  nlohmann::json per_layer = flat;
  per_layer.erase("global_head_dim");
  per_layer.erase("num_global_key_value_heads");
  per_layer["per_layer_config"] = {{"1", {{"head_dim", 16}, {"num_key_value_heads", 1}}},
                                   {"3", {{"head_dim", 16}, {"num_key_value_heads", 1}}}};
  const TextConfig a = text_config_from_json(flat, "flat");
  const TextConfig b = text_config_from_json(per_layer, "per_layer");
  CHECK(config_mismatches(a, b).empty());
  CHECK(layer_spec(b, 1).head_dim == 16);
  CHECK(layer_spec(b, 1).num_kv_heads == 1);
  CHECK(layer_spec(b, 0).num_kv_heads == 2);
  // Missing hidden_size_per_layer_input means PLE on with the default 256 (spec §1.2).
  CHECK(a.hidden_size_per_layer_input == 256);
  flat["hidden_size_per_layer_input"] = nullptr;
  CHECK(text_config_from_json(flat, "x").hidden_size_per_layer_input == 0);
}

TEST_CASE("config.json: unsupported or broken settings are errors that name the field") {
  const nlohmann::json base = {{"num_hidden_layers", 2},   {"hidden_size", 8},
                               {"intermediate_size", 16},  {"num_attention_heads", 2},
                               {"num_key_value_heads", 1}, {"head_dim", 4},
                               {"global_head_dim", 4}};
  auto broken = [&](const char* key, nlohmann::json value) {
    nlohmann::json j = base;
    j[key] = std::move(value);
    return j;
  };
  CHECK_NOTHROW(text_config_from_json(base, "cfg"));
  CHECK_THROWS_WITH_AS(text_config_from_json(broken("use_bidirectional_attention", "all"), "cfg"),
                       doctest::Contains("use_bidirectional_attention \"all\""), Error);
  CHECK_THROWS_WITH_AS(
      text_config_from_json(broken("rope_parameters", {{"rope_type", "yarn"}}), "cfg"),
      doctest::Contains("rope_type \"yarn\""), Error);
  CHECK_THROWS_WITH_AS(text_config_from_json(broken("layer_types", {"full_attention"}), "cfg"),
                       doctest::Contains("layer_types must be an array of num_hidden_layers = 2"),
                       Error);
  CHECK_THROWS_WITH_AS(text_config_from_json(broken("num_key_value_heads", 3), "cfg.json"),
                       doctest::Contains("num_attention_heads must be a multiple of "
                                         "num_key_value_heads"),
                       Error);
  CHECK_THROWS_WITH_AS(text_config_from_json(broken("hidden_size", "wide"), "cfg.json"),
                       doctest::Contains("cfg.json: field \"hidden_size\" has the wrong type"),
                       Error);
  CHECK_THROWS_WITH_AS(text_config_from_json(broken("hidden_activation", "relu"), "cfg"),
                       doctest::Contains("hidden_activation \"relu\""), Error);
  CHECK_THROWS_WITH_AS(read_text_config(std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "nope.json"),
                       doctest::Contains("nope.json: cannot open"), Error);
}

TEST_CASE("config_mismatches lists every differing field") {
  TextConfig c = E2B::text;
  c.hidden_size = 2048;
  c.num_kv_shared_layers = 0;
  const auto diff = config_mismatches(E2B::text, c);
  REQUIRE(diff.size() == 2);
  CHECK(diff[0] == "hidden_size: expected 1536, got 2048");
  CHECK(diff[1] == "num_kv_shared_layers: expected 20, got 0");
}

TEST_CASE("the hub config written for a variant reads back as the same variant") {
  visit_variant("26B-A4B", [](auto v) {
    using V = typename decltype(v)::type;
    const nlohmann::json j = hub_config_to_json(V::text);
    CHECK(j["text_config"]["num_global_key_value_heads"] == 2);
    CHECK(config_mismatches(V::text, text_config_from_json(j, "written")).empty());
  });
}
