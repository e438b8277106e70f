// Tests of gemma4/io/checkpoint_writer.hpp: byte layout of the files (as Hugging Face's safetensors
// writes them), hub shard names and index, streaming fills, and round trips that compare every
// tensor bit for bit for each dtype, single file and sharded.
#include "gemma4/io/checkpoint_writer.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemma4/io/checkpoint.hpp"

#include "test_support.hpp"

namespace fs = std::filesystem;
using gemma4::Checkpoint;
using gemma4::DType;
using gemma4::TensorWrite;

using gemma4::test::TempDir;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Distinct, awkward bit patterns of T: signs, zero, subnormal-ish, large, NaN/inf for floats.
template <class T>
std::vector<T> values(std::size_t n, unsigned salt) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = (static_cast<double>((i * 2654435761u + salt) % 20011) - 10005.0) / 97.0;
    if constexpr (std::is_integral_v<T>) {
      v[i] = static_cast<T>(x * 1e3) * (i % 3 == 0 ? std::numeric_limits<T>::max() / 1000000 : 1);
    } else {
      v[i] = static_cast<T>(static_cast<float>(x));
    }
  }
  if constexpr (!std::is_integral_v<T>) {
    if (n > 3) {
      v[0] = std::numeric_limits<T>::infinity();
      v[1] = -std::numeric_limits<T>::infinity();
      v[2] = std::numeric_limits<T>::quiet_NaN();
      v[3] = T(-0.0f);
    }
  } else if (n > 1) {
    v[0] = std::numeric_limits<T>::min();
    v[1] = std::numeric_limits<T>::max();
  }
  return v;
}

/// A mix of shapes: matrix, 3-D, vector, scalar, empty.
template <class T>
std::vector<TensorWrite> sample_tensors(std::vector<std::vector<T>>& kept) {
  const std::vector<std::vector<std::int64_t>> shapes = {{7, 5}, {2, 3, 4}, {11}, {}, {0, 3}};
  const char* names[] = {"model.language_model.embed_tokens.weight", "layers.0.experts.down_proj",
                         "layers.0.layer_scalar_vec", "layers.0.layer_scalar", "empty"};
  std::vector<TensorWrite> out;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    std::size_t n = 1;
    for (auto d : shapes[k]) n *= static_cast<std::size_t>(d);
    kept.push_back(values<T>(n, static_cast<unsigned>(k)));
    out.push_back(gemma4::tensor_from<T>(names[k], shapes[k], kept.back()));
  }
  return out;
}

/// Every tensor of `ckpt` equals the kept values bit for bit.
template <class T>
void check_round_trip(const Checkpoint& ckpt, const std::vector<TensorWrite>& written,
                      const std::vector<std::vector<T>>& kept) {
  REQUIRE(ckpt.names().size() == written.size());
  for (std::size_t k = 0; k < written.size(); ++k) {
    CAPTURE(written[k].name);
    const auto ref = ckpt.at(written[k].name);
    CHECK(ref.info->dtype == gemma4::dtype_of<T>());
    CHECK(ref.info->shape == written[k].shape);
    const auto bytes = ref.data();
    REQUIRE(bytes.size() == kept[k].size() * sizeof(T));
    const auto copy = ckpt.read<T>(written[k].name);
    if (bytes.empty()) continue;
    CHECK(std::memcmp(bytes.data(), kept[k].data(), bytes.size()) == 0);
    CHECK(std::memcmp(copy.data(), kept[k].data(), bytes.size()) == 0);
  }
}

}  // namespace

TEST_CASE_TEMPLATE("round trip, single file, bit for bit", T, double, float, Eigen::half,
                   Eigen::bfloat16, std::int64_t, std::int32_t) {
  TempDir tmp;
  std::vector<std::vector<T>> kept;
  auto tensors = sample_tensors<T>(kept);
  const auto files = gemma4::write_checkpoint(tmp.path, tensors);
  REQUIRE(files.size() == 1);
  CHECK(files[0] == tmp / "model.safetensors");
  CHECK_FALSE(fs::exists(tmp / "model.safetensors.index.json"));
  CHECK_FALSE(fs::exists(tmp / "model.safetensors.tmp"));
  Checkpoint ckpt(tmp.path);
  check_round_trip<T>(ckpt, tensors, kept);
  CHECK(ckpt.files()[0]->metadata() == std::map<std::string, std::string>{{"format", "pt"}});
}

