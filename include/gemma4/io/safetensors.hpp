// gemma4/io/safetensors.hpp: a validating, memory-mapped reader of one .safetensors file.
//
// The format (https://github.com/huggingface/safetensors), all integers little-endian:
//
//   bytes [0, 8)        N, an unsigned 64-bit header length
//   bytes [8, 8+N)      a UTF-8 JSON object (Hugging Face pads it with spaces to a multiple of 8):
//                         {"__metadata__": {"format": "pt"},          <- optional, string -> string
//                          "<tensor name>": {"dtype": "BF16", "shape": [262144, 1536],
//                                            "data_offsets": [begin, end]}, ...}
//   bytes [8+N, EOF)    the data section; tensor t is the bytes [begin, end) of it, row-major
//                       (C order), little-endian, no padding between elements
//
// The file is mapped read-only and checked completely before anything is handed out: the header
// length against the file size and a 100 MiB bound, the JSON, every entry's dtype, shape and
// offsets (inside the data section, shape product x element size == end - begin, computed without
// overflow) and that no two tensors overlap. Any failure is a gemma4::Error "<file>: <problem>".
// After that, data() is a zero-copy view into the mapping: a 2.35e9-entry table costs no RAM
// until its rows are touched, and then only the pages touched.
//
//   gemma4::SafetensorsFile f("model.safetensors");
//   const auto& info = f.at("model.language_model.norm.weight");   // dtype, shape, byte range
//   std::vector<float> w = f.read<float>(info.name);                 // converting copy
//   if (const float* p = f.try_view<float>(info)) { /* zero copy: stored as aligned F32 */ }
//
// The mapping assumes the file is not truncated while it is open (as any mmap reader does).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "gemma4/core/error.hpp"

#if defined(_WIN32)
#include <fstream>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace gemma4 {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; gemma4 reads it in place on little-endian hosts");

/// The element types a checkpoint tensor can be stored in.
enum class DType : std::uint8_t { F64, F32, F16, BF16, I64, I32 };

/// The safetensors spelling of a dtype: "F64", "F32", "F16", "BF16", "I64", "I32".
constexpr std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::F64:
      return "F64";
    case DType::F32:
      return "F32";
    case DType::F16:
      return "F16";
    case DType::BF16:
      return "BF16";
    case DType::I64:
      return "I64";
    case DType::I32:
      return "I32";
  }
  return "?";
}

/// Bytes per element.
constexpr std::size_t dtype_size(DType d) {
  switch (d) {
    case DType::F64:
    case DType::I64:
      return 8;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F16:
    case DType::BF16:
      return 2;
  }
  return 0;
}

/// True for F64, F32, F16, BF16.
constexpr bool dtype_is_floating(DType d) {
  return d == DType::F64 || d == DType::F32 || d == DType::F16 || d == DType::BF16;
}

/// Parses a safetensors dtype name; false when it is not one of the six supported ones.
constexpr bool parse_dtype(std::string_view s, DType& out) {
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32}) {
    if (dtype_name(d) == s) {
      out = d;
      return true;
    }
  }
  return false;
}

namespace detail {
template <class T>
inline constexpr bool dependent_false = false;

/// double, float, Eigen::half, Eigen::bfloat16.
template <class T>
inline constexpr bool is_float_type =
    std::is_same_v<T, double> || std::is_same_v<T, float> || std::is_same_v<T, Eigen::half> ||
    std::is_same_v<T, Eigen::bfloat16>;

/// std::int64_t, std::int32_t.
template <class T>
inline constexpr bool is_int_type =
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::int32_t>;
}  // namespace detail

/// The dtype that stores T: dtype_of<float>() == DType::F32. Only the six element types exist.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, double>)
    return DType::F64;
  else if constexpr (std::is_same_v<T, float>)
    return DType::F32;
  else if constexpr (std::is_same_v<T, Eigen::half>)
    return DType::F16;
  else if constexpr (std::is_same_v<T, Eigen::bfloat16>)
    return DType::BF16;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return DType::I64;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DType::I32;
  else
    static_assert(detail::dependent_false<T>, "no safetensors dtype for this type");
}

