#include "text/token_encoder.h"

#include <algorithm>

namespace ripen::text {

std::vector<int64_t> TokenEncoder::encode_padded(std::string_view text) const {
  std::vector<int64_t> content = encode(text);
  std::vector<int64_t> ids{bos_id()};
  size_t keep = std::min<size_t>(content.size(), size_t(max_length() - 2));
  ids.insert(ids.end(), content.begin(), content.begin() + keep);
  ids.push_back(eos_id());
  ids.resize(size_t(max_length()), pad_id());
  return ids;
}

at::Tensor TokenEncoder::encode_batch(const std::vector<std::string>& prompts) const {
  at::Tensor out = at::empty({int64_t(prompts.size()), max_length()}, at::kLong);
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto ids = encode_padded(prompts[i]);
    std::copy(ids.begin(), ids.end(), out[int64_t(i)].data_ptr<int64_t>());
  }
  return out;
}

}  // namespace ripen::text
