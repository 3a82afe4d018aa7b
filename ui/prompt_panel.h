#pragma once
// Prompt, negative prompt, seed, size, mode (with every sampler setting for Custom), model; Generate, Explore,
// Cancel. Turns its fields into a GenerationRequest and back.
#include <QWidget>
#include <optional>

#include "pipeline/model_presets.h"
#include "pipeline/request.h"
#include "ui/model_catalog.h"

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace ripen::ui {

class ActiveNetworks;
class PromptHighlighter;

class PromptPanel : public QWidget {
  Q_OBJECT
 public:
  enum class SeedMode { Random, Locked, Increment };
  explicit PromptPanel(QWidget* parent = nullptr);

  // The request as the fields say (seed as shown).
  GenerationRequest request() const;
  // The request for the next run: resolves the seed mode (random draws a new seed, +1 advances after use).
  GenerationRequest take_request();
  void set_request(const GenerationRequest& r);  // "reuse settings"
  void set_models(const QList<ModelEntry>& models, const QString& current, bool embedded_available);
  // The UNet-only and VAE files the UNet and VAE pickers offer beside the model's own (the first item).
  void set_component_files(const QList<ModelEntry>& unets, const QList<ModelEntry>& vaes);
  // The model presets the mode menu offers after the built-in modes (model_presets.h).
  void set_model_presets(std::vector<ModelPreset> presets);
  // Offers `preset` (the one a chosen model's file identifies) with a link that selects it; null hides the offer.
  void propose_model_preset(const ModelPreset* preset);
  // Enables the Draft mode when the chosen model has a distilled student; otherwise its tooltip says why not and a
  // selected Draft falls back to Fast.
  void set_student(const StudentAvailability& student);
  QString model_preset() const;  // the selected model preset's name, or empty for a built-in mode
  QString current_model() const;
  void set_busy(bool busy);
  void set_seed_mode(SeedMode m);
  int explore_count() const;
  void set_explore_count(int n);
  void set_size(int w, int h);
  void set_dark(bool dark);

  ActiveNetworks* networks() const { return networks_; }
  // One line saying what the next run starts from (empty: from noise), with "edit" and "remove" links.
  void set_start_image_summary(const QString& summary);

  QPlainTextEdit* prompt_edit() const { return prompt_; }
  QPlainTextEdit* negative_edit() const { return negative_; }
  QPushButton* generate_button() const { return generate_; }
  QPushButton* explore_button() const { return explore_; }
  QPushButton* cancel_button() const { return cancel_; }

 Q_SIGNALS:
  void generate_requested();
  void explore_requested(int n);
  void cancel_requested();
  void model_changed(const QString& path);
  void unet_changed(const QString& file);  // empty: the model's own
  void add_model_folder_requested();
  void start_image_edit_requested();
  void start_image_clear_requested();

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  void on_size_preset();
  void on_mode();
  const ModelPreset* selected_model_preset() const;
  void select_model_preset(const QString& name);
  uint64_t seed_value() const;
  bool only_networks_changed() const;

  QLabel *prompt_label_, *negative_label_, *seed_label_, *size_label_, *mode_label_, *model_label_, *explore_label_;
  QPlainTextEdit *prompt_, *negative_;
  PromptHighlighter *hl_prompt_, *hl_negative_;
  QLineEdit* seed_;
  QComboBox* seed_mode_;
  QToolButton* dice_;
  QComboBox* size_preset_;
  QSpinBox *width_, *height_;
  StudentAvailability student_;
  void update_draft_item();
  QComboBox* mode_;  // the built-in modes (index = Preset), a separator, then the model presets (data = name)
  QLabel* preset_offer_;
  std::vector<ModelPreset> model_presets_;
  QGroupBox* custom_;
  QFormLayout* custom_form_;
  QComboBox *sampler_, *schedule_, *noise_;
  QSpinBox *steps_, *clip_skip_;
  QDoubleSpinBox *cfg_, *eta_, *s_noise_;
  // Quality and Custom modes' optional 2x hires pass (hires fix).
  QGroupBox* hires_;
  QFormLayout* hires_form_;
  QDoubleSpinBox* hires_strength_;
  QComboBox* hires_upscale_;
  QComboBox* model_;
  QComboBox *unet_, *vae_;  // data: the file, or empty for the model's own
  QLabel *unet_label_, *vae_label_;
  QToolButton* add_folder_;
  QSpinBox* explore_n_;
  QPushButton *generate_, *explore_, *cancel_;
  QGroupBox* networks_box_;
  ActiveNetworks* networks_;
  QLabel* start_image_;
  std::optional<GenerationRequest> last_taken_;  // the last run's request (seed kept when only LoRAs changed)
};

}  // namespace ripen::ui
