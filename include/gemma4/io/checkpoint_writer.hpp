// gemma4/io/checkpoint_writer.hpp: writes safetensors files and sharded checkpoints in the hub
// layout.
//
// A file is written exactly as Hugging Face's safetensors writes one (see safetensors.hpp for the
// format): u64 little-endian header length N; a compact JSON header
//   {"__metadata__":{"format":"pt"},"<name>":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}
// padded with spaces so that 8 + N is a multiple of 8; then the data section, tensors back to back
// in the order of their header entries. Tensors are sorted by name (header and data alike).
//
// A checkpoint folder is written as save_pretrained(safe_serialization=True) does:
//   model.safetensors                                 when everything fits in one shard, else
//   model-00001-of-0000K.safetensors ... + model.safetensors.index.json
//     {"metadata": {"total_size": <sum of tensor bytes>}, "weight_map": {"<name>": "<shard>"}}
//     (json.dumps(indent=2, sort_keys=True) + "\n")
// Shards are filled greedily in name order: a new shard starts when the next tensor would take the
// current one past max_shard_bytes (a larger tensor gets a shard of its own).
//
// Tensor data is produced on demand, chunk by chunk, by a fill callback, so a checkpoint far
// larger than RAM (E2B's 2.35e9-entry PLE table) is written in constant memory. Files are written
// to "<name>.tmp" and renamed when complete.
//
//   std::vector<gemma4::TensorWrite> ts;
//   ts.push_back(gemma4::tensor_from<float>("w", {2, 3}, {1, 2, 3, 4, 5, 6}));
//   gemma4::write_checkpoint("out_dir", std::move(ts));   // out_dir/model.safetensors
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemma4/core/error.hpp"
#include "gemma4/core/progress.hpp"
#include "gemma4/io/safetensors.hpp"

namespace gemma4 {

/// A tensor to write: its header entry and a callback producing its bytes.
struct TensorWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  /// Writes the raw little-endian bytes of elements [first, first + out.size() / dtype_size) into
  /// out. Called with consecutive, non-overlapping chunks covering the tensor, in order.
  std::function<void(std::size_t first, std::span<std::byte> out)> fill;

  std::int64_t numel() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype); }
};

/// A tensor written from values (copied in; the result owns them), stored as dtype_of<T>().
template <class T>
TensorWrite tensor_from(std::string name, std::vector<std::int64_t> shape, std::vector<T> values) {
  TensorWrite t{std::move(name), dtype_of<T>(), std::move(shape), {}};
  if (static_cast<std::size_t>(t.numel()) != values.size()) {
    detail::fail("tensor_from: tensor '", t.name, "' ", detail::shape_string(t.shape), " needs ",
                 t.numel(), " values, got ", values.size());
  }
  auto data = std::make_shared<const std::vector<T>>(std::move(values));
  t.fill = [data](std::size_t first, std::span<std::byte> out) {
    std::memcpy(out.data(), data->data() + first, out.size());
  };
  return t;
}

/// A tensor copied from a checkpoint file, converted to `dtype` (a plain copy when it matches).
inline TensorWrite tensor_copy(const SafetensorsFile& file, const TensorInfo& info, DType dtype,
                               std::string name = {}) {
  TensorWrite t{name.empty() ? info.name : std::move(name), dtype, info.shape, {}};
  const SafetensorsFile* f = &file;
  const TensorInfo* in = &info;
  t.fill = [f, in, dtype](std::size_t first, std::span<std::byte> out) {
    const std::size_t esrc = dtype_size(in->dtype), edst = dtype_size(dtype);
    const auto src = f->data(*in).subspan(first * esrc, out.size() / edst * esrc);
    auto run = [&]<class T>(T*) { convert<T>(in->dtype, src, reinterpret_cast<T*>(out.data())); };
    switch (dtype) {
      case DType::F64:
        run(static_cast<double*>(nullptr));
        break;
      case DType::F32:
        run(static_cast<float*>(nullptr));
        break;
      case DType::F16:
        run(static_cast<Eigen::half*>(nullptr));
        break;
      case DType::BF16:
        run(static_cast<Eigen::bfloat16*>(nullptr));
        break;
      case DType::I64:
        run(static_cast<std::int64_t*>(nullptr));
        break;
      case DType::I32:
        run(static_cast<std::int32_t*>(nullptr));
        break;
    }
  };
  return t;
}

