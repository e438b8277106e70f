// tests/io/gguf_reader.hpp: an independent GGUF v3 reader for the tests (not library API).
//
// Written from the format of ggml/src/gguf.cpp, not from gguf_writer.hpp, so that a round trip
// through both checks the writer: every key with its type and value, every tensor with its
// name, ne (ggml order), ggml type, offset (aligned, inside the file) and bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace gemma4::test {

struct GgufFile {
  struct Value {
    std::uint32_t type = 0;       // gguf_type
    std::uint32_t elem_type = 0;  // arrays: element type
    std::vector<std::int64_t> ints;
    std::vector<double> floats;
    std::vector<std::string> strings;
  };
  struct Tensor {
    std::string name;
    std::vector<std::int64_t> ne;
    std::uint32_t type = 0;
    std::uint64_t offset = 0;  // from the start of the data section
    std::vector<char> bytes;
  };
  std::uint32_t version = 0;
  std::map<std::string, Value> kv;
  std::vector<std::string> key_order;
  std::vector<Tensor> tensors;
  std::uint64_t data_start = 0;

  const Tensor* find(const std::string& name) const {
    for (const auto& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
  std::int64_t integer(const std::string& key) const { return kv.at(key).ints.at(0); }
  double real(const std::string& key) const { return kv.at(key).floats.at(0); }
  const std::string& str(const std::string& key) const { return kv.at(key).strings.at(0); }
};

inline std::size_t gguf_type_size(std::uint32_t ggml_type) {
  switch (ggml_type) {
    case 0:
      return 4;  // F32
    case 1:
    case 30:
      return 2;  // F16, BF16
    default:
      throw std::runtime_error("gguf_reader: unexpected ggml type " + std::to_string(ggml_type));
  }
}

inline GgufFile read_gguf(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("gguf_reader: cannot open " + path.string());
  std::vector<char> all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t pos = 0;
  auto need = [&](std::size_t n) {
    if (pos + n > all.size()) throw std::runtime_error("gguf_reader: truncated " + path.string());
  };
  auto get = [&]<class V>(V*) {
    need(sizeof(V));
    V v;
    std::memcpy(&v, all.data() + pos, sizeof(V));
    pos += sizeof(V);
    return v;
  };
  auto u32 = [&] { return get(static_cast<std::uint32_t*>(nullptr)); };
  auto u64 = [&] { return get(static_cast<std::uint64_t*>(nullptr)); };
  auto str = [&] {
    const auto n = u64();
    need(n);
    std::string s(all.data() + pos, n);
    pos += n;
    return s;
  };
  GgufFile f;
  need(4);
  if (std::string(all.data(), 4) != "GGUF") throw std::runtime_error("gguf_reader: bad magic");
  pos = 4;
  f.version = u32();
  const auto n_tensors = static_cast<std::int64_t>(u64());
  const auto n_kv = static_cast<std::int64_t>(u64());
  auto scalar = [&](std::uint32_t t, GgufFile::Value& v) {
    switch (t) {
      case 0:
        v.ints.push_back(get(static_cast<std::uint8_t*>(nullptr)));
        break;
      case 1:
        v.ints.push_back(get(static_cast<std::int8_t*>(nullptr)));
        break;
      case 2:
        v.ints.push_back(get(static_cast<std::uint16_t*>(nullptr)));
        break;
      case 3:
        v.ints.push_back(get(static_cast<std::int16_t*>(nullptr)));
        break;
      case 4:
        v.ints.push_back(get(static_cast<std::uint32_t*>(nullptr)));
        break;
      case 5:
        v.ints.push_back(get(static_cast<std::int32_t*>(nullptr)));
        break;
      case 6:
        v.floats.push_back(get(static_cast<float*>(nullptr)));
        break;
      case 7: {
        const auto b = get(static_cast<std::uint8_t*>(nullptr));
        if (b > 1) throw std::runtime_error("gguf_reader: bool is not 0 or 1");
        v.ints.push_back(b);
        break;
      }
      case 8:
        v.strings.push_back(str());
        break;
      case 10:
        v.ints.push_back(static_cast<std::int64_t>(get(static_cast<std::uint64_t*>(nullptr))));
        break;
      case 11:
        v.ints.push_back(get(static_cast<std::int64_t*>(nullptr)));
        break;
      case 12:
        v.floats.push_back(get(static_cast<double*>(nullptr)));
        break;
      default:
        throw std::runtime_error("gguf_reader: bad value type " + std::to_string(t));
    }
  };
  for (std::int64_t i = 0; i < n_kv; ++i) {
    const std::string key = str();
    GgufFile::Value v;
    v.type = u32();
    if (v.type == 9) {
      v.elem_type = u32();
      const auto n = u64();
      for (std::uint64_t j = 0; j < n; ++j) scalar(v.elem_type, v);
    } else {
      scalar(v.type, v);
    }
    if (f.kv.count(key)) throw std::runtime_error("gguf_reader: duplicate key " + key);
    f.key_order.push_back(key);
    f.kv.emplace(key, std::move(v));
  }
  std::uint64_t alignment = 32;
  if (auto it = f.kv.find("general.alignment"); it != f.kv.end())
    alignment = static_cast<std::uint64_t>(it->second.ints.at(0));
  for (std::int64_t i = 0; i < n_tensors; ++i) {
    GgufFile::Tensor t;
    t.name = str();
    const auto n_dims = u32();
    for (std::uint32_t d = 0; d < n_dims; ++d)
      t.ne.push_back(get(static_cast<std::int64_t*>(nullptr)));
    t.type = u32();
    t.offset = u64();
    if (t.offset % alignment != 0) throw std::runtime_error("gguf_reader: unaligned " + t.name);
    f.tensors.push_back(std::move(t));
  }
  f.data_start = (pos + alignment - 1) / alignment * alignment;
  for (auto& t : f.tensors) {
    std::uint64_t n = gguf_type_size(t.type);
    for (auto d : t.ne) n *= static_cast<std::uint64_t>(d);
    pos = f.data_start + t.offset;
    need(n);
    t.bytes.assign(all.data() + pos, all.data() + pos + n);
  }
  return f;
}

}  // namespace gemma4::test
