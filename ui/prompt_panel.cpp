#include "ui/prompt_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "pipeline/presets.h"
#include "sampling/registry_names.h"
#include "ui/catalogue_model.h"
#include "ui/active_networks.h"
#include "ui/prompt_highlighter.h"

namespace ripen::ui {
namespace {
struct SizePreset {
  int w, h;
};
const SizePreset kSizes[] = {{512, 512}, {768, 768}, {1024, 1024}, {512, 768}, {768, 512},
                             {832, 1216}, {1216, 832}, {256, 256}, {64, 64}};
}  // namespace

PromptPanel::PromptPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("PromptPanel");
  auto* lay = new QVBoxLayout(this);
  prompt_label_ = new QLabel(this);
  prompt_ = new QPlainTextEdit(this);
  prompt_->setObjectName("prompt");
  prompt_->setTabChangesFocus(true);
  prompt_->setMinimumHeight(70);
  hl_prompt_ = new PromptHighlighter(prompt_->document());
  negative_label_ = new QLabel(this);
  negative_ = new QPlainTextEdit(this);
  negative_->setObjectName("negative");
  negative_->setTabChangesFocus(true);
  negative_->setMaximumHeight(60);
  hl_negative_ = new PromptHighlighter(negative_->document());
  prompt_label_->setBuddy(prompt_);
  negative_label_->setBuddy(negative_);
  lay->addWidget(prompt_label_);
  lay->addWidget(prompt_, 2);
  lay->addWidget(negative_label_);
  lay->addWidget(negative_, 1);

  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  // Seed
  auto* seed_row = new QHBoxLayout;
  seed_ = new QLineEdit(this);
  seed_->setObjectName("seed");
  seed_->setValidator(new QRegularExpressionValidator(QRegularExpression("[0-9]{1,19}"), seed_));
  seed_->setText(QString::number(QRandomGenerator::global()->bounded(1u << 31)));
  seed_mode_ = new QComboBox(this);
  seed_mode_->setObjectName("seedMode");
  seed_mode_->addItems({"", "", ""});
  dice_ = new QToolButton(this);
  dice_->setText("⚄");
  connect(dice_, &QToolButton::clicked, this,
          [this] { seed_->setText(QString::number(QRandomGenerator::global()->bounded(1u << 31))); });
  seed_row->addWidget(seed_, 1);
  seed_row->addWidget(seed_mode_);
  seed_row->addWidget(dice_);
  seed_label_ = new QLabel(this);
  seed_label_->setBuddy(seed_);
  form->addRow(seed_label_, seed_row);
  // Size
  auto* size_row = new QHBoxLayout;
  size_preset_ = new QComboBox(this);
  size_preset_->setObjectName("sizePreset");
  for (const auto& s : kSizes) size_preset_->addItem(QStringLiteral("%1 × %2").arg(s.w).arg(s.h), QSize(s.w, s.h));
  size_preset_->addItem(QString());  // Custom (text set in retranslate)
  width_ = new QSpinBox(this);
  height_ = new QSpinBox(this);
  for (QSpinBox* s : {width_, height_}) {
    s->setRange(64, 4096);
    s->setSingleStep(8);
    s->setValue(512);
  }
  width_->setObjectName("width");
  height_->setObjectName("height");
  size_row->addWidget(size_preset_, 1);
  size_row->addWidget(width_);
  size_row->addWidget(new QLabel("×", this));
  size_row->addWidget(height_);
  size_label_ = new QLabel(this);
  size_label_->setBuddy(size_preset_);
  form->addRow(size_label_, size_row);
  connect(size_preset_, &QComboBox::activated, this, &PromptPanel::on_size_preset);
  auto sync_preset = [this] {
    int found = size_preset_->count() - 1;
    for (int i = 0; i + 1 < size_preset_->count(); ++i)
      if (size_preset_->itemData(i).toSize() == QSize(width_->value(), height_->value())) found = i;
    size_preset_->setCurrentIndex(found);
  };
  connect(width_, &QSpinBox::valueChanged, this, sync_preset);
  connect(height_, &QSpinBox::valueChanged, this, sync_preset);
  // Mode
  mode_ = new QComboBox(this);
  mode_->setObjectName("mode");
  mode_->addItems({"", "", "", "", ""});
  mode_label_ = new QLabel(this);
  mode_label_->setBuddy(mode_);
  form->addRow(mode_label_, mode_);
  preset_offer_ = new QLabel(this);
  preset_offer_->setObjectName("presetOffer");
  preset_offer_->setWordWrap(true);
  preset_offer_->setVisible(false);
  connect(preset_offer_, &QLabel::linkActivated, this, [this](const QString& name) {
    select_model_preset(name);
    preset_offer_->setVisible(false);
  });
  form->addRow(QString(), preset_offer_);
  // Model
  auto* model_row = new QHBoxLayout;
  model_ = new QComboBox(this);
  model_->setObjectName("model");
  model_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  model_->setMinimumContentsLength(12);
  add_folder_ = new QToolButton(this);
  add_folder_->setText("…");
  connect(add_folder_, &QToolButton::clicked, this, &PromptPanel::add_model_folder_requested);
  connect(model_, &QComboBox::activated, this, [this] { Q_EMIT model_changed(current_model()); });
  model_row->addWidget(model_, 1);
  model_row->addWidget(add_folder_);
  model_label_ = new QLabel(this);
  model_label_->setBuddy(model_);
  form->addRow(model_label_, model_row);
  // A UNet-only file (SDXL-Lightning, a ComfyUI diffusion_models file) or a VAE in place of the model's own.
  unet_ = new QComboBox(this);
  unet_->setObjectName("unet");
  vae_ = new QComboBox(this);
  vae_->setObjectName("vae");
  for (QComboBox* c : {unet_, vae_}) {
    c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    c->setMinimumContentsLength(12);
    c->addItem(QString(), QString());
  }
  unet_label_ = new QLabel(this);
  unet_label_->setBuddy(unet_);
  vae_label_ = new QLabel(this);
  vae_label_->setBuddy(vae_);
  form->addRow(unet_label_, unet_);
  form->addRow(vae_label_, vae_);
  connect(unet_, &QComboBox::activated, this, [this] { Q_EMIT unet_changed(unet_->currentData().toString()); });
  lay->addLayout(form);