TEST_CASE_TEMPLATE("round trip, sharded with index, bit for bit", T, double, float, Eigen::half,
                   Eigen::bfloat16, std::int64_t, std::int32_t) {
  TempDir tmp;
  std::vector<std::vector<T>> kept;
  auto tensors = sample_tensors<T>(kept);
  gemma4::WriteOptions opt;
  opt.max_shard_bytes = 24 * sizeof(T);  // the 35- and 24-element tensors each fill a shard
  const auto files = gemma4::write_checkpoint(tmp.path, tensors, opt);
  // Name order: empty(0), layers.0.experts.down_proj(24), layers.0.layer_scalar(1),
  // layers.0.layer_scalar_vec(11), model...embed_tokens(35) -> [empty, down_proj], [scalar, vec],
  // [embed].
  REQUIRE(files.size() == 4);
  CHECK(files[0].filename() == "model-00001-of-00003.safetensors");
  CHECK(files[2].filename() == "model-00003-of-00003.safetensors");
  CHECK(files[3].filename() == "model.safetensors.index.json");
  CHECK_FALSE(fs::exists(tmp / "model.safetensors"));
  Checkpoint ckpt(tmp.path);
  CHECK(ckpt.files().size() == 3);
  check_round_trip<T>(ckpt, tensors, kept);
  CHECK(ckpt.at("layers.0.layer_scalar").file->path().filename() ==
        "model-00002-of-00003.safetensors");

  const auto index = nlohmann::json::parse(read_text(tmp / "model.safetensors.index.json"));
  CHECK(index["metadata"]["total_size"] == (0 + 24 + 1 + 11 + 35) * sizeof(T));
  CHECK(index["weight_map"].size() == 5);
  CHECK(index["weight_map"]["model.language_model.embed_tokens.weight"] ==
        "model-00003-of-00003.safetensors");
}

TEST_CASE("file layout matches Hugging Face's safetensors byte for byte") {
  TempDir tmp;
  std::vector<TensorWrite> ts;
  ts.push_back(gemma4::tensor_from<float>("w", {2}, {1.0f, -2.0f}));
  ts.push_back(gemma4::tensor_from<std::int64_t>("a", {}, {7}));
  gemma4::write_safetensors(tmp / "x.safetensors", std::move(ts));
  const std::string bytes = read_text(tmp / "x.safetensors");
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  // Compact JSON, __metadata__ first, tensors by name, dtype/shape/data_offsets order.
  const std::string json =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
      R"("w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  const std::size_t padded = (json.size() + 7) / 8 * 8;
  CHECK(n == padded);
  CHECK((8 + n) % 8 == 0);
  CHECK(bytes.substr(8, json.size()) == json);
  CHECK(bytes.substr(8 + json.size(), padded - json.size()) ==
        std::string(padded - json.size(), ' '));
  REQUIRE(bytes.size() == 8 + n + 16);
  std::int64_t a = 0;
  std::memcpy(&a, bytes.data() + 8 + n, 8);
  CHECK(a == 7);
}

TEST_CASE("shard_file_name is the hub's") {
  CHECK(gemma4::shard_file_name(0, 2) == "model-00001-of-00002.safetensors");
  CHECK(gemma4::shard_file_name(11, 12) == "model-00012-of-00012.safetensors");
}

TEST_CASE("index JSON is json.dumps(indent=2, sort_keys=True) + newline") {
  TempDir tmp;
  std::vector<TensorWrite> ts;
  ts.push_back(gemma4::tensor_from<float>("b", {1}, {1}));
  ts.push_back(gemma4::tensor_from<float>("a", {1}, {2}));
  gemma4::WriteOptions opt;
  opt.max_shard_bytes = 4;
  gemma4::write_checkpoint(tmp.path, std::move(ts), opt);
  CHECK(read_text(tmp / "model.safetensors.index.json") ==
        "{\n"
        "  \"metadata\": {\n"
        "    \"total_size\": 8\n"
        "  },\n"
        "  \"weight_map\": {\n"
        "    \"a\": \"model-00001-of-00002.safetensors\",\n"
        "    \"b\": \"model-00002-of-00002.safetensors\"\n"
        "  }\n"
        "}\n");
}