/// One entry of the header, after validation.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;  // row-major; [] is a scalar
  std::size_t begin = 0, end = 0;   // byte offsets inside the data section
  std::size_t nbytes() const { return end - begin; }
  /// Number of elements: the product of shape (1 for a scalar). Cannot overflow: validated.
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

namespace detail {
/// Element i of an unaligned little-endian array of S.
template <class S>
S load_element(const std::byte* p, std::size_t i) {
  S v;
  std::memcpy(static_cast<void*>(&v), p + i * sizeof(S), sizeof(S));
  return v;
}
}  // namespace detail

/// Converts n = src.size() / dtype_size(from) elements stored as `from` into T.
/// Floating <-> floating rounds to nearest (F64 -> BF16/F16 goes through float); integers convert
/// to integers (narrowing checked: an I64 value outside int32 throws) or to floating types.
/// Floating -> integer throws. src need not be aligned.
template <class T>
void convert(DType from, std::span<const std::byte> src, T* dst) {
  static_assert(
      detail::is_float_type<T> || detail::is_int_type<T>,
      "convert<T>: T must be double, float, Eigen::half, Eigen::bfloat16, int64 or int32");
  const std::size_t esize = dtype_size(from);
  if (src.size() % esize != 0) {
    detail::fail("convert: ", src.size(), " bytes is not a whole number of ", dtype_name(from),
                 " elements");
  }
  const std::size_t n = src.size() / esize;
  const std::byte* p = src.data();
  if (from == dtype_of<T>()) {  // same representation: one copy
    if (n) std::memcpy(static_cast<void*>(dst), p, src.size());
    return;
  }
  if constexpr (detail::is_float_type<T>) {
    // Floating source: widen to float or double, then round to T.
    auto from_double = [](double v) {
      if constexpr (std::is_same_v<T, double>)
        return v;
      else if constexpr (std::is_same_v<T, float>)
        return static_cast<float>(v);
      else
        return T(static_cast<float>(v));
    };
    auto from_float = [](float v) {
      if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>)
        return static_cast<T>(v);
      else
        return T(v);
    };
    switch (from) {
      case DType::F64:
        for (std::size_t i = 0; i < n; ++i)
          dst[i] = from_double(detail::load_element<double>(p, i));
        return;
      case DType::F32:
        for (std::size_t i = 0; i < n; ++i) dst[i] = from_float(detail::load_element<float>(p, i));
        return;
      case DType::F16:
        for (std::size_t i = 0; i < n; ++i)
          dst[i] = from_float(static_cast<float>(detail::load_element<Eigen::half>(p, i)));
        return;
      case DType::BF16:
        for (std::size_t i = 0; i < n; ++i)
          dst[i] = from_float(static_cast<float>(detail::load_element<Eigen::bfloat16>(p, i)));
        return;
      case DType::I64:
        for (std::size_t i = 0; i < n; ++i)
          dst[i] = from_double(static_cast<double>(detail::load_element<std::int64_t>(p, i)));
        return;
      case DType::I32:
        for (std::size_t i = 0; i < n; ++i)
          dst[i] = from_double(static_cast<double>(detail::load_element<std::int32_t>(p, i)));
        return;
    }
  } else {
    switch (from) {
      case DType::I64:
        for (std::size_t i = 0; i < n; ++i) {
          const std::int64_t v = detail::load_element<std::int64_t>(p, i);
          if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
            detail::fail("convert: I64 element ", i, " = ", v, " does not fit ",
                         dtype_name(dtype_of<T>()));
          }
          dst[i] = static_cast<T>(v);
        }
        return;
      case DType::I32:
        for (std::size_t i = 0; i < n; ++i)
          dst[i] = static_cast<T>(detail::load_element<std::int32_t>(p, i));
        return;
      default:
        detail::fail("convert: cannot convert floating ", dtype_name(from), " to integer ",
                     dtype_name(dtype_of<T>()));
    }
  }
}

