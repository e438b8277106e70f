// gemma4/io/checkpoint.hpp: all the tensors of a Hugging Face checkpoint, single file or sharded.
//
// A Hugging Face model folder holds its weights in one of two layouts:
//
//   model.safetensors                                  one file (see safetensors.hpp)
//   model.safetensors.index.json                       sharded: the index
//   model-00001-of-00002.safetensors, ...              and its shards
//
// The index is JSON: {"metadata": {"total_size": <bytes>}, "weight_map": {"<tensor>": "<shard
// file>", ...}}. Checkpoint opens every shard the index names (each mapped and validated by
// SafetensorsFile), checks that each tensor is in the shard the index assigns it to, and offers one
// name -> (file, tensor) lookup over all of them. It can also be given one .safetensors file or
// the index file directly. Tensors a shard holds but the index does not list are still found
// (transformers would ignore them; a name in two shards that the index does not settle is an
// error).
//
// The mappings live as long as the Checkpoint (hold it in a std::shared_ptr<const Checkpoint> when
// weights are views into it); the class is move-only and moving it does not move the mappings.
//
//   gemma4::Checkpoint ckpt("gemma-4-E2B-it");
//   auto ref = ckpt.at("model.language_model.embed_tokens.weight");   // Ref{file, info}
//   std::span<const std::byte> raw = ref.file->data(*ref.info);        // [262144, 1536] BF16
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemma4/core/error.hpp"
#include "gemma4/core/progress.hpp"
#include "gemma4/io/safetensors.hpp"

namespace gemma4 {

class Checkpoint {
 public:
  /// The file names of the two hub layouts.
  static constexpr std::string_view single_file_name = "model.safetensors";
  static constexpr std::string_view index_file_name = "model.safetensors.index.json";

  /// Opens a folder (model.safetensors.index.json preferred over model.safetensors), an index
  /// .json file or one .safetensors file. Reports progress("open", shards opened, shards).
  explicit Checkpoint(const std::filesystem::path& dir_or_file, ProgressFn progress = {})
      : path_(dir_or_file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(dir_or_file, ec)) {
      const fs::path index = dir_or_file / index_file_name;
      const fs::path single = dir_or_file / single_file_name;
      if (fs::exists(index, ec))
        open_index(index, progress);
      else if (fs::exists(single, ec))
        open_single(single, progress);
      else {
        detail::fail(dir_or_file.string(), ": no ", single_file_name, " or ", index_file_name,
                     " in this folder");
      }
    } else if (!fs::exists(dir_or_file, ec)) {
      detail::fail(dir_or_file.string(), ": no such file or folder");
    } else if (dir_or_file.extension() == ".json") {
      open_index(dir_or_file, progress);
    } else {
      open_single(dir_or_file, progress);
    }
  }
  Checkpoint(Checkpoint&&) noexcept = default;
  Checkpoint& operator=(Checkpoint&&) noexcept = default;
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  /// A tensor: the file it lives in and its header entry (both owned by the Checkpoint).
  struct Ref {
    const SafetensorsFile* file;
    const TensorInfo* info;
    std::span<const std::byte> data() const { return file->data(*info); }
  };

  /// The tensor called `name`, if any shard has it.
  std::optional<Ref> find(std::string_view name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  /// The tensor called `name`; throws "<checkpoint>: no tensor '<name>'".
  Ref at(std::string_view name) const {
    if (auto r = find(name)) return *r;
    detail::fail(path_.string(), ": no tensor '", name, "' in the checkpoint (", index_.size(),
                 " tensors in ", files_.size(), files_.size() == 1 ? " file)" : " files)");
  }

  bool contains(std::string_view name) const { return index_.find(name) != index_.end(); }

  /// Every tensor name of every shard, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(index_.size());
    for (const auto& [name, ref] : index_) out.push_back(name);
    return out;
  }

  /// The path given to the constructor.
  const std::filesystem::path& path() const { return path_; }

  /// The opened files (one, or the shards in file-name order).
  std::vector<const SafetensorsFile*> files() const {
    std::vector<const SafetensorsFile*> out;
    for (const auto& f : files_) out.push_back(f.get());
    return out;
  }

