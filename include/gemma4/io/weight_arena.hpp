// gemma4/io/weight_arena.hpp: anonymous memory for dense weights copied out of the checkpoint.
//
// A decode step reads every dense weight once, so it runs at the speed memory is read. Mapped
// checkpoint pages are 4 KiB page-cache pages; a copy in anonymous memory advised MADV_HUGEPAGE
// gets 2 MiB pages where transparent huge pages are enabled (fewer TLB misses on a 4.6 GB
// stream). LoadOptions::copy_weights (text/weights.hpp) says which to use; bench/ measures both.
//
//   WeightArena arena;
//   std::byte* p = arena.allocate(n);   // n bytes, 64-byte aligned, live as long as the arena
//
// Memory comes in chunks of at least 256 MiB, each aligned to 2 MiB; a chunk's unused tail is
// never touched, so it costs address space, not memory. Without mmap (non-POSIX) the chunks are
// plain aligned heap blocks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "gemma4/core/error.hpp"

#if !defined(_WIN32)
#include <sys/mman.h>
#endif

namespace gemma4 {

class WeightArena {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kChunk = std::size_t{256} << 20;
  static constexpr std::size_t kAlign = 64;

  WeightArena() = default;
  WeightArena(const WeightArena&) = delete;
  WeightArena& operator=(const WeightArena&) = delete;
  ~WeightArena() {
    for (const Chunk& c : chunks_) release(c);
  }

  /// n bytes, 64-byte aligned. Throws gemma4::Error when the system has no memory for them.
  std::byte* allocate(std::size_t n) {
    n = (n + kAlign - 1) / kAlign * kAlign;
    if (chunks_.empty() || chunks_.back().size - chunks_.back().used < n)
      chunks_.push_back(new_chunk(std::max(kChunk, (n + kHugePage - 1) / kHugePage * kHugePage)));
    Chunk& c = chunks_.back();
    std::byte* p = c.data + c.used;
    c.used += n;
    return p;
  }

  /// Bytes handed out so far (for memory reports).
  std::size_t used() const {
    std::size_t n = 0;
    for (const Chunk& c : chunks_) n += c.used;
    return n;
  }

 private:
  struct Chunk {
    void* base;  // what the system returned
    std::size_t mapped;
    std::byte* data;  // 2 MiB aligned
    std::size_t size, used;
  };

  static Chunk new_chunk(std::size_t size) {
#if !defined(_WIN32)
    const std::size_t mapped = size + kHugePage;  // room to align the start to 2 MiB
    void* base =
        ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) detail::fail("cannot allocate ", size, " bytes for the weights");
    const auto addr = reinterpret_cast<std::uintptr_t>(base);
    auto* data = reinterpret_cast<std::byte*>((addr + kHugePage - 1) / kHugePage * kHugePage);
#if defined(MADV_HUGEPAGE)
    ::madvise(data, size, MADV_HUGEPAGE);  // a hint: without THP the pages stay 4 KiB
#endif
    return {base, mapped, data, size, 0};
#else
    void* base = ::operator new (size, std::align_val_t{kHugePage}, std::nothrow);
    if (!base) detail::fail("cannot allocate ", size, " bytes for the weights");
    return {base, size, static_cast<std::byte*>(base), size, 0};
#endif
  }

  static void release(const Chunk& c) {
#if !defined(_WIN32)
    ::munmap(c.base, c.mapped);
#else
    ::operator delete (c.base, std::align_val_t{kHugePage});
#endif
  }

  std::vector<Chunk> chunks_;
};

}  // namespace gemma4