  // Custom sampler settings
  custom_ = new QGroupBox(this);
  custom_form_ = new QFormLayout(custom_);
  sampler_ = new QComboBox(custom_);
  for (const auto& s : sampling::sampler_names()) sampler_->addItem(QString::fromStdString(s));
  schedule_ = new QComboBox(custom_);
  for (const auto& s : sampling::schedule_names()) schedule_->addItem(QString::fromStdString(s));
  steps_ = new QSpinBox(custom_);
  steps_->setRange(1, 200);
  steps_->setValue(20);
  cfg_ = new QDoubleSpinBox(custom_);
  cfg_->setRange(0, 30);
  cfg_->setSingleStep(0.5);
  cfg_->setValue(7.0);
  eta_ = new QDoubleSpinBox(custom_);
  eta_->setRange(0, 2);
  eta_->setSingleStep(0.1);
  eta_->setValue(1.0);
  s_noise_ = new QDoubleSpinBox(custom_);
  s_noise_->setRange(0, 2);
  s_noise_->setSingleStep(0.01);
  s_noise_->setValue(1.0);
  clip_skip_ = new QSpinBox(custom_);
  clip_skip_->setRange(1, 4);
  noise_ = new QComboBox(custom_);
  for (const auto& n : sampling::noise_source_names()) noise_->addItem(QString::fromStdString(n));
  for (QWidget* w : std::initializer_list<QWidget*>{sampler_, schedule_, steps_, cfg_, eta_, s_noise_, clip_skip_, noise_})
    custom_form_->addRow(new QLabel(custom_), w);
  lay->addWidget(custom_);