namespace detail {

/// The header bytes of a safetensors file holding `tensors` in this order: u64 length + JSON +
/// spaces up to a multiple of 8.
inline std::string safetensors_header(const std::vector<const TensorWrite*>& tensors,
                                      const std::map<std::string, std::string>& metadata) {
  std::string json = "{";
  bool first = true;
  if (!metadata.empty()) {
    json += "\"__metadata__\":" + nlohmann::json(metadata).dump();
    first = false;
  }
  std::size_t offset = 0;
  for (const TensorWrite* t : tensors) {
    const std::size_t n = t->nbytes();
    nlohmann::json shape = t->shape;
    json += concat(first ? "" : ",", nlohmann::json(t->name).dump(), ":{\"dtype\":\"",
                   dtype_name(t->dtype), "\",\"shape\":", shape.dump(), ",\"data_offsets\":[",
                   offset, ",", offset + n, "]}");
    offset += n;
    first = false;
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');  // 8 + N stays a multiple of 8
  std::string out(8, '\0');
  const std::uint64_t len = json.size();
  std::memcpy(out.data(), &len, 8);  // little-endian host (safetensors.hpp asserts it)
  return out + json;
}

/// Closes a FILE* on scope exit.
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

inline void check_tensors(const std::vector<TensorWrite>& tensors) {
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    if (t.name == "__metadata__") fail("write: '__metadata__' is not a tensor name");
    for (auto d : t.shape)
      if (d < 0) fail("write: tensor '", t.name, "' has negative shape ", shape_string(t.shape));
    if (!t.fill && t.nbytes()) fail("write: tensor '", t.name, "' has no fill callback");
    if (i && tensors[i - 1].name == t.name) fail("write: tensor '", t.name, "' given twice");
  }
}

/// Writes one file from tensors already in order; `done`/`total` count bytes for progress.
inline void write_safetensors_file(const std::filesystem::path& path,
                                   const std::vector<const TensorWrite*>& tensors,
                                   const std::map<std::string, std::string>& metadata,
                                   const ProgressFn& progress, std::size_t& done,
                                   std::size_t total) {
  const std::filesystem::path tmp = std::filesystem::path(path).concat(".tmp");
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(tmp.string().c_str(), "wb"));
  if (!out) fail(tmp.string(), ": cannot create file: ", std::strerror(errno));
  auto put = [&](const void* p, std::size_t n) {
    if (n && std::fwrite(p, 1, n, out.get()) != n) {
      fail(tmp.string(), ": write failed: ", std::strerror(errno));
    }
  };
  const std::string header = safetensors_header(tensors, metadata);
  put(header.data(), header.size());

  constexpr std::size_t chunk_bytes = 16u << 20;
  std::vector<std::byte> buf;
  for (const TensorWrite* t : tensors) {
    const std::size_t esize = dtype_size(t->dtype);
    const std::size_t n = t->nbytes();
    const std::size_t chunk = chunk_bytes / esize * esize;
    buf.resize(std::min(n, chunk));
    for (std::size_t pos = 0; pos < n; pos += chunk) {
      const std::size_t len = std::min(chunk, n - pos);
      std::span<std::byte> s(buf.data(), len);
      t->fill(pos / esize, s);
      put(s.data(), len);
      done += len;
      report(progress, "write", done, total);
    }
  }
  if (std::fflush(out.get()) != 0) fail(tmp.string(), ": write failed: ", std::strerror(errno));
  out.reset();
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(path.string(), ": cannot rename from ", tmp.string(), ": ", ec.message());
}

