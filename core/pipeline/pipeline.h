#pragma once
// Pipeline::generate — one request in, images out (design.md, "Flow of one generation"), as stages that hand
// each other plain structs:
//   plan (presets.h: schedule, sampler phases, guidance, adaptive stop)
//   → condition (stage_condition.h: prompts → conditioning batches)
//   → denoise (stage_denoise.h: σ sequence, start latent, guided UNet; plan_runner.h walks the plan)
//   → hires pass when planned (hires.h: upscale, re-noise, a second denoise)
//   → decode (stage_decode.h: VAE, tiled when large; step previews) → 8-bit images.
// A new way to start (img2img) or to change the weights (LoRA) is one stage or one weight patch, not a branch.
// Thread contract: generate() never throws. Errors come back as result.status == Failed with the message,
// cancellation as Cancelled (checked before every UNet evaluation, so within one step; nothing is returned
// half-done and nothing is written). The step sink runs on the calling thread.
#include <ATen/ATen.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lora/network_folders.h"
#include "nets/latent_preview.h"
#include "pipeline/adaptive.h"
#include "pipeline/events.h"
#include "pipeline/presets.h"
#include "pipeline/request.h"
#include "pipeline/stage_decode.h"
#include "pipeline/stage_denoise.h"
#include "pipeline/stage_image.h"

namespace ripen {

namespace models { struct LoadedModel; }
namespace lora { class NetworkResolver; }

struct GenerationResult {
  enum class Status { Ok, Cancelled, Failed };
  Status status = Status::Failed;
  std::string error;                 // Failed: what went wrong, in words
  GenerationRequest request;         // exactly what was asked
  GenerationRecord record;           // with the plan that ran: what the preset made of the request
  std::vector<Image> images;         // one per batch item
  at::Tensor latents;                // final latents [B, 4, h, w], UNet latent space (σ = 0)
  at::Tensor composition_latents;    // fast runs: x after the composition phase, at σ_c (promote "continue")
  double composition_sigma = 0;
  std::vector<double> sigmas;        // σ values visited, ending with 0
  std::vector<CheckpointRecord> checkpoints;
  std::vector<std::string> notes;    // what the image stage adjusted (a picture resized, a mask resized, …)
  double seconds_unet = 0;           // inside the UNet (part of record.seconds_sampling)
  double seconds_preview = 0;        // step previews (part of record.seconds_sampling)
  double seconds_preview_taesd = 0;  // the TAESD part of seconds_preview
  int taesd_previews = 0;            // step events that carry a TAESD preview
  bool ok() const { return status == Status::Ok; }
  const SamplingPlan& plan() const { return record.plan.value(); }  // set on every result a pipeline returns
  nlohmann::json to_json() const;    // request, record, σ_c, checkpoints (no pixels or tensors)
};

struct PipelineOptions {
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;
  Parity parity = Parity::KDiffusion;
  int preview_size = 128;           // longest side of step previews (0: no previews)
  // TAESD step previews, when the model has TAESD weights beside it (models::find_taesd) or taesd_path names them
  // (a diffusers AutoencoderTiny folder or a taesd[xl]_decoder.safetensors). The adaptive controller always scores
  // the latent→RGB preview; TAESD only replaces the picture the event shows (first image of the batch).
  //   taesd_every = 0: automatic — a step gets a TAESD preview when the TAESD time of the run so far plus one more
  //                    decode stays within taesd_budget of the sampling time so far (so previews stay < 5% of a step);
  //   N > 0: every N-th step;  -1: never.
  std::string taesd_path;
  // The Draft tier's student folder (models/student.h) for every model loaded, instead of `<model>/student/`.
  std::string student_path;
  int taesd_every = 0;
  double taesd_budget = 0.04;
  int64_t vae_tile_latent = 96;     // decode tiled when a latent side exceeds this
  // Where <lora:NAME> tags, GenerationRequest::networks without a path, and textual-inversion embeddings are looked up
  // (lora::NetworkFolders::from_roots of the configured installs); empty: none.
  lora::NetworkFolders network_folders;
  bool sync_timing = false;         // on a GPU: wait after each UNet call so seconds_unet is exact (bench)
  ImageReader read_image;           // picture files of request.image (the app's codecs; null: none can be read)
};

struct GenerateInputs {
  at::Tensor initial_noise;                  // unit noise [B, 4, h, w]; default: from the request's seed and source
  at::Tensor step_noise;                     // [k, B, 4, h, w]: the i-th noise draw of the base pass takes step_noise[i]
                                             // (fresh noise of ancestral/LCM steps; checks against references)
  std::optional<StartPoint> start;
  std::shared_ptr<StopPredictor> predictor;  // adaptive: null → heuristic
  std::optional<SamplingPlan> plan;          // run this instead of the preset's plan (measurements, e.g. samplers)
  std::vector<at::Tensor> encode_noise;      // request.image: the noise of each sampling VAE encode, in order
                                             // (stage_image.h, EncodeNoise); empty: from the seed
};

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options = {});
  ~Pipeline();

  GenerationResult generate(const GenerationRequest& request, const StepSink& on_step = {},
                            const std::atomic<bool>& cancel = never_cancel(), const GenerateInputs& inputs = {});

  // Decode UNet-space latents to float images [B, 3, H, W] in [0, 1] (tiled when large).
  at::Tensor decode(const std::string& model, const at::Tensor& latents);
  // The loaded model for `path` (cached: repeated requests on one model do not reload). Throws ripen::Error.
  std::shared_ptr<models::LoadedModel> model(const std::string& path);
  // The same with the UNet and/or VAE replaced by their own files (GenerationRequest::unet/vae; empty: the model's).
  std::shared_ptr<models::LoadedModel> model(const std::string& path, const std::string& unet, const std::string& vae);
  void drop_cache();
  const PipelineOptions& options() const { return options_; }

  static const std::atomic<bool>& never_cancel();

 private:
  struct Run;
  GenerationResult run(const GenerationRequest& request, const StepSink& on_step, const std::atomic<bool>& cancel,
                       const GenerateInputs& inputs);
  PreparedImage prepare_request_image(const GenerationRequest& request, const models::LoadedModel& model,
                                     const GenerateInputs& inputs, GenerationResult& res);
  PipelineOptions options_;
  std::mutex mutex_;
  std::string cached_path_;
  std::shared_ptr<models::LoadedModel> cached_;
  TaesdTiming taesd_timing_;  // the automatic TAESD schedule's estimate, kept across runs
  std::unique_ptr<lora::NetworkResolver> networks_;  // options_.network_folders' listings, kept across runs
};

}  // namespace ripen
