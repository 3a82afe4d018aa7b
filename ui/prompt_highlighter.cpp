#include "ui/prompt_highlighter.h"

namespace ripen::ui {

PromptHighlighter::PromptHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) { set_dark(false); }

void PromptHighlighter::set_dark(bool dark) {
  up_.setForeground(dark ? QColor(240, 170, 80) : QColor(176, 96, 0));
  down_.setForeground(dark ? QColor(120, 170, 240) : QColor(30, 90, 190));
  weight_.setForeground(dark ? QColor(120, 220, 140) : QColor(0, 130, 60));
  weight_.setFontWeight(QFont::Bold);
  keyword_.setForeground(dark ? QColor(220, 130, 230) : QColor(140, 30, 160));
  keyword_.setFontWeight(QFont::Bold);
  escape_.setForeground(QColor(128, 128, 128));
  error_.setUnderlineStyle(QTextCharFormat::WaveUnderline);
  error_.setUnderlineColor(Qt::red);
  error_.setForeground(Qt::red);
  rehighlight();
}

void PromptHighlighter::highlightBlock(const QString& text) {
  // State: round depth in the low 8 bits, square depth in the next 8 (-1 = no previous block).
  int state = previousBlockState();
  int round = state < 0 ? 0 : state & 0xff, square = state < 0 ? 0 : (state >> 8) & 0xff;
  const int n = int(text.size());
  for (int i = 0; i < n; ++i) {
    const QChar c = text[i];
    if (c == '\\' && i + 1 < n) {
      setFormat(i, 2, escape_);
      ++i;
      continue;
    }
    if (c == '(') {
      ++round;
      setFormat(i, 1, up_);
    } else if (c == ')') {
      if (round == 0) setFormat(i, 1, error_);
      else {
        --round;
        setFormat(i, 1, up_);
      }
    } else if (c == '[') {
      ++square;
      setFormat(i, 1, down_);
    } else if (c == ']') {
      if (square == 0) setFormat(i, 1, error_);
      else {
        --square;
        setFormat(i, 1, down_);
      }
    } else if (c == ':' && round > 0) {
      int j = i + 1;
      while (j < n && text[j].isSpace()) ++j;
      int k = j;
      while (k < n && (text[k].isDigit() || text[k] == '.' || text[k] == '-')) ++k;
      if (k > j) {
        setFormat(i, k - i, weight_);
        i = k - 1;
      }
    } else if (c == 'B' && text.mid(i, 5) == "BREAK" && (i == 0 || !text[i - 1].isLetterOrNumber()) &&
               (i + 5 == n || !text[i + 5].isLetterOrNumber())) {
      setFormat(i, 5, keyword_);
      i += 4;
    } else if (round > 0 || square > 0) {
      QTextCharFormat f = round > 0 ? up_ : down_;
      f.setFontWeight(QFont::Normal);
      setFormat(i, 1, f);
    }
  }
  setCurrentBlockState((std::min(round, 255)) | (std::min(square, 255) << 8));
}

}  // namespace ripen::ui
