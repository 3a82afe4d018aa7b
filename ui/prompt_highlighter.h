#pragma once
// Highlights AUTOMATIC1111 prompt weighting: (emphasis), [de-emphasis], (word:1.3) weights, BREAK, \escapes,
// and unbalanced brackets. The nesting depth carries across lines through the block state.
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace ripen::ui {

class PromptHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
 public:
  explicit PromptHighlighter(QTextDocument* doc);
  void set_dark(bool dark);

 protected:
  void highlightBlock(const QString& text) override;

 private:
  QTextCharFormat up_, down_, weight_, keyword_, escape_, error_;
};

}  // namespace ripen::ui