  hires_ = new QGroupBox(this);
  hires_->setObjectName("hires");
  hires_->setCheckable(true);
  hires_->setChecked(false);
  hires_form_ = new QFormLayout(hires_);
  hires_strength_ = new QDoubleSpinBox(hires_);
  hires_strength_->setObjectName("hiresStrength");
  hires_strength_->setRange(0.05, 1.0);
  hires_strength_->setSingleStep(0.05);
  hires_strength_->setValue(0.45);
  hires_upscale_ = new QComboBox(hires_);
  hires_upscale_->setObjectName("hiresUpscale");
  hires_upscale_->addItems({"", ""});
  for (QWidget* w : std::initializer_list<QWidget*>{hires_strength_, hires_upscale_})
    hires_form_->addRow(new QLabel(hires_), w);
  lay->addWidget(hires_);
  connect(mode_, &QComboBox::currentIndexChanged, this, &PromptPanel::on_mode);

  networks_box_ = new QGroupBox(this);
  networks_box_->setObjectName("networksBox");
  auto* nlay = new QVBoxLayout(networks_box_);
  networks_ = new ActiveNetworks(networks_box_);
  nlay->addWidget(networks_);
  lay->addWidget(networks_box_);

  // The start image lives in its own tab; this line says what the next run starts from.
  start_image_ = new QLabel(this);
  start_image_->setObjectName("startImageSummary");
  start_image_->setWordWrap(true);
  start_image_->setVisible(false);
  connect(start_image_, &QLabel::linkActivated, this, [this](const QString& link) {
    if (link == "edit") Q_EMIT start_image_edit_requested();
    if (link == "clear") Q_EMIT start_image_clear_requested();
  });
  lay->addWidget(start_image_);

  // Actions
  auto* explore_row = new QHBoxLayout;
  explore_label_ = new QLabel(this);
  explore_n_ = new QSpinBox(this);
  explore_n_->setObjectName("exploreCount");
  explore_n_->setRange(2, 64);
  explore_n_->setValue(8);
  explore_label_->setBuddy(explore_n_);
  explore_ = new QPushButton(this);
  explore_->setObjectName("explore");
  explore_row->addWidget(explore_label_);
  explore_row->addWidget(explore_n_);
  explore_row->addWidget(explore_, 1);
  generate_ = new QPushButton(this);
  generate_->setObjectName("generate");
  generate_->setDefault(true);
  QFont f = generate_->font();
  f.setBold(true);
  generate_->setFont(f);
  generate_->setMinimumHeight(34);
  cancel_ = new QPushButton(this);
  cancel_->setObjectName("cancel");
  cancel_->setEnabled(false);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generate_, 2);
  buttons->addWidget(cancel_, 1);
  lay->addLayout(buttons);
  lay->addLayout(explore_row);
  lay->addStretch(0);
  connect(generate_, &QPushButton::clicked, this, &PromptPanel::generate_requested);
  connect(explore_, &QPushButton::clicked, this, [this] { Q_EMIT explore_requested(explore_n_->value()); });
  connect(cancel_, &QPushButton::clicked, this, &PromptPanel::cancel_requested);

  retranslate();
  on_mode();
  set_size(512, 512);
}

