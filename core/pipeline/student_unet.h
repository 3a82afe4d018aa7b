#pragma once
// The Draft tier's UNet: a model's latent-consistency student (models/student.h) made from the teacher it was
// distilled from, leaving the teacher exactly as it was (it still renders quality mode and promotions).
//   kind "lora": the teacher's UNet config with the student's time_cond_proj_dim. Every weight is the teacher's
//                storage under a tensor of the student's own (a LoRA merged into the teacher later re-points the
//                teacher's tensors, not these), except the weights lora.safetensors patches: W₀ + ΔW at strength 1,
//                read, named and computed by core/lora (network_file.h, target_names.h, delta.h); and
//                time_embedding.cond_proj.weight from cond_proj.safetensors.
//   kind "full": unet/ loaded as a replacement of the teacher's UNet (models/unet_file.h checks that it fits).
// W₀ is the teacher's weights as they are: the pipeline takes any LoRA out of the teacher before making it.
#include "models/model.h"
#include "pipeline/presets.h"

namespace ripen {

// Throws ripen::Error naming the file and key: a LoRA module that addresses no weight of the teacher's UNet, a
// patch or cond_proj of the wrong shape, a missing or unreadable file, a unet/ config that disagrees with
// student.json.
UNet2DCondition load_student_unet(const models::LoadedModel& teacher, const models::StudentInfo& student);

// What the Draft plan takes from the student: its default steps and the guidance it embeds. A student without the
// guidance embedding (time_cond_proj_dim 0, like LCM-LoRA) has its guidance distilled in and runs at CFG 1.
DraftDefaults draft_defaults(const models::StudentInfo& student);

// The message for a Draft request on a model without a student.
std::string no_student_message(const models::LoadedModel& model);

}  // namespace ripen
