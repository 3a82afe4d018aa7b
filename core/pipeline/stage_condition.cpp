#include "pipeline/stage_condition.h"

#include "models/model.h"
#include "tensors/error.h"
#include "text/conditioning.h"

namespace ripen {
namespace {
std::vector<text::TextEncoderRef> text_encoders(const models::LoadedModel& m) {
  if (!m.tokenizer || !m.text_encoder) throw Error(m.name + ": the model has no tokenizer/text encoder loaded");
  std::vector<text::TextEncoderRef> encoders{{&*m.tokenizer, &*m.text_encoder}};
  if (m.arch == models::Arch::SDXL) {
    if (!m.tokenizer_2 || !m.text_encoder_2) throw Error(m.name + ": SDXL model without its second text encoder");
    encoders.push_back({&*m.tokenizer_2, &*m.text_encoder_2});
  }
  return encoders;
}

text::TextArch text_arch(models::Arch a) {
  switch (a) {
    case models::Arch::SDXL: return text::TextArch::SDXL;
    case models::Arch::SD2: return text::TextArch::SD2;
    default: return text::TextArch::SD1;
  }
}

at::Tensor repeat_rows(const at::Tensor& one, int64_t b) {
  std::vector<int64_t> shape(size_t(one.dim()), -1);
  shape[0] = b;
  return one.expand(shape);
}
}  // namespace

void Conditioning::set_image_size(int height, int width) {
  if (!has_added) return;
  const double h = height, w = width;
  at::Tensor ids = at::tensor({h, w, 0., 0., h, w}, at::kFloat).view({1, 6});
  added_both.time_ids = ids.expand({2 * batch, 6}).contiguous();
  added_cond.time_ids = ids.expand({batch, 6}).contiguous();
}

Conditioning encode_conditioning(const models::LoadedModel& m, const GenerationRequest& r) {
  return encode_conditioning(m, r, PromptText{r.prompt, r.negative_prompt, {}});
}

Conditioning encode_conditioning(const models::LoadedModel& m, const GenerationRequest& r, const PromptText& text) {
  std::vector<text::TextEncoderRef> encoders = text_encoders(m);
  if (!text.embeddings.empty() && text.embeddings.size() != encoders.size())
    throw Error(m.name + ": " + std::to_string(text.embeddings.size()) + " embedding sets for " +
                std::to_string(encoders.size()) + " text encoders");
  for (size_t e = 0; e < text.embeddings.size(); ++e)
    if (!text.embeddings[e].empty()) encoders[e].embeddings = &text.embeddings[e];
  text::TextConditioner conditioner(text_arch(m.arch), std::move(encoders));
  text::ConditioningOptions co;
  co.clip_skip = r.clip_skip;
  co.zeros_for_empty_negative = m.force_zeros_for_empty_prompt;
  auto [pos, neg] = conditioner.encode_pair({text.prompt}, {text.negative_prompt}, co);
  const int64_t B = r.batch;
  Conditioning c;
  c.batch = B;
  at::Tensor cond = pos.context.to(at::kFloat), uncond = neg.context.to(at::kFloat);
  c.ctx_both = at::cat({repeat_rows(uncond, B), repeat_rows(cond, B)}).contiguous();
  c.ctx_cond = repeat_rows(cond, B).contiguous();
  if (m.arch == models::Arch::SDXL) {
    at::Tensor pooled = pos.pooled.to(at::kFloat), pooled_neg = neg.pooled.to(at::kFloat);
    c.has_added = true;
    c.added_both.text_embeds = at::cat({repeat_rows(pooled_neg, B), repeat_rows(pooled, B)}).contiguous();
    c.added_cond.text_embeds = repeat_rows(pooled, B).contiguous();
    c.set_image_size(r.height, r.width);
  }
  return c;
}

}  // namespace ripen