void PromptPanel::retranslate() {
  networks_box_->setTitle(tr("LoRA networks"));
  prompt_label_->setText(tr("&Prompt"));
  negative_label_->setText(tr("&Negative prompt"));
  prompt_->setPlaceholderText(tr("Describe the image: (word:1.3) weights, [word] lowers, BREAK starts a new chunk"));
  negative_->setPlaceholderText(tr("What to avoid"));
  seed_label_->setText(tr("S&eed"));
  seed_mode_->setItemText(0, tr("Random"));
  seed_mode_->setItemText(1, tr("Locked"));
  seed_mode_->setItemText(2, tr("+1 each run"));
  dice_->setToolTip(tr("New random seed"));
  size_label_->setText(tr("Si&ze"));
  size_preset_->setItemText(size_preset_->count() - 1, tr("Custom"));
  mode_label_->setText(tr("&Mode"));
  mode_->setItemText(0, tr("Fast (adaptive)"));
  mode_->setItemText(1, tr("Quality"));
  mode_->setItemText(2, tr("Lightning"));
  mode_->setItemText(3, tr("Draft"));
  mode_->setItemText(4, tr("Custom"));
  update_draft_item();
  model_label_->setText(tr("M&odel"));
  unet_label_->setText(tr("&UNet"));
  vae_label_->setText(tr("&VAE"));
  unet_->setItemText(0, tr("The model's own"));
  vae_->setItemText(0, tr("The model's own"));
  unet_->setToolTip(tr("A UNet-only file used with the model's text encoders and VAE"));
  vae_->setToolTip(tr("A VAE file used instead of the model's"));
  add_folder_->setToolTip(tr("Add a model folder…"));
  custom_->setTitle(tr("Custom sampler settings"));
  const QStringList labels = {tr("Sampler"), tr("Schedule"), tr("Steps"),       tr("CFG scale"),
                              tr("Eta"),     tr("S noise"),  tr("CLIP skip"),   tr("Noise source")};
  for (int i = 0; i < labels.size(); ++i)
    if (auto* l = qobject_cast<QLabel*>(custom_form_->itemAt(i, QFormLayout::LabelRole)->widget())) l->setText(labels[i]);
  hires_->setTitle(tr("2× hires pass"));
  hires_->setToolTip(tr("After the first pass, upscale 2×, re-noise and finish with 20 more steps (hires fix)"));
  hires_upscale_->setItemText(0, tr("Image (Lanczos)"));
  hires_upscale_->setItemText(1, tr("Latent (needs strength ≥ 0.5)"));
  const QStringList hires_labels = {tr("Strength"), tr("Upscale")};
  for (int i = 0; i < hires_labels.size(); ++i) {
    if (auto* l = qobject_cast<QLabel*>(hires_form_->itemAt(i, QFormLayout::LabelRole)->widget()))
      l->setText(hires_labels[i]);
    hires_form_->itemAt(i, QFormLayout::FieldRole)->widget()->setAccessibleName(hires_labels[i]);
  }
  hires_->setAccessibleName(tr("2× hires pass"));
  explore_label_->setText(tr("&Variations"));
  explore_->setText(tr("E&xplore variations"));
  explore_->setToolTip(tr("Generate N seeds in fast mode into the variations grid (Ctrl+Shift+Return)"));
  generate_->setText(tr("&Generate"));
  generate_->setToolTip(tr("Generate (Ctrl+Return)"));
  cancel_->setText(tr("&Cancel"));
  cancel_->setToolTip(tr("Cancel the running generation (Esc)"));
  // Accessible names for screen readers (labels are buddies, but combo boxes in rows need their own).
  prompt_->setAccessibleName(tr("Prompt"));
  unet_->setAccessibleName(tr("UNet file"));
  vae_->setAccessibleName(tr("VAE file"));
  negative_->setAccessibleName(tr("Negative prompt"));
  seed_->setAccessibleName(tr("Seed"));
  seed_mode_->setAccessibleName(tr("Seed mode"));
  dice_->setAccessibleName(tr("New random seed"));
  size_preset_->setAccessibleName(tr("Size preset"));
  width_->setAccessibleName(tr("Width"));
  height_->setAccessibleName(tr("Height"));
  mode_->setAccessibleName(tr("Mode"));
  model_->setAccessibleName(tr("Model"));
  add_folder_->setAccessibleName(tr("Add a model folder"));
  for (int i = 0; i < labels.size(); ++i) custom_form_->itemAt(i, QFormLayout::FieldRole)->widget()->setAccessibleName(labels[i]);
  explore_n_->setAccessibleName(tr("Number of variations"));
  explore_->setAccessibleName(tr("Explore variations"));
  generate_->setAccessibleName(tr("Generate"));
  cancel_->setAccessibleName(tr("Cancel"));
  if (model_->count() > 0 && model_->itemData(0).toString() == "embedded")
    model_->setItemText(0, tr("Embedded default model"));
}