namespace detail {

/// A read-only view of a whole file: mmap on POSIX, a heap copy elsewhere. Move-only; the bytes
/// do not move when the object does.
class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const std::filesystem::path& path) {
#if defined(_WIN32)
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path.string(), ": cannot open file");
    in.seekg(0, std::ios::end);
    const auto n = static_cast<std::size_t>(in.tellg());
    in.seekg(0);
    copy_.resize(n);
    if (n && !in.read(reinterpret_cast<char*>(copy_.data()), static_cast<std::streamsize>(n)))
      fail(path.string(), ": cannot read file");
    data_ = copy_.data();
    size_ = n;
#else
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path.string(), ": cannot open file: ", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      fail(path.string(), ": cannot stat file: ", std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      fail(path.string(), ": not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        fail(path.string(), ": cannot map ", size_, " bytes: ", std::strerror(e));
      }
      data_ = static_cast<const std::byte*>(p);
    }
    ::close(fd);  // the mapping keeps the file alive
#endif
  }
  MappedFile(MappedFile&& o) noexcept {
    swap(o);
  }
  MappedFile& operator=(MappedFile&& o) noexcept {
    MappedFile tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
#if !defined(_WIN32)
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
#endif
  }
  const std::byte* data() const {
    return data_;
  }
  std::size_t size() const {
    return size_;
  }

  /// Drops the whole pages inside [begin, end) from this process's resident set (POSIX
  /// MADV_DONTNEED; the page cache keeps them, and reading them again faults them back in).
  void release(std::size_t begin, std::size_t end) const {
#if !defined(_WIN32)
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t b = (begin + page - 1) / page * page, e = end / page * page;
    if (data_ && b < e) ::madvise(const_cast<std::byte*>(data_) + b, e - b, MADV_DONTNEED);
#else
    (void)begin, (void)end;
#endif
  }

  /// Tells the kernel how a byte range will be read (POSIX madvise; a no-op elsewhere).
  /// `random` turns read-ahead off, so touching one row of a mapped table reads about one page.
  void advise(std::size_t begin, std::size_t end, bool random) const {
#if !defined(_WIN32)
    if (!data_ || begin >= end) return;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t b = begin / page * page;
    ::madvise(const_cast<std::byte*>(data_) + b, end - b, random ? MADV_RANDOM : MADV_NORMAL);
#else
    (void)begin, (void)end, (void)random;
#endif
  }

 private:
  void swap(MappedFile& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
#if defined(_WIN32)
    std::swap(copy_, o.copy_);
#endif
  }
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
#if defined(_WIN32)
  std::vector<std::byte> copy_;
#endif
};

/// Reads a JSON value that must be a non-negative integer.
inline bool json_to_size(const nlohmann::json& j, std::uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<std::uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<std::int64_t>() >= 0) {
    out = static_cast<std::uint64_t>(j.get<std::int64_t>());
    return true;
  }
  return false;
}

}  // namespace detail

/// One .safetensors file, mapped and validated. Move-only; data views stay valid while it lives
/// (moving it does not move the mapping).
class SafetensorsFile {
 public:
  /// The largest header accepted: real checkpoints have a few hundred KiB.
  static constexpr std::uint64_t max_header_bytes = 100u << 20;

  /// Maps and validates `path`; throws gemma4::Error "<path>: <problem>".
  explicit SafetensorsFile(const std::filesystem::path& path) : path_(path), map_(path) { parse(); }
  SafetensorsFile(SafetensorsFile&&) noexcept = default;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept = default;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Every tensor, sorted by name.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  /// The "__metadata__" entries (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  /// Size of the whole file and offset of the data section (8 + header length).
  std::size_t file_size() const { return map_.size(); }
  std::size_t data_offset() const { return data_offset_; }

