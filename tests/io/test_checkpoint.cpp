// Tests of gemma4/io/checkpoint.hpp: single-file and sharded folders, the golden fixtures, and the
// index errors (missing shard, a tensor the index puts in the wrong shard, missing tensor).
#include "gemma4/io/checkpoint.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace fs = std::filesystem;
using gemma4::Checkpoint;
using gemma4::DType;

using gemma4::test::TempDir;

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

/// A safetensors file holding F32 tensors name -> values (1-D), written by hand.
void write_f32(const fs::path& p,
               const std::vector<std::pair<std::string, std::vector<float>>>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, v] : tensors) {
    const std::size_t b = data.size();
    data.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    header[name] = {{"dtype", "F32"}, {"shape", {v.size()}}, {"data_offsets", {b, data.size()}}};
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const std::uint64_t n = h.size();
  std::memcpy(out.data(), &n, 8);
  write_text(p, out + h + data);
}

void write_index(const fs::path& p, const std::vector<std::pair<std::string, std::string>>& map) {
  nlohmann::json wm = nlohmann::json::object();
  for (const auto& [name, file] : map) wm[name] = file;
  write_text(p, nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", wm}}.dump(2));
}

/// `fn` throws gemma4::Error whose message contains each of `parts`.
template <class Fn>
void check_fails(Fn&& fn, std::initializer_list<std::string> parts) {
  bool thrown = false;
  try {
    fn();
  } catch (const gemma4::Error& e) {
    thrown = true;
    const std::string what = e.what();
    INFO("message: " << what);
    for (const auto& p : parts) CHECK(what.find(p) != std::string::npos);
  }
  CHECK_MESSAGE(thrown, "no gemma4::Error");
}

/// Two shards + index: a, b in shard 1; c in shard 2.
void write_sharded(const TempDir& tmp) {
  write_f32(tmp / "model-00001-of-00002.safetensors", {{"a", {1, 2}}, {"b", {3}}});
  write_f32(tmp / "model-00002-of-00002.safetensors", {{"c", {4, 5, 6}}});
  write_index(tmp / "model.safetensors.index.json", {{"a", "model-00001-of-00002.safetensors"},
                                                     {"b", "model-00001-of-00002.safetensors"},
                                                     {"c", "model-00002-of-00002.safetensors"}});
}

const fs::path golden = fs::path(GEMMA4_TEST_DATA_DIR) / "golden";

}  // namespace

TEST_CASE("golden fixtures open as checkpoint folders") {
  for (const char* name : {"text-e2b-tiny", "text-moe-tiny", "text-dense-tiny"}) {
    CAPTURE(name);
    nlohmann::json config;
    std::ifstream(golden / name / "config.json") >> config;
    const std::int64_t vocab = config["text_config"]["vocab_size"];
    const std::int64_t hidden = config["text_config"]["hidden_size"];
    Checkpoint ckpt(golden / name);
    CHECK(ckpt.path() == golden / name);
    CHECK(ckpt.files().size() == 1);
    const auto ref = ckpt.at("model.language_model.embed_tokens.weight");
    CHECK(ref.info->dtype == DType::F32);
    CHECK(ref.info->shape == std::vector<std::int64_t>{vocab, hidden});
    CHECK(ref.file->path() == golden / name / "model.safetensors");
    CHECK(ref.data().size() == static_cast<std::size_t>(vocab * hidden) * 4);
    CHECK_FALSE(ckpt.find("lm_head.weight").has_value());
    const auto names = ckpt.names();
    CHECK(names.size() == ckpt.files()[0]->tensors().size());
    CHECK(std::is_sorted(names.begin(), names.end()));
    // The checkpoint's copy equals the file's.
    CHECK(ckpt.read<float>(ref.info->name) == ref.file->read<float>(ref.info->name));
  }
  // The PLE table exists only in the E2B-like fixture: [V_ple, L * P].
  Checkpoint e2b(golden / "text-e2b-tiny");
  CHECK(e2b.at("model.language_model.embed_tokens_per_layer.weight").info->shape ==
        std::vector<std::int64_t>{300, 7 * 16});
}

TEST_CASE("a single .safetensors path and the folder holding it give the same tensors") {
  Checkpoint file(golden / "text-dense-tiny" / "model.safetensors");
  Checkpoint dir(golden / "text-dense-tiny");
  CHECK(file.names() == dir.names());
  CHECK(file.total_bytes() == dir.total_bytes());
}

