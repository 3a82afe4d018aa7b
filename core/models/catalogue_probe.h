#pragma once
// Internal to the catalogue: what one file is, from its safetensors header (key names and shapes) or, for a
// checkpoint, from detect_architecture / inspect_model. Each fills arch, detail and problem; none throws.
#include "models/catalogue.h"

namespace ripen::models {

void probe_checkpoint(CatalogueEntry& e);
void probe_unet(CatalogueEntry& e);
void probe_vae(CatalogueEntry& e);
void probe_preview_decoder(CatalogueEntry& e);
void probe_header_only(CatalogueEntry& e);  // LoRAs, embeddings: a readable header, nothing more yet

}  // namespace ripen::models
