// AUTOMATIC1111 "parameters" text: byte-identical to create_infotext (v1.10.x) for the same settings.
#include <gtest/gtest.h>

#include "imageio/a1111_infotext.h"
#include "pipeline/presets.h"

using namespace ripen;
using namespace ripen::imageio;

TEST(Infotext, PythonFloatRepr) {
  EXPECT_EQ(python_float_repr(7.0), "7.0");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(0.667), "0.667");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.00001), "1e-05");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1.5e16), "1.5e+16");
  EXPECT_EQ(python_float_repr(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(python_float_repr(-2.5), "-2.5");
  EXPECT_EQ(python_float_repr(1.0 / 3.0), "0.3333333333333333");
}

TEST(Infotext, JsonQuoteLikePython) {
  EXPECT_EQ(python_json_string("a,b"), "\"a,b\"");
  EXPECT_EQ(python_json_string("say \"hi\"\n\\"), "\"say \\\"hi\\\"\\n\\\\\"");
  EXPECT_EQ(python_json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // ensure_ascii=False keeps UTF-8
  EXPECT_EQ(python_json_string(std::string("\x01", 1)), "\"\\u0001\"");
}

// Expected strings written out by hand from create_infotext: generation_params in its order, None values
// dropped, ", ".join of "k: quote(v)", prompt + "\nNegative prompt: ..." + "\n" + params, .strip().
TEST(Infotext, ByteIdenticalToA1111Typical) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.prompt = "a photo of a cat, (masterpiece:1.2)";
  r.negative_prompt = "blurry, lowres";
  r.steps = 20;
  r.sampler = "euler_ancestral";
  r.schedule = "karras";
  r.cfg = 7.0;
  r.seed = 1234567890;
  r.width = 512;
  r.height = 768;
  r.clip_skip = 2;
  r.noise = NoiseSource::Cpu;
  GenerationRecord rec;
  rec.model_hash = "6ce0161689";
  rec.model_name = "v1-5-pruned-emaonly";
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec),
            "a photo of a cat, (masterpiece:1.2)\n"
            "Negative prompt: blurry, lowres\n"
            "Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1234567890, Size: 512x768, "
            "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Clip skip: 2, RNG: CPU");
}

TEST(Infotext, ByteIdenticalToA1111QuotingEtaNoNegative) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.prompt = "  sunset over the sea";
  r.steps = 30;
  r.sampler = "dpmpp_2m_sde";
  r.schedule = "exponential";
  r.cfg = 7.5;
  r.seed = 42;
  r.width = 1024;
  r.height = 1024;
  r.noise = NoiseSource::Philox;
  r.eta = 0.667;
  GenerationRecord rec;
  rec.model_hash = "31e35c80fc";
  rec.model_name = "my,model";
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec),
            "sunset over the sea\n"
            "Steps: 30, Sampler: DPM++ 2M SDE, Schedule type: Exponential, CFG scale: 7.5, Seed: 42, "
            "Size: 1024x1024, Model hash: 31e35c80fc, Model: \"my,model\", RNG: NV, Eta: 0.667");
}

TEST(Infotext, EtaOnlyForSamplersThatTakeIt) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.prompt = "x";
  r.sampler = "euler";
  r.eta = 0.5;
  GenerationRecord rec;
  rec.model_name = "m";
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec).find("Eta"), std::string::npos);
}

TEST(Infotext, ParseBackGivesTheSettings) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.prompt = "a castle: on a hill, at dawn";
  r.negative_prompt = "fog\nsecond line";
  r.steps = 25;
  r.sampler = "dpmpp_2m";
  r.schedule = "karras";
  r.cfg = 6.5;
  r.seed = 18446744073709551615ull;
  r.width = 640;
  r.height = 448;
  r.clip_skip = 2;
  r.noise = NoiseSource::Cpu;
  GenerationRecord rec;
  rec.model_hash = "0123456789";
  rec.model_name = "dream: v2, final";
  auto p = parse_a1111_parameters(a1111_parameters(r, plan_for(r), rec));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->request.prompt, r.prompt);
  EXPECT_EQ(p->request.negative_prompt, r.negative_prompt);
  EXPECT_EQ(p->request.steps, 25);
  EXPECT_EQ(p->request.sampler, "dpmpp_2m");
  EXPECT_EQ(p->request.schedule, "karras");
  EXPECT_DOUBLE_EQ(p->request.cfg, 6.5);
  EXPECT_EQ(p->request.seed, r.seed);
  EXPECT_EQ(p->request.width, 640);
  EXPECT_EQ(p->request.height, 448);
  EXPECT_EQ(p->request.clip_skip, 2);
  EXPECT_EQ(p->request.noise, NoiseSource::Cpu);
  EXPECT_EQ(p->record.model_hash, "0123456789");
  EXPECT_EQ(p->record.model_name, "dream: v2, final");
}

