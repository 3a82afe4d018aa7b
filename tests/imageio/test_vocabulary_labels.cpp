// The A1111 label table (imageio) is keyed by k-diffusion names; every name the sampler and schedule
// registries hold must have a label there, or a Ripen PNG would say "Sampler: dpmpp_2m_sde_heun" to A1111.
#include <gtest/gtest.h>

#include "imageio/a1111_infotext.h"
#include "sampling/registry_names.h"

using namespace ripen;

TEST(VocabularyLabels, EveryRegisteredSamplerHasAnA1111Label) {
  for (const auto& name : sampling::sampler_names())
    EXPECT_NE(imageio::a1111_sampler_label(name, "midpoint"), name) << name;
}

TEST(VocabularyLabels, EveryRegisteredScheduleHasAnA1111Label) {
  for (const auto& name : sampling::schedule_names())
    EXPECT_NE(imageio::a1111_schedule_label(name), name) << name;
}
