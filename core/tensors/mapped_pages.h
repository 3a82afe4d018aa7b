#pragma once
// Drops the pages of a zero-copy view of a mapped safetensors file from this process. They are clean private
// pages: the kernel re-reads them from the file if they are ever touched again. Owned buffers are left alone.
#include <ATen/ATen.h>

namespace ripen {

bool is_mapped_view(const at::Tensor& t);  // a from_blob view of a SafeTensors mapping (not an owned buffer)
void release_mapped_pages(const at::Tensor& t);

}  // namespace ripen