TEST(Infotext, OldStyleKarrasSamplerLabel) {
  auto p = parse_a1111_parameters(
      "cat\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.sampler, "dpmpp_2m");
  EXPECT_EQ(p->request.schedule, "karras");
  EXPECT_EQ(p->request.noise, NoiseSource::Philox);  // no RNG field: A1111's GPU default
  EXPECT_EQ(p->record.model_hash, "45dee52b");
}

TEST(Infotext, NotParametersText) {
  EXPECT_FALSE(parse_a1111_parameters("just a caption, nothing else"));
  EXPECT_FALSE(parse_a1111_parameters(""));
}

// A Fast-Track draft that stopped at checkpoint 12 and finished with 3 tail steps: A1111's fields give the 15 steps,
// the sampler that ran most of them and the mean guidance; Ripen's keys the segments, the stop and the plan.
TEST(Infotext, StoppedFastTrackDraftSaysWhatRan) {
  GenerationRequest r;
  r.prompt = "an apple";
  r.seed = 3;
  r.width = r.height = 64;
  r.preset = Preset::Fast;
  GenerationRecord rec;
  rec.steps_used = 15;
  rec.stop_reason = "converged at step 12 (latent change 0.2)";
  const SamplingPlan plan = plan_for(r);
  ASSERT_EQ(ran_segments(plan, 15),
            (std::vector<RanSegment>{{"euler_ancestral", 1, 12, 4.5, 8.5, false}, {"dpmpp_2m", 13, 15, 8.5, 8.5, true}}));
  const std::string text = a1111_parameters(r, plan, rec);
  const std::string head =
      "an apple\nSteps: 15, Sampler: Euler a, Schedule type: Karras, CFG scale: 6.8, Seed: 3, Size: 64x64, "
      "Model: embedded, RNG: CPU, Ripen preset: fast, Ripen samplers: \"Euler a 1-12, DPM++ 2M 13-15 (tail)\", "
      "Ripen CFG: \"4.5 to 8.5 (1-12), 8.5 (13-15)\", Ripen stop: converged at step 12 (latent change 0.2), "
      "Ripen plan: \"{";
  EXPECT_EQ(text.substr(0, head.size()), head);
  auto back = parse_a1111_parameters(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->request.preset, Preset::Fast);
  ASSERT_TRUE(back->record.plan);
  EXPECT_EQ(*back->record.plan, plan);
  EXPECT_EQ(back->record.steps_used, 15);
  EXPECT_EQ(back->record.stop_reason, rec.stop_reason);
  // The full 22 steps: no tail; a run that never stopped.
  EXPECT_EQ(ran_segments(plan, 22),
            (std::vector<RanSegment>{{"euler_ancestral", 1, 12, 4.5, 8.5, false}, {"dpmpp_2m", 13, 22, 8.5, 8.5, false}}));
}

// A custom run A1111 can say in its own fields carries none of Ripen's keys; one it cannot (a CFG schedule) does,
// and reads back to the same plan.
TEST(Infotext, RipenKeysOnlyWhereA1111CannotSayThePlan) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.prompt = "x";
  r.sampler = "heun";
  r.steps = 7;
  r.cfg = 5.5;
  GenerationRecord rec;
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec).find("Ripen"), std::string::npos);
  r.cfg_schedule = {3, 4, 5};
  const std::string text = a1111_parameters(r, plan_for(r), rec);
  EXPECT_NE(text.find("CFG scale: 4.6, "), std::string::npos) << text;  // (3 + 4 + 5·5) / 7
  EXPECT_NE(text.find("Ripen CFG: 3 to 5 (1-7), "), std::string::npos) << text;
  auto back = parse_a1111_parameters(text);
  ASSERT_TRUE(back && back->record.plan);
  EXPECT_EQ(*back->record.plan, plan_for(r));
  EXPECT_EQ(plan_for(back->request), plan_for(r));
}