void PromptPanel::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QWidget::changeEvent(e);
}

void PromptPanel::on_size_preset() {
  QSize s = size_preset_->currentData().toSize();
  if (s.isValid()) set_size(s.width(), s.height());
}

void PromptPanel::set_size(int w, int h) {
  width_->setValue(w);
  height_->setValue(h);
}

constexpr int kBuiltinModes = 5;  // Preset's values, in order

const ModelPreset* PromptPanel::selected_model_preset() const {
  const QString name = mode_->currentData().toString();
  for (const auto& p : model_presets_)
    if (QString::fromStdString(p.name) == name && mode_->currentIndex() > kBuiltinModes) return &p;
  return nullptr;
}

QString PromptPanel::model_preset() const {
  const ModelPreset* p = selected_model_preset();
  return p ? QString::fromStdString(p->name) : QString();
}

void PromptPanel::select_model_preset(const QString& name) {
  const int i = mode_->findData(name);
  if (i > kBuiltinModes) mode_->setCurrentIndex(i);
}

void PromptPanel::set_model_presets(std::vector<ModelPreset> presets) {
  const QString current = model_preset();
  while (mode_->count() > kBuiltinModes) mode_->removeItem(kBuiltinModes);
  model_presets_ = std::move(presets);
  if (model_presets_.empty()) return;
  mode_->insertSeparator(kBuiltinModes);
  for (const auto& p : model_presets_) {
    mode_->addItem(QString::fromStdString(p.label), QString::fromStdString(p.name));
    mode_->setItemData(mode_->count() - 1, QString::fromStdString(p.description), Qt::ToolTipRole);
  }
  if (!current.isEmpty()) select_model_preset(current);
}

void PromptPanel::propose_model_preset(const ModelPreset* p) {
  if (!p || QString::fromStdString(p->name) == model_preset()) {
    preset_offer_->setVisible(false);
    return;
  }
  preset_offer_->setText(tr("This model looks like %1: <a href=\"%2\">use its preset</a>")
                             .arg(QString::fromStdString(p->label).toHtmlEscaped(), QString::fromStdString(p->name)));
  preset_offer_->setVisible(true);
}

void PromptPanel::set_student(const StudentAvailability& student) {
  student_ = student;
  update_draft_item();
  if (!student_.available && mode_->currentIndex() == int(Preset::Draft)) mode_->setCurrentIndex(int(Preset::Fast));
}

void PromptPanel::update_draft_item() {
  QStandardItem* item = qobject_cast<QStandardItemModel*>(mode_->model())->item(int(Preset::Draft));
  item->setEnabled(student_.available);
  QString tip = tr("The model's distilled student: a draft in 2-4 steps, one network call each; promote it to "
                   "render the same seed in quality mode");
  if (!student_.problem.isEmpty())
    tip = tr("Unavailable: the model's student cannot be used: %1").arg(student_.problem);
  else if (!student_.available)
    tip = tr("Unavailable: this model has no distilled student (student/student.json beside it); make one with "
             "ripen-cli train distill");
  item->setToolTip(tip);
}

void PromptPanel::on_mode() {
  if (const ModelPreset* p = selected_model_preset()) {  // show what the preset sets; the fields stay editable
    sampler_->setCurrentText(QString::fromStdString(p->sampler));
    schedule_->setCurrentText(QString::fromStdString(p->schedule));
    steps_->setValue(p->steps);
    cfg_->setValue(p->cfg);
    if (p->width) set_size(p->width, p->height);
    custom_->setVisible(true);
    hires_->setVisible(true);
    preset_offer_->setVisible(false);
    return;
  }
  const auto preset = Preset(std::min(mode_->currentIndex(), kBuiltinModes - 1));
  custom_->setVisible(preset == Preset::Custom);
  hires_->setVisible(preset == Preset::Quality || preset == Preset::Custom);  // fast and lightning refuse the pass
}