TEST_CASE("sharded folder through the index; progress; move keeps refs valid") {
  TempDir tmp;
  write_sharded(tmp);
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  Checkpoint ckpt(tmp.path, [&](std::string_view stage, std::size_t done, std::size_t total) {
    CHECK(stage == "open");
    calls.emplace_back(done, total);
  });
  CHECK(calls == std::vector<std::pair<std::size_t, std::size_t>>{{0, 2}, {1, 2}, {2, 2}});
  CHECK(ckpt.names() == std::vector<std::string>{"a", "b", "c"});
  CHECK(ckpt.files().size() == 2);
  CHECK(ckpt.at("c").file->path().filename() == "model-00002-of-00002.safetensors");
  CHECK(ckpt.read<float>("c") == std::vector<float>{4, 5, 6});
  CHECK(ckpt.read<double>("a") == std::vector<double>{1, 2});
  CHECK(ckpt.total_bytes() == 24);
  const auto* bytes = ckpt.at("b").data().data();
  Checkpoint moved(std::move(ckpt));
  CHECK(moved.at("b").data().data() == bytes);
  // The index file itself can be given too.
  Checkpoint via_index(tmp / "model.safetensors.index.json");
  CHECK(via_index.names() == moved.names());
}

TEST_CASE("the index wins over model.safetensors; unlisted shard tensors are still found") {
  TempDir tmp;
  write_sharded(tmp);
  write_f32(tmp / "model.safetensors", {{"other", {9}}});
  Checkpoint ckpt(tmp.path);
  CHECK_FALSE(ckpt.contains("other"));
  write_f32(tmp / "model-00002-of-00002.safetensors", {{"c", {4, 5, 6}}, {"extra", {7}}});
  Checkpoint ckpt2(tmp.path);
  CHECK(ckpt2.read<float>("extra") == std::vector<float>{7});
}

TEST_CASE("bad input: missing shard") {
  TempDir tmp;
  write_sharded(tmp);
  fs::remove(tmp / "model-00002-of-00002.safetensors");
  check_fails([&] { Checkpoint c(tmp.path); },
              {"model.safetensors.index.json", "shard 'model-00002-of-00002.safetensors'",
               "missing", "'c'"});
}

TEST_CASE("bad input: the index puts a tensor in a shard that lacks it") {
  TempDir tmp;
  write_sharded(tmp);
  write_index(tmp / "model.safetensors.index.json",
              {{"a", "model-00001-of-00002.safetensors"},
               {"b", "model-00002-of-00002.safetensors"},  // b is in shard 1
               {"c", "model-00002-of-00002.safetensors"}});
  check_fails([&] { Checkpoint c(tmp.path); },
              {"model.safetensors.index.json", "tensor 'b'", "model-00002-of-00002.safetensors",
               "no such tensor"});
}

TEST_CASE("bad input: damaged shard is reported with the shard's name") {
  TempDir tmp;
  write_sharded(tmp);
  write_text(tmp / "model-00001-of-00002.safetensors", "abc");
  check_fails([&] { Checkpoint c(tmp.path); }, {"model-00001-of-00002.safetensors", "too short"});
}

TEST_CASE("bad input: malformed or unusable index") {
  TempDir tmp;
  write_sharded(tmp);
  write_text(tmp / "model.safetensors.index.json", "{\"weight_map\": {");
  check_fails([&] { Checkpoint c(tmp.path); }, {"model.safetensors.index.json", "malformed JSON"});
  write_text(tmp / "model.safetensors.index.json", "{\"metadata\": {}}");
  check_fails([&] { Checkpoint c(tmp.path); }, {"model.safetensors.index.json", "weight_map"});
  write_index(tmp / "model.safetensors.index.json", {{"a", "../elsewhere.safetensors"}});
  check_fails([&] { Checkpoint c(tmp.path); }, {"'a'", "outside the checkpoint folder"});
}

TEST_CASE("bad input: missing tensor (Checkpoint::at)") {
  Checkpoint ckpt(golden / "text-e2b-tiny");
  // KV-shared layers have no k_proj in the fixture: layer 6 of 7 with 3 shared layers.
  const std::string name = "model.language_model.layers.6.self_attn.k_proj.weight";
  CHECK_FALSE(ckpt.find(name).has_value());
  check_fails([&] { ckpt.at(name); },
              {(golden / "text-e2b-tiny").string(), "no tensor '" + name + "'"});
  check_fails([&] { ckpt.read<float>("nope"); }, {"text-e2b-tiny", "'nope'"});
}

TEST_CASE("bad input: folder without a checkpoint, path that does not exist") {
  TempDir tmp;
  check_fails([&] { Checkpoint c(tmp.path); }, {tmp.path.string(), "no model.safetensors"});
  check_fails([&] { Checkpoint c(tmp / "nothing"); }, {"nothing", "no such file"});
}
