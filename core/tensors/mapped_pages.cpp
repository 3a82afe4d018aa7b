#include "tensors/mapped_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace ripen {

bool is_mapped_view(const at::Tensor& t) {
  return t.defined() && t.device().type() == at::kCPU && t.storage().data_ptr().get_context() != t.storage().data();
}

void release_mapped_pages(const at::Tensor& t) {
  static const long page = sysconf(_SC_PAGESIZE);
  if (!is_mapped_view(t) || t.numel() == 0) return;
  auto begin = reinterpret_cast<uintptr_t>(t.data_ptr());
  auto end = begin + t.numel() * t.element_size();
  uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace ripen
