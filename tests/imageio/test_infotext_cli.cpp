// The parameters text of `ripen-cli generate`'s PNGs says what ran, read as AUTOMATIC1111 reads it
// (a1111_reference_parser.h), for every preset with and without the 2x pass; and Ripen reads its own files back:
// the library import and the parameters text alone both give the plan that ran, and generating from the imported
// request gives the same pixels. Embedded model (64x64, under a second a run).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "a1111_reference_parser.h"
#include "common/test_common.h"
#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "imageio/png_text.h"
#include "library/import.h"
#include "library/library.h"
#include "library/sqlite_db.h"
#include "pipeline/pipeline.h"
#include "pipeline/presets.h"
#include "tensors/cpu_threads.h"

using namespace ripen;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// A1111's labels (modules/sd_samplers_kdiffusion.py, sd_samplers_lcm.py; sd_schedulers.py), for the names used here.
std::string a1111_sampler(const std::string& s) {
  static const std::map<std::string, std::string> labels = {
      {"euler", "Euler"},          {"euler_ancestral", "Euler a"}, {"dpmpp_2m", "DPM++ 2M"},
      {"dpmpp_sde", "DPM++ SDE"}, {"lcm", "LCM"},                  {"heun", "Heun"}};
  return labels.at(s);
}
std::string a1111_schedule(const std::string& s) {
  static const std::map<std::string, std::string> labels = {
      {"karras", "Karras"}, {"exponential", "Exponential"}, {"discrete", "Uniform"}};
  return labels.at(s);
}

struct CliRun {
  json result;  // --json
  fs::path png;
};
CliRun generate(const fs::path& dir, const std::string& name, const std::string& flags) {
  CliRun r;
  r.png = dir / (name + ".png");
  const fs::path err = dir / (name + ".err");
  const std::string cmd = std::string(RIPEN_CLI_PATH) + " generate --model embedded --prompt 'a red apple, on a table'"
                          " --negative 'blurry: dark' --threads 1 --json --quiet --out " + r.png.string() + " " + flags +
                          " 2>" +
                          err.string();
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) ADD_FAILURE() << "cannot run " << cmd;
  char buf[4096];
  for (size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int st = p ? pclose(p) : -1;
  EXPECT_EQ(st, 0) << cmd << "\n" << imageio::read_file(err);
  r.result = json::parse(out, nullptr, false);
  EXPECT_FALSE(r.result.is_discarded()) << out;
  return r;
}

// What the base pass ran, worked out from the result JSON independently of Ripen's code: the plan's samplers and
// guidance for steps 1..k (k = the checkpoint the controller stopped at, else all), then the adaptive tail.
struct Ran {
  std::vector<std::string> sampler_of_step;
  std::vector<double> cfg_of_step;
};
Ran what_ran(const json& result) {
  const json& plan = result["record"]["plan"];
  int k = plan["steps"];
  for (const auto& c : result["checkpoints"])
    if (c["stop"].get<bool>()) k = c["step"];
  Ran ran;
  for (int i = 0; i < k; ++i) {
    for (const auto& ph : plan["phases"])
      if (i >= ph["begin"].get<int>() && i < ph["end"].get<int>()) ran.sampler_of_step.push_back(ph["sampler"]);
    ran.cfg_of_step.push_back(plan["cfg"][i]);
  }
  const json& rec = result["record"];
  const int base = rec["steps_used"].get<int>() - (rec["hires"].get<bool>() ? rec["hires_steps"].get<int>() : 0);
  for (int i = k; i < base; ++i) {
    ran.sampler_of_step.push_back(plan["adaptive"]["tail_sampler"]);
    ran.cfg_of_step.push_back(plan["tail_cfg"]);
  }
  return ran;
}