void PromptPanel::set_dark(bool dark) {
  hl_prompt_->set_dark(dark);
  hl_negative_->set_dark(dark);
}

uint64_t PromptPanel::seed_value() const { return seed_->text().toULongLong(); }

GenerationRequest PromptPanel::request() const {
  GenerationRequest r;
  r.model = current_model().toStdString();
  r.prompt = prompt_->toPlainText().toStdString();
  r.negative_prompt = negative_->toPlainText().toStdString();
  r.seed = seed_value();
  r.width = width_->value() / 8 * 8;
  r.height = height_->value() / 8 * 8;
  r.preset = Preset(std::min(mode_->currentIndex(), kBuiltinModes - 1));
  r.sampler = sampler_->currentText().toStdString();
  r.schedule = schedule_->currentText().toStdString();
  // Draft: the student's own steps (a request's steps outside 1..8 mean its default; presets.h draft_plan).
  r.steps = r.preset == Preset::Draft ? GenerationRequest{}.steps : steps_->value();
  r.cfg = cfg_->value();
  r.eta = eta_->value();
  r.s_noise = s_noise_->value();
  r.clip_skip = clip_skip_->value();
  r.noise = sampling::noise_source_from_string(noise_->currentText().toStdString());
  r.hires = (r.preset == Preset::Quality || r.preset == Preset::Custom) && hires_->isChecked();
  r.hires_strength = hires_strength_->value();
  r.hires_upscale = hires_upscale_->currentIndex() == 1 ? HiresUpscale::Latent : HiresUpscale::Image;
  r.unet = unet_->currentData().toString().toStdString();
  r.vae = vae_->currentData().toString().toStdString();
  r.networks = networks_->networks();
  if (const ModelPreset* p = selected_model_preset()) {  // custom, with the fields as the user left them
    r.model_preset = p->name;
    r.adaptive = p->adaptive;
  }
  return r;
}

GenerationRequest PromptPanel::take_request() {
  const auto mode = SeedMode(seed_mode_->currentIndex());
  if (mode == SeedMode::Random && !only_networks_changed())
    seed_->setText(QString::number(QRandomGenerator::global()->bounded(1u << 31)));
  GenerationRequest r = request();
  if (mode == SeedMode::Increment) seed_->setText(QString::number(r.seed + 1));
  last_taken_ = r;
  return r;
}

// A run whose only change is a LoRA's weight (or a LoRA added or removed) keeps the seed, so the artist sees the
// network's effect and nothing else.
bool PromptPanel::only_networks_changed() const {
  if (!last_taken_) return false;
  GenerationRequest now = request();
  if (now.networks == last_taken_->networks) return false;
  now.networks = last_taken_->networks;
  now.seed = last_taken_->seed;
  return now == *last_taken_;
}

void PromptPanel::set_start_image_summary(const QString& summary) {
  start_image_->setVisible(!summary.isEmpty());
  start_image_->setText(summary.isEmpty() ? QString()
                                          : QStringLiteral("%1 · <a href=\"edit\">%2</a> · <a href=\"clear\">%3</a>")
                                                .arg(summary.toHtmlEscaped(), tr("edit"), tr("remove")));
}

