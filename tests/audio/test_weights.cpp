// tests/audio/test_weights.cpp: the audio tensor table (names, shapes, parameter counts of
// variants.md §6.1) and binding errors that name the tensor.
#include <doctest/doctest.h>

#include <gemma4/audio/model.hpp>
#include <gemma4/io/checkpoint_writer.hpp>
#include <gemma4/reference/parameter_count.hpp>

#include "test_support.hpp"

TEST_CASE("parameter counts: audio tower 304 825 088, embed_audio E2B 2 359 296 / E4B 3 932 160") {
  const auto e2b =
      gemma4::count_audio_parameters(gemma4::E2B::audio, gemma4::E2B::text.hidden_size);
  CHECK(e2b.tower() == 304825088);
  CHECK(e2b.embed_audio == 2359296);  // 1536 x 1536
  const auto e4b =
      gemma4::count_audio_parameters(gemma4::E4B::audio, gemma4::E4B::text.hidden_size);
  CHECK(e4b.tower() == 304825088);
  CHECK(e4b.embed_audio == 3932160);  // 2560 x 1536
  // variants.md §6.1: 12 conformer blocks 302.0 M + subsampling 1.1 M + output projection 1.6 M.
  CHECK(e2b.blocks == 302163936);
  CHECK(e2b.subsampling == 1086752);  // 128*9 + 128 + 32*128*9 + 32 + 1024*1024
  CHECK(e2b.output_proj == 1574400);  // 1536 * 1024 + 1536
}

TEST_CASE("the tensor table is the checkpoint's: audio-tiny holds exactly these tensors") {
  const auto dir = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "audio-tiny";
  const gemma4::SafetensorsFile f(dir / "model.safetensors");
  const auto c = *gemma4::read_audio_config(dir);
  auto expected = gemma4::expected_audio_tower_tensors(c);
  for (auto& t : gemma4::expected_embed_audio_tensors(c, 48)) expected.push_back(t);
  CHECK(expected.size() == f.tensors().size());
  for (const auto& t : expected) {
    INFO(t.name);
    const gemma4::TensorInfo* info = f.find(t.name);
    REQUIRE(info != nullptr);
    CHECK(info->shape == t.shape);
  }
}

TEST_CASE("a missing or misshapen tensor is an error naming it") {
  gemma4::test::TempDir tmp;
  const auto src = std::filesystem::path(GEMMA4_TEST_DATA_DIR) / "golden" / "audio-tiny";
  const gemma4::SafetensorsFile f(src / "model.safetensors");
  auto rewrite = [&](const std::string& drop, const std::string& reshape) {
    std::vector<gemma4::TensorWrite> out;
    for (const auto& t : f.tensors()) {
      if (t.name == drop) continue;
      auto w = gemma4::tensor_copy(f, t, t.dtype);
      if (t.name == reshape) w.shape = {w.shape[1], w.shape[0]};
      out.push_back(std::move(w));
    }
    std::filesystem::copy_file(src / "config.json", tmp / "config.json",
                               std::filesystem::copy_options::overwrite_existing);
    gemma4::write_safetensors(tmp / "model.safetensors", std::move(out));
  };
  auto error = [&]() {
    try {
      gemma4::AudioModel<gemma4::Dynamic, float>::load(tmp.path);
    } catch (const gemma4::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  rewrite("model.audio_tower.layers.1.self_attn.per_dim_scale", "");
  CHECK(error().find("missing tensor 'model.audio_tower.layers.1.self_attn.per_dim_scale'") !=
        std::string::npos);
  rewrite("", "model.audio_tower.layers.0.lconv1d.linear_start.linear.weight");
  CHECK(error().find("'model.audio_tower.layers.0.lconv1d.linear_start.linear.weight' has shape "
                     "[32, 64], expected [64, 32]") != std::string::npos);
  rewrite("model.embed_audio.embedding_projection.weight", "");
  CHECK(error().find("model.embed_audio.embedding_projection.weight") != std::string::npos);
}