// A1111's Steps, Sampler and CFG scale for what ran: the steps taken, the sampler of most of them, the guidance
// (its mean to 0.1 when it varied).
struct Recipe {
  int steps = 0;
  std::string sampler;
  double cfg = 0;
};
Recipe recipe_of(const json& result) {
  const Ran ran = what_ran(result);
  std::map<std::string, int> steps_of;
  for (const auto& s : ran.sampler_of_step) ++steps_of[s];
  Recipe r;
  r.steps = int(ran.sampler_of_step.size());
  r.sampler = ran.sampler_of_step.front();
  for (const auto& s : ran.sampler_of_step)
    if (steps_of[s] > steps_of[r.sampler]) r.sampler = s;
  r.cfg = ran.cfg_of_step.front();
  double sum = 0;
  bool constant = true;
  for (double g : ran.cfg_of_step) sum += g, constant = constant && g == r.cfg;
  if (!constant) r.cfg = std::round(sum / ran.cfg_of_step.size() * 10) / 10;
  return r;
}

Image read_pixels(const fs::path& png) { return imageio::read_image(png); }

struct Case {
  std::string name, flags;
};
// Every preset; the 2x pass where it applies (quality, custom); a custom CFG schedule.
const std::vector<Case> kCases = {
    {"fast", "--preset fast --seed 11"},
    {"quality", "--preset quality --seed 12"},
    {"quality_hires", "--preset quality --seed 13 --hires --hires-steps 4 --hires-strength 0.5"},
    {"lightning", "--preset lightning --seed 14 --steps 5"},
    {"custom", "--preset custom --seed 15 --sampler dpmpp_2m --schedule exponential --steps 8 --cfg 6.5"},
    {"custom_hires", "--preset custom --seed 16 --sampler euler_ancestral --schedule karras --steps 6"
                     " --cfg-schedule 5,6,7 --eta 0.8 --hires --hires-steps 3 --hires-upscale latent"
                     " --hires-strength 0.6"},
};

std::string parameters_of(const fs::path& png) {
  for (const auto& t : imageio::read_png_text(imageio::read_file(png)))
    if (t.key == "parameters") return t.text;
  return "";
}

// A1111's reading of the PNG's parameters gives what ran.
void check_a1111_reads_what_ran(const Case& c, const CliRun& run) {
  const json& req = run.result["request"];
  const json& rec = run.result["record"];
  const json& plan = rec["plan"];
  const std::string text = parameters_of(run.png);
  auto a = test::a1111_parse_generation_parameters(text);
  SCOPED_TRACE(text);

  const Recipe ran = recipe_of(run.result);

  EXPECT_EQ(a["Prompt"], "a red apple, on a table");
  EXPECT_EQ(a["Negative prompt"], "blurry: dark");
  EXPECT_EQ(a["Steps"], std::to_string(ran.steps));
  EXPECT_EQ(a["Sampler"], a1111_sampler(ran.sampler));
  EXPECT_EQ(a["Schedule type"], a1111_schedule(plan["schedule"]));
  EXPECT_DOUBLE_EQ(std::stod(a["CFG scale"]), ran.cfg);
  EXPECT_EQ(a["Seed"], std::to_string(req["seed"].get<uint64_t>()));
  EXPECT_EQ(a["Size-1"], std::to_string(req["width"].get<int>()));
  EXPECT_EQ(a["Size-2"], std::to_string(req["height"].get<int>()));
  EXPECT_EQ(a["RNG"], "CPU");
  if (!rec["model_hash"].get<std::string>().empty()) EXPECT_EQ(a["Model hash"], rec["model_hash"]);
  else EXPECT_EQ(a.count("Model hash"), 0u);
  if (plan["hires"].get<bool>()) {
    EXPECT_EQ(a["Hires upscale"], "2");
    EXPECT_EQ(a["Hires steps"], std::to_string(rec["hires_steps"].get<int>()));
    EXPECT_DOUBLE_EQ(std::stod(a["Denoising strength"]), plan["hires_strength"].get<double>());
    EXPECT_EQ(a["Hires upscaler"], plan["hires_upscale"] == "latent" ? "Latent" : "Lanczos");
    EXPECT_EQ(a["Hires sampler"], "Use same sampler");
  } else {
    EXPECT_EQ(a.count("Hires upscale"), 0u);
    EXPECT_EQ(a.count("Denoising strength"), 0u);
  }
  // Ripen's keys wherever A1111's fields cannot say the plan: every preset but a plain custom one.
  if (c.name != "custom") {
    EXPECT_EQ(a["Ripen preset"], req["preset"]);
    EXPECT_EQ(json::parse(a["Ripen plan"]), plan);
    if (plan["adaptive"]["enabled"].get<bool>()) EXPECT_EQ(a["Ripen stop"], rec["stop_reason"]);
  } else {
    EXPECT_EQ(a.count("Ripen plan"), 0u);
  }
}