void PromptPanel::set_request(const GenerationRequest& r) {
  networks_->set_networks(r.networks);
  prompt_->setPlainText(QString::fromStdString(r.prompt));
  negative_->setPlainText(QString::fromStdString(r.negative_prompt));
  seed_->setText(QString::number(r.seed));
  set_seed_mode(SeedMode::Locked);
  set_size(r.width, r.height);
  const int preset_item = r.model_preset.empty() ? -1 : mode_->findData(QString::fromStdString(r.model_preset));
  {
    const QSignalBlocker block(mode_);  // on_mode would apply the preset's settings over these
    mode_->setCurrentIndex(preset_item > kBuiltinModes ? preset_item : int(r.preset));
  }
  custom_->setVisible(r.preset == Preset::Custom);
  hires_->setVisible(r.preset == Preset::Quality || r.preset == Preset::Custom);
  sampler_->setCurrentText(QString::fromStdString(r.sampler));
  schedule_->setCurrentText(QString::fromStdString(r.schedule));
  steps_->setValue(r.steps);
  cfg_->setValue(r.cfg);
  eta_->setValue(r.eta);
  s_noise_->setValue(r.s_noise);
  clip_skip_->setValue(r.clip_skip);
  noise_->setCurrentText(QString::fromStdString(to_string(r.noise)));
  hires_->setChecked(r.hires);
  hires_strength_->setValue(r.hires_strength);
  hires_upscale_->setCurrentIndex(r.hires_upscale == HiresUpscale::Latent ? 1 : 0);
  int i = model_->findData(QString::fromStdString(r.model));
  if (i >= 0) model_->setCurrentIndex(i);
  for (auto [combo, file] : {std::pair{unet_, r.unet}, std::pair{vae_, r.vae}}) {
    const QString f = QString::fromStdString(file);
    int j = combo->findData(f);
    if (j < 0) {  // a file from elsewhere (an imported image's settings): offer it as it is
      combo->addItem(QFileInfo(f).fileName(), f);
      j = combo->count() - 1;
    }
    combo->setCurrentIndex(j);
  }
}

void PromptPanel::set_component_files(const QList<ModelEntry>& unets, const QList<ModelEntry>& vaes) {
  for (auto [combo, entries] : {std::pair{unet_, &unets}, std::pair{vae_, &vaes}}) {
    const QString current = combo->currentData().toString();
    while (combo->count() > 1) combo->removeItem(1);
    auto* items = qobject_cast<QStandardItemModel*>(combo->model());
    for (const auto& e : *entries) {
      combo->addItem(e.arch.isEmpty() ? e.name : QStringLiteral("%1  ·  %2").arg(e.name, arch_title(e.arch.toStdString())),
                     e.path);
      const int row = combo->count() - 1;
      combo->setItemData(row, e.problem.isEmpty() ? e.path : e.problem, Qt::ToolTipRole);
      if (!e.problem.isEmpty() && items) items->item(row)->setEnabled(false);  // found, shown, not selectable
    }
    combo->setCurrentIndex(std::max(0, combo->findData(current)));
  }
}

void PromptPanel::set_models(const QList<ModelEntry>& models, const QString& current, bool embedded_available) {
  model_->clear();
  model_->addItem(tr("Embedded default model"), "embedded");
  if (!embedded_available) model_->setItemData(0, tr("Not installed yet"), Qt::ToolTipRole);
  auto* items = qobject_cast<QStandardItemModel*>(model_->model());
  for (const auto& m : models) {
    model_->addItem(m.arch.isEmpty() ? m.name : QStringLiteral("%1  ·  %2").arg(m.name, arch_title(m.arch.toStdString())),
                    m.path);
    const int row = model_->count() - 1;
    model_->setItemData(row, m.problem.isEmpty() ? m.path : m.problem, Qt::ToolTipRole);
    // A file Ripen cannot use stays visible, greyed out, with the refusal as its tooltip.
    if (!m.problem.isEmpty() && items) items->item(row)->setEnabled(false);
  }
  int i = model_->findData(current);
  if (i < 0 && !current.isEmpty() && current != "embedded") {
    model_->addItem(QFileInfo(current).fileName(), current);
    i = model_->count() - 1;
  }
  model_->setCurrentIndex(std::max(i, 0));
}

QString PromptPanel::current_model() const {
  QString d = model_->currentData().toString();
  return d.isEmpty() ? QStringLiteral("embedded") : d;
}

void PromptPanel::set_busy(bool busy) { cancel_->setEnabled(busy); }
void PromptPanel::set_seed_mode(SeedMode m) { seed_mode_->setCurrentIndex(int(m)); }
int PromptPanel::explore_count() const { return explore_n_->value(); }
void PromptPanel::set_explore_count(int n) { explore_n_->setValue(n); }

}  // namespace ripen::ui