TEST_CASE("streaming fill: chunks in order, progress reaches the total") {
  TempDir tmp;
  // 5M float32 = 20 MB: more than one 16 MiB chunk.
  const std::size_t n = 5'000'000;
  std::size_t next = 0, calls = 0;
  TensorWrite t{"big", DType::F32, {static_cast<std::int64_t>(n)}, {}};
  t.fill = [&](std::size_t first, std::span<std::byte> out) {
    CHECK(first == next);
    CHECK(out.size() % 4 == 0);
    std::vector<float> v(out.size() / 4);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(first + i);
    std::memcpy(out.data(), v.data(), out.size());
    next += v.size();
    ++calls;
  };
  std::size_t last_done = 0, last_total = 0;
  gemma4::WriteOptions opt;
  opt.progress = [&](std::string_view stage, std::size_t done, std::size_t total) {
    CHECK(stage == "write");
    CHECK(done >= last_done);
    last_done = done;
    last_total = total;
  };
  std::vector<TensorWrite> ts;
  ts.push_back(std::move(t));
  gemma4::write_checkpoint(tmp.path, std::move(ts), opt);
  CHECK(next == n);
  CHECK(calls == 2);
  CHECK(last_done == n * 4);
  CHECK(last_total == n * 4);
  Checkpoint ckpt(tmp.path);
  const auto v = ckpt.read<float>("big");
  CHECK(v[0] == 0.0f);
  CHECK(v[n - 1] == static_cast<float>(n - 1));
  CHECK(v[4194304] == 4194304.0f);  // first element of the second chunk
}

TEST_CASE("tensor_copy converts a checkpoint tensor (F32 -> BF16) while writing") {
  TempDir tmp;
  Checkpoint src(fs::path(GEMMA4_TEST_DATA_DIR) / "golden" / "text-e2b-tiny");
  std::vector<TensorWrite> ts;
  for (const auto& name : src.names()) {
    const auto r = src.at(name);
    ts.push_back(gemma4::tensor_copy(*r.file, *r.info, DType::BF16));
  }
  gemma4::write_checkpoint(tmp.path, std::move(ts));
  Checkpoint dst(tmp.path);
  CHECK(dst.names() == src.names());
  for (const auto& name : src.names()) {
    CAPTURE(name);
    CHECK(dst.at(name).info->dtype == DType::BF16);
    const auto a = src.read<Eigen::bfloat16>(name);
    const auto b = dst.read<Eigen::bfloat16>(name);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * 2) == 0);
  }
}

TEST_CASE("writer rejects bad tensors") {
  TempDir tmp;
  CHECK_THROWS_WITH_AS(gemma4::tensor_from<float>("w", {2, 2}, {1, 2, 3}),
                       doctest::Contains("tensor 'w' [2, 2] needs 4 values, got 3"), gemma4::Error);
  std::vector<TensorWrite> dup;
  dup.push_back(gemma4::tensor_from<float>("w", {1}, {1}));
  dup.push_back(gemma4::tensor_from<float>("w", {1}, {2}));
  CHECK_THROWS_WITH_AS(gemma4::write_checkpoint(tmp.path, std::move(dup)),
                       doctest::Contains("'w' given twice"), gemma4::Error);
  std::vector<TensorWrite> neg;
  neg.push_back(TensorWrite{"n", DType::F32, {-1}, {}});
  CHECK_THROWS_WITH_AS(gemma4::write_checkpoint(tmp.path, std::move(neg)),
                       doctest::Contains("negative shape"), gemma4::Error);
  std::vector<TensorWrite> ok;
  ok.push_back(gemma4::tensor_from<float>("w", {1}, {1}));
  std::ofstream(tmp / "plain_file") << "x";  // a file where the folder should go
  CHECK_THROWS_WITH_AS(gemma4::write_checkpoint(tmp / "plain_file" / "x", std::move(ok)),
                       doctest::Contains("cannot create folder"), gemma4::Error);
}