// The library import and the parameters text alone give the plan that ran, and the text's request the same pixels.
void check_reimport(const Case& c, const CliRun& run, library::Library& lib, Pipeline& pipeline, const fs::path& dir) {
  const SamplingPlan plan = SamplingPlan::from_json(run.result["record"]["plan"]);
  const Image pixels = read_pixels(run.png);

  // The library import (the file's own "ripen" chunk).
  library::ImportReport rep = library::import_path(lib, run.png);
  ASSERT_EQ(rep.ids.size(), 1u) << (rep.problems.empty() ? "" : rep.problems[0]);
  auto g = lib.get(rep.ids[0]);
  ASSERT_TRUE(g && g->record.plan);
  EXPECT_EQ(*g->record.plan, plan);
  EXPECT_EQ(g->request.to_json(), run.result["request"]);
  // Its summary columns say what ran, too.
  const Recipe ran = recipe_of(run.result);
  library::Stmt cols(lib.db(), "SELECT sampler, schedule, steps, cfg, steps_used FROM generations WHERE id = ?1");
  cols.bind(1, rep.ids[0]);
  ASSERT_TRUE(cols.step());
  EXPECT_EQ(cols.text(0), ran.sampler);
  EXPECT_EQ(cols.text(1), run.result["record"]["plan"]["schedule"]);
  EXPECT_EQ(cols.i64(2), run.result["record"]["plan"]["steps"]);
  EXPECT_DOUBLE_EQ(cols.f64(3), ran.cfg);
  EXPECT_EQ(cols.i64(4), run.result["record"]["steps_used"]);

  // The parameters text alone (what survives a site that keeps only A1111's chunk).
  const fs::path only = dir / (c.name + ".parameters-only.png");
  imageio::write_file_atomic(only, imageio::rewrite_png_text(imageio::read_file(run.png), {}, {"ripen"}));
  auto meta = imageio::read_metadata(only);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->source, imageio::MetadataSource::A1111);
  EXPECT_EQ(plan_for(meta->request), plan);
  if (c.name != "custom") {
    ASSERT_TRUE(meta->record.plan);
    EXPECT_EQ(*meta->record.plan, plan);
  }

  // Generating from the library's request is the CLI's own run (the request is the same, field for field); from
  // the parameters text alone it must give the same pixels too.
  GenerationRequest again = meta->request;
  again.model = "embedded";  // an A1111 text names the model by name and hash; here it is the embedded one
  GenerationResult r = pipeline.generate(again);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.plan(), plan);
  EXPECT_EQ(r.images[0].width, pixels.width);
  EXPECT_EQ(r.images[0].height, pixels.height);
  EXPECT_TRUE(r.images[0].rgb == pixels.rgb) << "regenerated pixels differ";
}
}  // namespace

// One test, so the six ripen-cli runs happen once (ctest runs each test in a process of its own).
TEST(InfotextCli, EveryPresetSaysWhatRanAndReimportsToTheSamePixels) {
  // One thread here and in ripen-cli: the same arithmetic order, so the same pixels (and quick on a busy machine).
  configure_cpu_threads(1);
  const fs::path dir = test::temp_dir("infotext_cli");
  library::Library lib(dir / "library");
  Pipeline pipeline;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const CliRun run = generate(dir, c.name, c.flags);
    ASSERT_TRUE(run.result.is_object());
    check_a1111_reads_what_ran(c, run);
    check_reimport(c, run, lib, pipeline, dir);
  }
}