  /// The tensor called `name`, or nullptr.
  const TensorInfo* find(std::string_view name) const {
    auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                               [](const TensorInfo& t, std::string_view n) { return t.name < n; });
    return it != tensors_.end() && it->name == name ? &*it : nullptr;
  }

  /// The tensor called `name`; throws "<file>: no tensor '<name>'".
  const TensorInfo& at(std::string_view name) const {
    if (const TensorInfo* t = find(name)) return *t;
    detail::fail(path_.string(), ": no tensor '", name, "'");
  }

  /// The raw little-endian bytes of a tensor of this file: a view into the mapping.
  std::span<const std::byte> data(const TensorInfo& t) const {
    return {map_.data() + data_offset_ + t.begin, t.nbytes()};
  }

  /// A pointer to the tensor's elements in the mapping when it is stored as T and the address is
  /// aligned for T; nullptr otherwise (then use read<T> or read_into).
  template <class T>
  const T* try_view(const TensorInfo& t) const {
    if (t.dtype != dtype_of<T>()) return nullptr;
    const std::byte* p = map_.data() + data_offset_ + t.begin;
    if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0) return nullptr;
    return reinterpret_cast<const T*>(p);
  }

  /// Copies the tensor into dst (exactly numel() elements), converting from the stored dtype.
  template <class T>
  void read_into(const TensorInfo& t, std::span<T> dst) const {
    if (dst.size() != static_cast<std::size_t>(t.numel())) {
      detail::fail(path_.string(), ": tensor '", t.name, "' ", detail::shape_string(t.shape),
                   " has ", t.numel(), " elements, the destination ", dst.size());
    }
    try {
      convert<T>(t.dtype, data(t), dst.data());
    } catch (const Error& e) {
      detail::fail(path_.string(), ": tensor '", t.name, "': ", e.what());
    }
  }

  /// A converting copy of the tensor called `name` (row-major, numel() elements).
  template <class T>
  std::vector<T> read(std::string_view name) const {
    const TensorInfo& t = at(name);
    std::vector<T> out(static_cast<std::size_t>(t.numel()));
    read_into<T>(t, out);
    return out;
  }

  /// The tensor's mapped pages leave the resident set (after it was copied elsewhere).
  void release(const TensorInfo& t) const {
    map_.release(data_offset_ + t.begin, data_offset_ + t.end);
  }

  /// Hints that a tensor will be read at random rows (no read-ahead): a mapped embedding table
  /// then brings in about one page per row looked up. POSIX only; a no-op elsewhere.
  void advise_random(const TensorInfo& t) const {
    map_.advise(data_offset_ + t.begin, data_offset_ + t.end, true);
  }

 private:
  template <class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    detail::fail(path_.string(), ": ", args...);
  }

  void parse() {
    const std::size_t size = map_.size();
    if (size < 8) fail("file is ", size, " bytes, too short for the 8-byte header length");
    std::uint64_t n = 0;
    std::memcpy(&n, map_.data(), 8);  // little-endian (static_assert above)
    if (n > max_header_bytes) {
      fail("header length ", n, " exceeds the limit of ", max_header_bytes, " bytes");
    }
    if (n > size - 8) {
      fail("header length ", n, " runs past the end of the file (", size, " bytes)");
    }
    data_offset_ = 8 + static_cast<std::size_t>(n);
    const std::size_t data_size = size - data_offset_;

    std::string_view text(reinterpret_cast<const char*>(map_.data() + 8), n);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      fail("malformed JSON header: ", e.what());
    }
    if (!header.is_object()) fail("JSON header is not an object");

    tensors_.reserve(header.size());
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        if (!entry.is_object()) fail("__metadata__ is not an object");
        for (const auto& [k, v] : entry.items()) {
          if (!v.is_string()) fail("__metadata__ value '", k, "' is not a string");
          metadata_[k] = v.get<std::string>();
        }
        continue;
      }
      tensors_.push_back(parse_entry(name, entry, data_size));
    }
    std::sort(tensors_.begin(), tensors_.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });

    // No two non-empty byte ranges may overlap.
    std::vector<const TensorInfo*> by_offset;
    by_offset.reserve(tensors_.size());
    for (const auto& t : tensors_)
      if (t.nbytes()) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
    for (std::size_t i = 1; i < by_offset.size(); ++i) {
      const TensorInfo& a = *by_offset[i - 1];
      const TensorInfo& b = *by_offset[i];
      if (b.begin < a.end) {
        fail("tensors '", a.name, "' [", a.begin, ", ", a.end, ") and '", b.name, "' [", b.begin,
             ", ", b.end, ") overlap");
      }
    }
  }

  TensorInfo parse_entry(const std::string& name, const nlohmann::json& entry,
                         std::size_t data_size) const {
    TensorInfo t;
    t.name = name;
    if (!entry.is_object()) fail("tensor '", name, "': entry is not an object");
    const auto dt = entry.find("dtype");
    const auto sh = entry.find("shape");
    const auto off = entry.find("data_offsets");
    if (dt == entry.end()) fail("tensor '", name, "': no dtype");
    if (sh == entry.end()) fail("tensor '", name, "': no shape");
    if (off == entry.end()) fail("tensor '", name, "': no data_offsets");
    if (!dt->is_string()) fail("tensor '", name, "': dtype is not a string");
    if (!parse_dtype(dt->get_ref<const std::string&>(), t.dtype)) {
      fail("tensor '", name, "': unknown dtype '", dt->get_ref<const std::string&>(),
           "' (supported: F64, F32, F16, BF16, I64, I32)");
    }
    if (!sh->is_array()) fail("tensor '", name, "': shape is not an array");
    constexpr auto max_numel = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t numel = 1;
    bool overflow = false, zero = false;
    for (const auto& d : *sh) {
      std::uint64_t v = 0;
      if (!detail::json_to_size(d, v) || v > max_numel) {
        fail("tensor '", name, "': shape ", sh->dump(),
             " has a dimension that is not a non-negative integer");
      }
      t.shape.push_back(static_cast<std::int64_t>(v));
      if (v == 0)
        zero = true;
      else if (numel > max_numel / v)
        overflow = true;
      else
        numel *= v;
    }
    if (zero) numel = 0, overflow = false;
    const std::size_t esize = dtype_size(t.dtype);
    if (overflow || numel > std::numeric_limits<std::size_t>::max() / esize) {
      fail("tensor '", name, "': shape ", detail::shape_string(t.shape), " is too large");
    }
    const std::uint64_t expected = numel * esize;

    if (!off->is_array() || off->size() != 2) {
      fail("tensor '", name, "': data_offsets is not a [begin, end] pair");
    }
    std::uint64_t b = 0, e = 0;
    if (!detail::json_to_size((*off)[0], b) || !detail::json_to_size((*off)[1], e)) {
      fail("tensor '", name, "': data_offsets ", off->dump(), " are not non-negative integers");
    }
    if (b > e) fail("tensor '", name, "': data_offsets [", b, ", ", e, "] are reversed");
    if (e > data_size) {
      fail("tensor '", name, "': data_offsets [", b, ", ", e, "] lie outside the data section (",
           data_size, " bytes)");
    }
    if (e - b != expected) {
      fail("tensor '", name, "': shape ", detail::shape_string(t.shape), " of ",
           dtype_name(t.dtype), " needs ", expected, " bytes but data_offsets [", b, ", ", e,
           "] hold ", e - b);
    }
    t.begin = static_cast<std::size_t>(b);
    t.end = static_cast<std::size_t>(e);
    return t;
  }

  std::filesystem::path path_;
  detail::MappedFile map_;
  std::size_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace gemma4
