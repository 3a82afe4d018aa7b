#pragma once
// What `generate` and `promote` do with a result: progress bar, PNG files, latents file, JSON, library.
#include <string>

#include "cli/command.h"
#include "pipeline/pipeline.h"
#include "session/generation_session.h"

namespace ripen::cli {

struct OutputFlags {
  std::string out;            // FILE.png (batch: FILE-1.png, FILE-2.png, ...)
  std::string save_latents;   // safetensors: latents, composition_latents, ripen_result metadata
  std::string library;        // library folder (with the library target)
  bool json = false;          // result JSON on stdout
  bool quiet = false;
};
OutputFlags output_flags(Args& args);
PipelineOptions pipeline_flags(Args& args);  // --device cpu|cuda, --parity kdiffusion|diffusers, --threads N
std::string output_flags_help();

// A progress bar on stderr (only when stderr is a terminal): step, σ, ETA.
StepSink progress_sink(bool enabled);
// The session's store for --library (null without it): the seed library folder, created when absent.
std::unique_ptr<session::ResultStore> library_store(const std::string& dir);
// Writes the outputs (the session already stored the images in the library); returns the exit status (0 ok,
// 1 failed, 130 cancelled).
int finish_result(const session::JobOutcome& outcome, const OutputFlags& flags);

}  // namespace ripen::cli
