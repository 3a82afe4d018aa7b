// The A1111 label table (imageio) is keyed by k-diffusion names; every name the sampler and schedule
// registries hold must have a label there, or a Ripen PNG would say "Sampler: dpmpp_2m_sde_heun" to A1111.
#include <gtest/gtest.h>

#include <algorithm>

#include "imageio/a1111_infotext.h"
#include "sampling/registry_names.h"

using namespace ripen;

TEST(VocabularyLabels, EveryRegisteredSamplerHasAnA1111Label) {
  for (const auto& name : sampling::sampler_names())
    EXPECT_NE(imageio::a1111_sampler_label(name, "midpoint"), name) << name;
}

// Diffusers' spacings and LCM's grid have no A1111 "Schedule type"; the text then carries Ripen's own name, which
// the importer reads back (the Ripen plan key says it exactly in any case).
TEST(VocabularyLabels, EveryRegisteredScheduleHasAnA1111LabelOrKeepsItsName) {
  const std::vector<std::string> ripen_only = {"linspace", "leading", "trailing", "lcm"};
  for (const auto& name : sampling::schedule_names()) {
    const bool own = std::find(ripen_only.begin(), ripen_only.end(), name) != ripen_only.end();
    if (own)
      EXPECT_EQ(imageio::a1111_schedule_label(name), name);
    else
      EXPECT_NE(imageio::a1111_schedule_label(name), name) << name;
  }
}