inline std::vector<const TensorWrite*> sorted_by_name(std::vector<TensorWrite>& tensors) {
  std::sort(tensors.begin(), tensors.end(),
            [](const TensorWrite& a, const TensorWrite& b) { return a.name < b.name; });
  check_tensors(tensors);
  std::vector<const TensorWrite*> out;
  for (const auto& t : tensors) out.push_back(&t);
  return out;
}

}  // namespace detail

/// Writes one .safetensors file holding `tensors` sorted by name. Reports progress("write", bytes
/// written, total bytes).
inline void write_safetensors(const std::filesystem::path& path, std::vector<TensorWrite> tensors,
                              const std::map<std::string, std::string>& metadata = {{"format",
                                                                                     "pt"}},
                              const ProgressFn& progress = {}) {
  const auto order = detail::sorted_by_name(tensors);
  std::size_t total = 0, done = 0;
  for (const auto* t : order) total += t->nbytes();
  detail::report(progress, "write", 0, total);
  detail::write_safetensors_file(path, order, metadata, progress, done, total);
  detail::report(progress, "write", total, total);
}

struct WriteOptions {
  /// Shard size limit in bytes; transformers' default max_shard_size is "5GB" = 5e9 bytes.
  std::size_t max_shard_bytes = 5'000'000'000;
  /// The "__metadata__" of every file.
  std::map<std::string, std::string> metadata{{"format", "pt"}};
  /// progress("write", bytes written, total bytes).
  ProgressFn progress;
};

/// The hub's shard file name: shard_file_name(0, 2) == "model-00001-of-00002.safetensors".
inline std::string shard_file_name(std::size_t index, std::size_t count) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", index + 1, count);
  return buf;
}

/// Writes `tensors` into folder `dir` (created if needed) as model.safetensors, or as shards plus
/// model.safetensors.index.json when they exceed options.max_shard_bytes. Returns the files
/// written (shards first, then the index).
inline std::vector<std::filesystem::path> write_checkpoint(const std::filesystem::path& dir,
                                                           std::vector<TensorWrite> tensors,
                                                           const WriteOptions& options = {}) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) detail::fail(dir.string(), ": cannot create folder: ", ec.message());
  const auto order = detail::sorted_by_name(tensors);

  // Greedy split in name order, as huggingface_hub's split_state_dict_into_shards does.
  std::vector<std::vector<const TensorWrite*>> shards(1);
  std::size_t current = 0, total = 0;
  for (const auto* t : order) {
    const std::size_t n = t->nbytes();
    if (!shards.back().empty() && current + n > options.max_shard_bytes) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(t);
    current += n;
    total += n;
  }

  std::vector<std::filesystem::path> written;
  std::size_t done = 0;
  detail::report(options.progress, "write", 0, total);
  if (shards.size() == 1) {
    written.push_back(dir / "model.safetensors");
    detail::write_safetensors_file(written.back(), shards[0], options.metadata, options.progress,
                                   done, total);
  } else {
    nlohmann::json weight_map = nlohmann::json::object();
    for (std::size_t i = 0; i < shards.size(); ++i) {
      const std::string file = shard_file_name(i, shards.size());
      written.push_back(dir / file);
      detail::write_safetensors_file(written.back(), shards[i], options.metadata, options.progress,
                                     done, total);
      for (const auto* t : shards[i]) weight_map[t->name] = file;
    }
    const nlohmann::json index = {{"metadata", {{"total_size", total}}},
                                  {"weight_map", weight_map}};
    written.push_back(dir / "model.safetensors.index.json");
    const std::string text = index.dump(2) + "\n";
    std::unique_ptr<std::FILE, detail::FileCloser> out(
        std::fopen(written.back().string().c_str(), "wb"));
    if (!out || std::fwrite(text.data(), 1, text.size(), out.get()) != text.size()) {
      detail::fail(written.back().string(), ": cannot write index: ", std::strerror(errno));
    }
  }
  detail::report(options.progress, "write", total, total);
  return written;
}

}  // namespace gemma4