  /// Total bytes of all tensors (what the index's metadata.total_size records).
  std::size_t total_bytes() const {
    std::size_t n = 0;
    for (const auto& [name, ref] : index_) n += ref.info->nbytes();
    return n;
  }

  /// A converting copy of a tensor (see SafetensorsFile::read).
  template <class T>
  std::vector<T> read(std::string_view name) const {
    const Ref r = at(name);
    std::vector<T> out(static_cast<std::size_t>(r.info->numel()));
    r.file->read_into<T>(*r.info, std::span<T>(out));
    return out;
  }

 private:
  void open_single(const std::filesystem::path& file, const ProgressFn& progress) {
    detail::report(progress, "open", 0, 1);
    files_.push_back(std::make_unique<SafetensorsFile>(file));
    for (const auto& t : files_.back()->tensors())
      index_.emplace(t.name, Ref{files_.back().get(), &t});
    detail::report(progress, "open", 1, 1);
  }

  void open_index(const std::filesystem::path& index_path, const ProgressFn& progress) {
    const std::string where = index_path.string();
    std::ifstream in(index_path, std::ios::binary);
    if (!in) detail::fail(where, ": cannot open index file");
    std::ostringstream text;
    text << in.rdbuf();
    nlohmann::json index;
    try {
      index = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
      detail::fail(where, ": malformed JSON: ", e.what());
    }
    if (!index.is_object()) detail::fail(where, ": not a JSON object");
    const auto wm = index.find("weight_map");
    if (wm == index.end() || !wm->is_object()) detail::fail(where, ": no \"weight_map\" object");

    // Shard names: plain relative paths inside the folder (no "..", not absolute).
    std::map<std::string, std::vector<std::string>> shard_tensors;
    for (const auto& [name, file] : wm->items()) {
      if (!file.is_string()) detail::fail(where, ": weight_map entry '", name, "' is not a string");
      const std::string& f = file.get_ref<const std::string&>();
      const std::filesystem::path fp(f);
      if (f.empty() || fp.is_absolute() ||
          std::any_of(fp.begin(), fp.end(), [](const auto& part) { return part == ".."; })) {
        detail::fail(where, ": weight_map entry '", name, "' names shard '", f,
                     "' outside the checkpoint folder");
      }
      shard_tensors[f].push_back(name);
    }
    if (shard_tensors.empty()) detail::fail(where, ": weight_map is empty");

    const std::filesystem::path dir = index_path.parent_path();
    std::size_t done = 0;
    detail::report(progress, "open", 0, shard_tensors.size());
    for (const auto& [shard, names] : shard_tensors) {
      const std::filesystem::path sp = dir / shard;
      std::error_code ec;
      if (!std::filesystem::exists(sp, ec)) {
        detail::fail(where, ": shard '", shard, "' (holding ", names.size(), " tensors, e.g. '",
                     names.front(), "') is missing: ", sp.string());
      }
      files_.push_back(std::make_unique<SafetensorsFile>(sp));
      const SafetensorsFile* f = files_.back().get();
      for (const auto& name : names) {
        const TensorInfo* t = f->find(name);
        if (!t) {
          detail::fail(where, ": the index puts tensor '", name, "' in shard '", shard,
                       "' but that file has no such tensor");
        }
        index_.emplace(name, Ref{f, t});
      }
      detail::report(progress, "open", ++done, shard_tensors.size());
    }
    // Tensors the shards hold but the index does not list.
    std::map<std::string, const SafetensorsFile*, std::less<>> extra;
    for (const auto& f : files_) {
      for (const auto& t : f->tensors()) {
        if (index_.count(t.name)) continue;
        if (auto it = extra.find(t.name); it != extra.end()) {
          detail::fail(where, ": tensor '", t.name, "' is in both ", it->second->path().string(),
                       " and ", f->path().string(), " and the index lists neither");
        }
        extra.emplace(t.name, f.get());
      }
    }
    for (const auto& [name, f] : extra) index_.emplace(name, Ref{f, f->find(name)});
  }

  std::filesystem::path path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, Ref, std::less<>> index_;
};

}  // namespace gemma4
