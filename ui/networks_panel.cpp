#include "ui/networks_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

#include "ui/network_list_model.h"

namespace ripen::ui {
namespace {
constexpr int kShownTags = 12;
constexpr int kDetailPreview = 128;
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

NetworksPanel::NetworksPanel(Scan scan, QWidget* parent) : QWidget(parent), scan_(std::move(scan)) {
  setObjectName("networksPanel");
  auto* lay = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  kind_ = new QComboBox(this);
  kind_->addItems({QString(), QString()});
  search_ = new QLineEdit(this);
  search_->setObjectName("networkSearch");
  search_->setClearButtonEnabled(true);
  rescan_ = new QPushButton(this);
  top->addWidget(kind_);
  top->addWidget(search_, 1);
  top->addWidget(rescan_);
  lay->addLayout(top);

  model_ = new NetworkListModel(this);
  filter_ = new QSortFilterProxyModel(this);
  filter_->setSourceModel(model_);
  filter_->setFilterRole(NetworkListModel::SearchTextRole);
  filter_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  list_ = new QListView(this);
  list_->setObjectName("networkList");
  list_->setModel(filter_);
  list_->setIconSize(QSize(48, 48));
  list_->setUniformItemSizes(true);
  lay->addWidget(list_, 2);
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  lay->addWidget(summary_);

  auto* details = new QHBoxLayout;
  preview_ = new QLabel(this);
  preview_->setFixedSize(kDetailPreview, kDetailPreview);
  preview_->setAlignment(Qt::AlignCenter);
  details->addWidget(preview_);
  auto* text = new QVBoxLayout;
  title_ = new QLabel(this);
  title_->setWordWrap(true);
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  base_ = new QLabel(this);
  base_->setObjectName("networkBase");
  base_->setWordWrap(true);
  tags_label_ = new QLabel(this);
  tags_ = new QLabel(this);
  tags_->setObjectName("networkTags");
  tags_->setWordWrap(true);
  problem_ = new QLabel(this);
  problem_->setObjectName("networkProblem");
  problem_->setWordWrap(true);
  for (QLabel* l : {title_, base_, tags_label_, tags_, problem_}) text->addWidget(l);
  text->addStretch();
  details->addLayout(text, 1);
  lay->addLayout(details, 1);

  auto* add_row = new QHBoxLayout;
  weight_label_ = new QLabel(this);
  weight_ = new QDoubleSpinBox(this);
  weight_->setObjectName("networkAddWeight");
  weight_->setRange(-10, 10);
  weight_->setSingleStep(0.05);
  weight_->setValue(1.0);
  add_ = new QPushButton(this);
  add_->setObjectName("networkAdd");
  add_negative_ = new QPushButton(this);
  add_row->addWidget(weight_label_);
  add_row->addWidget(weight_);
  add_row->addWidget(add_, 1);
  add_row->addWidget(add_negative_, 1);
  lay->addLayout(add_row);

  connect(kind_, &QComboBox::currentIndexChanged, this, &NetworksPanel::rescan);
  connect(search_, &QLineEdit::textChanged, filter_, &QSortFilterProxyModel::setFilterFixedString);
  connect(rescan_, &QPushButton::clicked, this, &NetworksPanel::rescan);
  connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, &NetworksPanel::show_details);
  connect(list_, &QListView::doubleClicked, this, &NetworksPanel::add_current);
  connect(add_, &QPushButton::clicked, this, &NetworksPanel::add_current);
  connect(add_negative_, &QPushButton::clicked, this, [this] {
    if (const lora::NetworkInfo* n = current(); n && n->usable()) Q_EMIT insert_into_negative(qs(n->name));
  });
  connect(tags_, &QLabel::linkActivated, this, [this](const QString& tag) { Q_EMIT insert_into_prompt(tag); });
  retranslate();
}

lora::NetworkKind NetworksPanel::kind() const {
  return kind_->currentIndex() == 1 ? lora::NetworkKind::Embedding : lora::NetworkKind::Lora;
}

void NetworksPanel::set_kind(lora::NetworkKind k) { kind_->setCurrentIndex(k == lora::NetworkKind::Embedding ? 1 : 0); }

void NetworksPanel::rescan() {
  model_->set_listing(scan_ ? scan_(kind()) : lora::NetworkListing{});
  const auto& l = model_->listing();
  QString text = tr("%n file(s)", nullptr, int(l.networks.size()));
  if (!l.problems.empty()) text += " · " + qs(l.problems.front());
  if (l.networks.empty())
    text = kind() == lora::NetworkKind::Lora
               ? tr("No LoRA found. Ripen looks in the models/Lora, models/LyCORIS and models/loras folders of the "
                    "AUTOMATIC1111 or ComfyUI installs set in Settings, and in extra_model_paths.yaml.")
               : tr("No embedding found. Ripen looks in the embeddings and models/embeddings folders of the "
                    "installs set in Settings, and in extra_model_paths.yaml.");
  summary_->setText(text);
  show_details();
}

void NetworksPanel::set_model_arch(const QString& arch) {
  model_arch_ = arch;
  show_details();
}

void NetworksPanel::select_row(int source_row) {
  list_->setCurrentIndex(filter_->mapFromSource(model_->index(source_row)));
}

const lora::NetworkInfo* NetworksPanel::current() const {
  const QModelIndex i = filter_->mapToSource(list_->currentIndex());
  return i.isValid() ? model_->at(i.row()) : nullptr;
}

void NetworksPanel::add_current() {
  const lora::NetworkInfo* n = current();
  if (!n || !n->usable()) return;
  if (n->kind == lora::NetworkKind::Embedding) {
    Q_EMIT insert_into_prompt(qs(n->name));
    return;
  }
  NetworkRef r;
  r.name = n->name;
  r.path = n->path;
  r.te = r.unet = weight_->value();
  Q_EMIT add_network(r);
}

void NetworksPanel::show_details() {
  const lora::NetworkInfo* n = current();
  const bool lora_kind = kind() == lora::NetworkKind::Lora;
  add_->setText(lora_kind ? tr("Add to the run") : tr("Add to prompt"));
  weight_->setVisible(lora_kind);
  weight_label_->setVisible(lora_kind);
  add_negative_->setVisible(!lora_kind);
  add_->setEnabled(n && n->usable());
  add_negative_->setEnabled(n && n->usable());
  preview_->clear();
  if (!n) {
    for (QLabel* l : {title_, base_, tags_label_, tags_, problem_}) l->clear();
    return;
  }
  if (!n->preview.empty()) {
    QImageReader reader(qs(n->preview));
    if (reader.size().isValid()) reader.setScaledSize(reader.size().scaled(kDetailPreview, kDetailPreview, Qt::KeepAspectRatio));
    preview_->setPixmap(QPixmap::fromImage(reader.read()));
  } else {
    preview_->setText(tr("no preview"));
  }
  QString title = "<b>" + qs(n->title.empty() ? n->name : n->title).toHtmlEscaped() + "</b>";
  if (!n->author.empty()) title += " · " + qs(n->author).toHtmlEscaped();
  title += "<br><small>" + qs(n->relative).toHtmlEscaped() +
           QStringLiteral(" · %1 MB").arg(double(n->bytes) / (1 << 20), 0, 'f', 1) + "</small>";
  if (n->vectors > 0) title += "<br>" + tr("%n vector(s) in the prompt", nullptr, int(n->vectors));
  title_->setText(title);
  QString base = n->base_model.empty() ? tr("Base model: not stated") : tr("Base model: %1").arg(qs(n->base_model));
  if (!n->arch.empty() && !model_arch_.isEmpty() && qs(n->arch) != model_arch_)
    base += " — " + tr("made for %1, the current model is %2").arg(qs(n->arch), model_arch_);
  base_->setText(base);
  QStringList tags;
  if (!n->trigger_phrase.empty()) tags << qs(n->trigger_phrase);
  for (size_t i = 0; i < n->tags.size() && tags.size() < kShownTags; ++i) tags << qs(n->tags[i].tag);
  tags_label_->setVisible(!tags.isEmpty());
  QStringList links;
  for (const QString& t : tags) links << QStringLiteral("<a href=\"%1\">%2</a>").arg(t.toHtmlEscaped(), t.toHtmlEscaped());
  tags_->setText(links.join(", "));
  problem_->setText(n->usable() ? QString() : qs(n->problem));
  problem_->setVisible(!n->usable());
}

void NetworksPanel::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QWidget::changeEvent(e);
}

void NetworksPanel::retranslate() {
  kind_->setItemText(0, tr("LoRA"));
  kind_->setItemText(1, tr("Embeddings"));
  search_->setPlaceholderText(tr("Search names, folders and trigger words"));
  rescan_->setText(tr("Rescan"));
  tags_label_->setText(tr("Trigger words (click to add to the prompt):"));
  weight_label_->setText(tr("Weight"));
  add_negative_->setText(tr("Add to negative"));
  list_->setAccessibleName(tr("Networks found"));
  kind_->setAccessibleName(tr("Kind of network"));
  search_->setAccessibleName(tr("Search networks"));
  weight_->setAccessibleName(tr("Weight of the network to add"));
  show_details();
}

}  // namespace ripen::ui
