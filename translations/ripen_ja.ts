<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>ripen::ui::CatalogueDialog</name>
    <message numerus="yes">
        <source>%n file(s) found, %1 not usable, %2 problem(s) with the folders; read in %3 ms.</source>
        <translation><numerusform>%n 個のファイル、使用不可 %1、フォルダーの問題 %2。%3 ms で読み込み。</numerusform></translation>
    </message>
    <message>
        <source>Models</source>
        <translation>モデル</translation>
    </message>
    <message>
        <source>&amp;Rescan</source>
        <translation>再スキャン(&amp;R)</translation>
    </message>
    <message>
        <source>Models found, by kind</source>
        <translation>見つかったモデル(種類別)</translation>
    </message>
</context>
<context>
    <name>ripen::ui::CatalogueModel</name>
    <message>
        <source>unknown</source>
        <translation>不明</translation>
    </message>
    <message>
        <source>Checkpoints</source>
        <translation>チェックポイント</translation>
    </message>
    <message>
        <source>UNet only</source>
        <translation>UNet のみ</translation>
    </message>
    <message>
        <source>VAEs</source>
        <translation>VAE</translation>
    </message>
    <message>
        <source>Preview decoders (TAESD)</source>
        <translation>プレビューデコーダー (TAESD)</translation>
    </message>
    <message>
        <source>LoRAs</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>埋め込み</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>使用可能</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>アーキテクチャ</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>形式</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>パス</translation>
    </message>
</context>
<context>
    <name>ripen::ui::CompareView</name>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>Side by side</source>
        <translation>左右に並べる</translation>
    </message>
    <message>
        <source>Swipe</source>
        <translation>スワイプ</translation>
    </message>
    <message>
        <source>Difference (×4)</source>
        <translation>差分 (×4)</translation>
    </message>
    <message>
        <source>S&amp;wipe</source>
        <translation>スワイプ(&amp;W)</translation>
    </message>
    <message>
        <source>Compare view mode</source>
        <translation>比較表示モード</translation>
    </message>
    <message>
        <source>Swipe position</source>
        <translation>スワイプ位置</translation>
    </message>
    <message>
        <source>Compared images</source>
        <translation>比較中の画像</translation>
    </message>
    <message>
        <source>Wheel or +/− zooms, drag or arrow keys pan, 0 resets</source>
        <translation>ホイールまたは +/− で拡大縮小、ドラッグまたは矢印キーで移動、0 でリセット</translation>
    </message>
    <message>
        <source>Select two images and choose Compare, or promote a draft.</source>
        <translation>2 枚の画像を選んで「比較」を選ぶか、下書きを昇格してください。</translation>
    </message>
    <message>
        <source>A: %1 — %2 s, %3 steps    B: %4 — %5 s, %6 steps</source>
        <translation>A: %1 — %2 秒、%3 ステップ    B: %4 — %5 秒、%6 ステップ</translation>
    </message>
    <message>
        <source>Equivalence (SSIM): %1</source>
        <translation>同等性 (SSIM): %1</translation>
    </message>
    <message>
        <source>Time ratio B/A: %1×</source>
        <translation>時間比 B/A: %1×</translation>
    </message>
</context>
<context>
    <name>ripen::ui::ExportDialog</name>
    <message>
        <source>Export to</source>
        <translation>エクスポート先</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>エクスポート</translation>
    </message>
    <message numerus="yes">
        <source>Export %n image(s)</source>
        <translation>
            <numerusform>%n 枚の画像をエクスポート</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Format</source>
        <translation>形式(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Bit depth</source>
        <translation>ビット深度(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Quality</source>
        <translation>品質(&amp;Q)</translation>
    </message>
    <message>
        <source>Include generation &amp;metadata (prompt, seed, settings)</source>
        <translation>生成&amp;メタデータを含める (プロンプト、シード、設定)</translation>
    </message>
    <message>
        <source>File &amp;name</source>
        <translation>ファイル名(&amp;N)</translation>
    </message>
    <message>
        <source>Fields: {id} {seed} {mode} {prompt:20} {negative:20} {width} {height} {sampler} {steps} {model} {hash} {index}</source>
        <translation>フィールド: {id} {seed} {mode} {prompt:20} {negative:20} {width} {height} {sampler} {steps} {model} {hash} {index}</translation>
    </message>
    <message>
        <source>&amp;Destination</source>
        <translation>保存先(&amp;D)</translation>
    </message>
    <message>
        <source>Choose the destination folder</source>
        <translation>保存先フォルダーを選択</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>形式</translation>
    </message>
    <message>
        <source>Bit depth</source>
        <translation>ビット深度</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>品質</translation>
    </message>
    <message>
        <source>Include metadata</source>
        <translation>メタデータを含める</translation>
    </message>
    <message>
        <source>File name template</source>
        <translation>ファイル名テンプレート</translation>
    </message>
    <message>
        <source>Destination folder</source>
        <translation>保存先フォルダー</translation>
    </message>
    <message>
        <source>8 bits per channel</source>
        <translation>チャンネルあたり 8 ビット</translation>
    </message>
    <message>
        <source>16 bits per channel</source>
        <translation>チャンネルあたり 16 ビット</translation>
    </message>
    <message>
        <source>16-bit half float (linear)</source>
        <translation>16 ビット半精度浮動小数点 (リニア)</translation>
    </message>
</context>
<context>
    <name>ripen::ui::GalleryModel</name>
    <message>
        <source>#%1 · seed %2 · %3 · %4 steps · %5 s
%6</source>
        <translation>#%1 · シード %2 · %3 · %4 ステップ · %5 秒
%6</translation>
    </message>
    <message>
        <source>Image %1, seed %2, %3</source>
        <translation>画像 %1、シード %2、%3</translation>
    </message>
    <message>
        <source>LoRA %1: %2</source>
        <translation>LoRA %1: %2</translation>
    </message>
    <message>
        <source>LoRA %1: text %2, UNet %3</source>
        <translation>LoRA %1: テキスト %2、UNet %3</translation>
    </message>
</context>
<context>
    <name>ripen::ui::GalleryView</name>
    <message>
        <source>%1+ images</source>
        <translation>%1 枚以上の画像</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n 枚の画像</numerusform>
        </translation>
    </message>
    <message>
        <source>Search prompts…</source>
        <translation>プロンプトを検索…</translation>
    </message>
    <message>
        <source>Search the gallery</source>
        <translation>ギャラリーを検索</translation>
    </message>
    <message>
        <source>All modes</source>
        <translation>すべてのモード</translation>
    </message>
    <message>
        <source>Fast</source>
        <translation>高速</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>高品質</translation>
    </message>
    <message>
        <source>Lightning</source>
        <translation>ライトニング</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>カスタム</translation>
    </message>
    <message>
        <source>Filter by mode</source>
        <translation>モードで絞り込み</translation>
    </message>
    <message>
        <source>Any rating</source>
        <translation>すべての評価</translation>
    </message>
    <message>
        <source>%1 or more</source>
        <translation>%1 以上</translation>
    </message>
    <message>
        <source>Filter by rating</source>
        <translation>評価で絞り込む</translation>
    </message>
    <message>
        <source>Show images rated at least this</source>
        <translation>この評価以上の画像を表示</translation>
    </message>
    <message>
        <source>All tags</source>
        <translation>すべてのタグ</translation>
    </message>
    <message>
        <source>Filter by tag</source>
        <translation>タグで絞り込む</translation>
    </message>
    <message>
        <source>Show images with this tag (edit tags with Ctrl+T)</source>
        <translation>このタグの画像を表示（タグの編集は Ctrl+T）</translation>
    </message>
    <message>
        <source>All collections</source>
        <translation>すべてのコレクション</translation>
    </message>
    <message>
        <source>Filter by collection</source>
        <translation>コレクションで絞り込む</translation>
    </message>
    <message>
        <source>Show the images of one collection</source>
        <translation>1 つのコレクションの画像を表示</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>すべての期間</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>過去 7 日間</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>過去 30 日間</translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation>過去 12 か月</translation>
    </message>
    <message>
        <source>Date range…</source>
        <translation>期間を指定…</translation>
    </message>
    <message>
        <source>Filter by date</source>
        <translation>日付で絞り込む</translation>
    </message>
    <message>
        <source>From date</source>
        <translation>開始日</translation>
    </message>
    <message>
        <source>First day shown</source>
        <translation>表示する最初の日</translation>
    </message>
    <message>
        <source>To date</source>
        <translation>終了日</translation>
    </message>
    <message>
        <source>Last day shown</source>
        <translation>表示する最後の日</translation>
    </message>
    <message>
        <source>&amp;Favourites</source>
        <translation>お気に入り(&amp;F)</translation>
    </message>
    <message>
        <source>Show favourites only</source>
        <translation>お気に入りのみ表示</translation>
    </message>
    <message>
        <source>Number of images shown</source>
        <translation>表示中の画像の数</translation>
    </message>
    <message>
        <source>Gallery</source>
        <translation>ギャラリー</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>ドラフト</translation>
    </message>
</context>
<context>
    <name>ripen::ui::LibraryModel</name>
    <message>
        <source>%1 of #%2</source>
        <translation>#%2 の %1</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>プロンプト</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>シード</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>モード</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>ステップ</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>評価</translation>
    </message>
    <message>
        <source>Lineage</source>
        <translation>系譜</translation>
    </message>
</context>
<context>
    <name>ripen::ui::MainWindow</name>
    <message>
        <source>Generation failed: %1</source>
        <translation>生成に失敗しました: %1</translation>
    </message>
    <message>
        <source>This model cannot be used: %1</source>
        <translation>このモデルは使用できません: %1</translation>
    </message>
    <message>
        <source>Image #%1</source>
        <translation>画像 #%1</translation>
    </message>
    <message>
        <source>Some presets were not loaded: %1</source>
        <translation>読み込めなかったプリセットがあります: %1</translation>
    </message>
    <message>
        <source>The library could not be opened: %1</source>
        <translation>ライブラリを開けませんでした: %1</translation>
    </message>
    <message>
        <source>Select two images, or a promoted image, to compare.</source>
        <translation>比較するには 2 枚の画像か、昇格した画像を選んでください。</translation>
    </message>
    <message>
        <source>About Ripen</source>
        <translation>Ripen について</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Ripen %1&lt;/h3&gt;&lt;p&gt;Explore fast, pick, promote, compare, export.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Ripen %1&lt;/h3&gt;&lt;p&gt;素早く探索し、選び、昇格し、比較し、エクスポートする。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Ripen</source>
        <translation>Ripen</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>プレビュー</translation>
    </message>
    <message>
        <source>Variations</source>
        <translation>バリエーション</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比較</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>プロンプト</translation>
    </message>
    <message>
        <source>Gallery</source>
        <translation>ギャラリー</translation>
    </message>
    <message>
        <source>Seed library</source>
        <translation>シードライブラリ</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>編集(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Image</source>
        <translation>画像(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Rating</source>
        <translation>評価(&amp;R)</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>メインツールバー</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>E&amp;xplore variations</source>
        <translation>バリエーションを探索(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>キャンセル(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Promote</source>
        <translation>昇格(&amp;P)</translation>
    </message>
    <message>
        <source>Promote by &amp;re-rendering</source>
        <translation>再レンダリングで昇格(&amp;R)</translation>
    </message>
    <message>
        <source>Po&amp;lish</source>
        <translation>仕上げ(&amp;L)</translation>
    </message>
    <message>
        <source>Co&amp;mpare</source>
        <translation>比較(&amp;M)</translation>
    </message>
    <message>
        <source>Re&amp;use settings</source>
        <translation>設定を再利用(&amp;U)</translation>
    </message>
    <message>
        <source>Copy &amp;seed</source>
        <translation>シードをコピー(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Copy image</source>
        <translation>画像をコピー(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>エクスポート(&amp;E)…</translation>
    </message>
    <message>
        <source>Show in &amp;folder</source>
        <translation>フォルダーで表示(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>削除(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Favourite</source>
        <translation>お気に入り(&amp;F)</translation>
    </message>
    <message>
        <source>Edit &amp;tags…</source>
        <translation>タグを編集(&amp;T)…</translation>
    </message>
    <message>
        <source>Add to co&amp;llection…</source>
        <translation>コレクションに追加(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>モデル(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>設定(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>Go to &amp;prompt</source>
        <translation>プロンプトへ移動(&amp;P)</translation>
    </message>
    <message>
        <source>Go to &amp;gallery</source>
        <translation>ギャラリーへ移動(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Search the gallery</source>
        <translation>ギャラリーを検索(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;About Ripen</source>
        <translation>Ripen について(&amp;A)</translation>
    </message>
    <message>
        <source>Promote the draft to quality, keeping its composition (Ctrl+P)</source>
        <translation>構図を保ったまま下書きを高品質に昇格 (Ctrl+P)</translation>
    </message>
    <message>
        <source>Re-noise the image a little and finish it in quality mode (Ctrl+Shift+P)</source>
        <translation>画像に少しノイズを加えて高品質モードで仕上げる (Ctrl+Shift+P)</translation>
    </message>
    <message>
        <source>Compare two images, or a promoted image with its parent (Ctrl+K)</source>
        <translation>2 枚の画像、または昇格した画像と元画像を比較 (Ctrl+K)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>元に戻す(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>やり直す(&amp;R)</translation>
    </message>
    <message>
        <source>No rating</source>
        <translation>評価なし</translation>
    </message>
    <message>
        <source>Device: %1 (%2)</source>
        <translation>デバイス: %1 (%2)</translation>
    </message>
    <message>
        <source>Memory: %1 MiB · GPU: %2 MiB</source>
        <translation>メモリ: %1 MiB · GPU: %2 MiB</translation>
    </message>
    <message>
        <source>Memory: %1 MiB</source>
        <translation>メモリ: %1 MiB</translation>
    </message>
    <message>
        <source>Memory in use by Ripen (resident set) and, on CUDA, held by the engine on the GPU</source>
        <translation>Ripen が使用中のメモリ（常駐セット）と、CUDA ではエンジンが GPU 上に確保しているメモリ</translation>
    </message>
    <message>
        <source>Queue: %1</source>
        <translation>キュー: %1</translation>
    </message>
    <message>
        <source>No model: choose a model folder first.</source>
        <translation>モデルがありません。先にモデルフォルダーを選んでください。</translation>
    </message>
    <message>
        <source>Select an image to promote.</source>
        <translation>昇格する画像を選んでください。</translation>
    </message>
    <message numerus="yes">
        <source>Promoting %n image(s)…</source>
        <translation>
            <numerusform>%n 枚の画像を昇格中…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n image(s) to %1</source>
        <translation>
            <numerusform>%n 枚の画像を %1 にエクスポートしました</numerusform>
        </translation>
    </message>
    <message>
        <source>Export</source>
        <translation>エクスポート</translation>
    </message>
    <message>
        <source>Some images were not exported:
%1</source>
        <translation>一部の画像はエクスポートされませんでした:
%1</translation>
    </message>
    <message>
        <source>Choose a model folder</source>
        <translation>モデルフォルダーを選択</translation>
    </message>
    <message>
        <source>No model found</source>
        <translation>モデルが見つかりません</translation>
    </message>
    <message>
        <source>%1 holds no diffusers model folder (with model_index.json) and no .safetensors checkpoint.</source>
        <translation>%1 には diffusers モデルフォルダー (model_index.json あり) も .safetensors チェックポイントもありません。</translation>
    </message>
    <message>
        <source>Settings of #%1 loaded.</source>
        <translation>#%1 の設定を読み込みました。</translation>
    </message>
    <message numerus="yes">
        <source>Deleted %n image(s). Undo with Ctrl+Z.</source>
        <translation>
            <numerusform>%n 枚の画像を削除しました。Ctrl+Z で元に戻せます。</numerusform>
        </translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>タグ</translation>
    </message>
    <message numerus="yes">
        <source>Tags of %n image(s), separated by commas:</source>
        <translation>
            <numerusform>%n 枚の画像のタグ（カンマ区切り）:</numerusform>
        </translation>
    </message>
    <message>
        <source>Tags not changed: %1</source>
        <translation>タグは変更されませんでした: %1</translation>
    </message>
    <message>
        <source>Add to collection</source>
        <translation>コレクションに追加</translation>
    </message>
    <message>
        <source>Collection (a new name makes a new one):</source>
        <translation>コレクション（新しい名前で新規作成）:</translation>
    </message>
    <message numerus="yes">
        <source>Added %n image(s) to %1.</source>
        <translation>
            <numerusform>%n 枚の画像を %1 に追加しました。</numerusform>
        </translation>
    </message>
    <message>
        <source>Not added: %1</source>
        <translation>追加されませんでした: %1</translation>
    </message>
    <message>
        <source>result #%1</source>
        <translation>結果 #%1</translation>
    </message>
    <message>
        <source>Select the drafts to render on the farm.</source>
        <translation>ファームでレンダリングする下書きを選んでください。</translation>
    </message>
    <message>
        <source>Export farm plan</source>
        <translation>ファーム用プランを書き出す</translation>
    </message>
    <message>
        <source>Ripen plans (*.json)</source>
        <translation>Ripen プラン (*.json)</translation>
    </message>
    <message numerus="yes">
        <source>Wrote a farm plan of %n quality re-render(s) to %1</source>
        <translation><numerusform>%n 件の高品質再レンダリングのファーム用プランを %1 に書き出しました</numerusform></translation>
    </message>
    <message>
        <source>Start image</source>
        <translation>開始画像</translation>
    </message>
    <message>
        <source>Networks</source>
        <translation>ネットワーク</translation>
    </message>
    <message>
        <source>Use as &amp;start image</source>
        <translation>開始画像として使う(&amp;S)</translation>
    </message>
    <message>
        <source>Export farm &amp;plan…</source>
        <translation>ファーム用プランを書き出す(&amp;P)…</translation>
    </message>
    <message>
        <source>The start image could not be used: %1</source>
        <translation>開始画像を使えませんでした: %1</translation>
    </message>
</context>
<context>
    <name>ripen::ui::PreviewView</name>
    <message>
        <source>&lt;h3&gt;No model is installed yet&lt;/h3&gt;&lt;p&gt;The embedded default model is not installed on this computer. Choose a model folder: a folder that holds Stable Diffusion models (diffusers folders or .safetensors checkpoints), or pick a model in the prompt panel.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;モデルがまだインストールされていません&lt;/h3&gt;&lt;p&gt;内蔵の既定モデルはこのコンピューターにインストールされていません。モデルフォルダー (model folder) を選んでください: Stable Diffusion モデル (diffusers フォルダーまたは .safetensors チェックポイント) を含むフォルダーです。またはプロンプトパネルでモデルを選んでください。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Choose a model folder…</source>
        <translation>モデルフォルダーを選択…</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>プレビュー</translation>
    </message>
    <message>
        <source>Choose a model folder</source>
        <translation>モデルフォルダーを選択</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>開始中…</translation>
    </message>
    <message>
        <source>Decoding… %1 steps used</source>
        <translation>デコード中… %1 ステップ使用</translation>
    </message>
    <message>
        <source>ETA %1 s</source>
        <translation>残り %1 秒</translation>
    </message>
    <message>
        <source>Step %1 / %2 · σ %3 · %4 s · %5</source>
        <translation>ステップ %1 / %2 · σ %3 · %4 秒 · %5</translation>
    </message>
    <message>
        <source>Done: %1 of %2 steps planned, %3 UNet evaluations, %4 s</source>
        <translation>完了: 予定 %2 ステップ中 %1、UNet 評価 %3 回、%4 秒</translation>
    </message>
    <message>
        <source>Stop reason: %1</source>
        <translation>停止理由: %1</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>キャンセルしました</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗しました</translation>
    </message>
</context>
<context>
    <name>ripen::ui::PromptPanel</name>
    <message>
        <source>&amp;Prompt</source>
        <translation>プロンプト(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Negative prompt</source>
        <translation>ネガティブプロンプト(&amp;N)</translation>
    </message>
    <message>
        <source>Describe the image: (word:1.3) weights, [word] lowers, BREAK starts a new chunk</source>
        <translation>画像を説明してください: (語:1.3) で重み付け、[語] で弱め、BREAK で新しいチャンク</translation>
    </message>
    <message>
        <source>What to avoid</source>
        <translation>避けたいもの</translation>
    </message>
    <message>
        <source>S&amp;eed</source>
        <translation>シード(&amp;E)</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>ランダム</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>+1 each run</source>
        <translation>実行ごとに +1</translation>
    </message>
    <message>
        <source>New random seed</source>
        <translation>新しいランダムシード</translation>
    </message>
    <message>
        <source>Si&amp;ze</source>
        <translation>サイズ(&amp;Z)</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>カスタム</translation>
    </message>
    <message>
        <source>&amp;Mode</source>
        <translation>モード(&amp;M)</translation>
    </message>
    <message>
        <source>Fast (adaptive)</source>
        <translation>高速 (適応)</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>高品質</translation>
    </message>
    <message>
        <source>Lightning</source>
        <translation>ライトニング</translation>
    </message>
    <message>
        <source>M&amp;odel</source>
        <translation>モデル(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;UNet</source>
        <translation>&amp;UNet</translation>
    </message>
    <message>
        <source>&amp;VAE</source>
        <translation>&amp;VAE</translation>
    </message>
    <message>
        <source>The model's own</source>
        <translation>モデル内蔵</translation>
    </message>
    <message>
        <source>A UNet-only file used with the model's text encoders and VAE</source>
        <translation>モデルのテキストエンコーダーと VAE と組み合わせて使う UNet 単体ファイル</translation>
    </message>
    <message>
        <source>A VAE file used instead of the model's</source>
        <translation>モデル内蔵の代わりに使う VAE ファイル</translation>
    </message>
    <message>
        <source>Add a model folder…</source>
        <translation>モデルフォルダーを追加…</translation>
    </message>
    <message>
        <source>Custom sampler settings</source>
        <translation>カスタムサンプラー設定</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>サンプラー</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>スケジュール</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>ステップ</translation>
    </message>
    <message>
        <source>CFG scale</source>
        <translation>CFG スケール</translation>
    </message>
    <message>
        <source>Eta</source>
        <translation>Eta</translation>
    </message>
    <message>
        <source>S noise</source>
        <translation>S ノイズ</translation>
    </message>
    <message>
        <source>CLIP skip</source>
        <translation>CLIP スキップ</translation>
    </message>
    <message>
        <source>Noise source</source>
        <translation>ノイズ源</translation>
    </message>
    <message>
        <source>2× hires pass</source>
        <translation>2倍リファイン パス</translation>
    </message>
    <message>
        <source>After the first pass, upscale 2×, re-noise and finish with 20 more steps (hires fix)</source>
        <translation>最初のパスの後、2倍に拡大し、ノイズを加え直して、さらに20ステップで仕上げます（Hires fix）</translation>
    </message>
    <message>
        <source>Image (Lanczos)</source>
        <translation>画像（Lanczos）</translation>
    </message>
    <message>
        <source>Latent (needs strength ≥ 0.5)</source>
        <translation>潜在空間（強度 0.5 以上が必要）</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>強度</translation>
    </message>
    <message>
        <source>Upscale</source>
        <translation>拡大方法</translation>
    </message>
    <message>
        <source>&amp;Variations</source>
        <translation>バリエーション数(&amp;V)</translation>
    </message>
    <message>
        <source>E&amp;xplore variations</source>
        <translation>バリエーションを探索(&amp;X)</translation>
    </message>
    <message>
        <source>Generate N seeds in fast mode into the variations grid (Ctrl+Shift+Return)</source>
        <translation>高速モードで N 個のシードをバリエーショングリッドに生成 (Ctrl+Shift+Return)</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>Generate (Ctrl+Return)</source>
        <translation>生成 (Ctrl+Return)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>キャンセル(&amp;C)</translation>
    </message>
    <message>
        <source>Cancel the running generation (Esc)</source>
        <translation>実行中の生成をキャンセル (Esc)</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>プロンプト</translation>
    </message>
    <message>
        <source>UNet file</source>
        <translation>UNet ファイル</translation>
    </message>
    <message>
        <source>VAE file</source>
        <translation>VAE ファイル</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>ネガティブプロンプト</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>シード</translation>
    </message>
    <message>
        <source>Seed mode</source>
        <translation>シードモード</translation>
    </message>
    <message>
        <source>Size preset</source>
        <translation>サイズプリセット</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>幅</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>高さ</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>モード</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>モデル</translation>
    </message>
    <message>
        <source>Add a model folder</source>
        <translation>モデルフォルダーを追加</translation>
    </message>
    <message>
        <source>Number of variations</source>
        <translation>バリエーションの数</translation>
    </message>
    <message>
        <source>Explore variations</source>
        <translation>バリエーションを探索</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Embedded default model</source>
        <translation>内蔵の既定モデル</translation>
    </message>
    <message>
        <source>This model looks like %1: &lt;a href="%2"&gt;use its preset&lt;/a&gt;</source>
        <translation>このモデルは %1 のようです: &lt;a href="%2"&gt;そのプリセットを使う&lt;/a&gt;</translation>
    </message>
    <message>
        <source>Not installed yet</source>
        <translation>未インストール</translation>
    </message>
    <message>
        <source>LoRA networks</source>
        <translation>LoRA ネットワーク</translation>
    </message>
    <message>
        <source>edit</source>
        <translation>編集</translation>
    </message>
    <message>
        <source>remove</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>ドラフト</translation>
    </message>
    <message>
        <source>The model&apos;s distilled student: a draft in 2-4 steps, one network call each; promote it to render the same seed in quality mode</source>
        <translation>モデルの蒸留済みスチューデント：2〜4ステップ（各1回のネットワーク呼び出し）で下書きを作成し、昇格すると同じシードを品質モードで描画します</translation>
    </message>
    <message>
        <source>Unavailable: the model&apos;s student cannot be used: %1</source>
        <translation>利用できません：このモデルのスチューデントは使えません：%1</translation>
    </message>
    <message>
        <source>Unavailable: this model has no distilled student (student/student.json beside it); make one with ripen-cli train distill</source>
        <translation>利用できません：このモデルには蒸留済みスチューデント（隣の student/student.json）がありません。ripen-cli train distill で作成してください</translation>
    </message>
</context>
<context>
    <name>ripen::ui::SeedLibraryPanel</name>
    <message>
        <source>Seed library</source>
        <translation>シードライブラリ</translation>
    </message>
</context>
<context>
    <name>ripen::ui::SettingsDialog</name>
    <message>
        <source>Model folder</source>
        <translation>モデルフォルダー</translation>
    </message>
    <message>
        <source>AUTOMATIC1111 or ComfyUI folder</source>
        <translation>AUTOMATIC1111 または ComfyUI のフォルダー</translation>
    </message>
    <message>
        <source>extra_model_paths.yaml</source>
        <translation>extra_model_paths.yaml</translation>
    </message>
    <message>
        <source>YAML files (*.yaml *.yml)</source>
        <translation>YAML ファイル (*.yaml *.yml)</translation>
    </message>
    <message>
        <source>Library folder</source>
        <translation>ライブラリフォルダー</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>&amp;Model folders</source>
        <translation>モデルフォルダー(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>追加(&amp;A)…</translation>
    </message>
    <message>
        <source>A1111 / &amp;ComfyUI install folders</source>
        <translation>A1111 / &amp;ComfyUI のインストールフォルダー</translation>
    </message>
    <message>
        <source>Add &amp;install…</source>
        <translation>インストールを追加(&amp;I)…</translation>
    </message>
    <message>
        <source>Remo&amp;ve</source>
        <translation>削除(&amp;V)</translation>
    </message>
    <message>
        <source>e&amp;xtra_model_paths.yaml</source>
        <translation>e&amp;xtra_model_paths.yaml</translation>
    </message>
    <message>
        <source>Previe&amp;w decoder</source>
        <translation>プレビューデコーダー(&amp;W)</translation>
    </message>
    <message>
        <source>Automatic (TAESD beside the model)</source>
        <translation>自動 (モデルの横の TAESD)</translation>
    </message>
    <message>
        <source>ComfyUI's extra_model_paths.yaml (optional)</source>
        <translation>ComfyUI の extra_model_paths.yaml (任意)</translation>
    </message>
    <message>
        <source>AUTOMATIC1111 or ComfyUI install folders</source>
        <translation>AUTOMATIC1111 または ComfyUI のインストールフォルダー</translation>
    </message>
    <message>
        <source>Add an AUTOMATIC1111 or ComfyUI install folder</source>
        <translation>AUTOMATIC1111 または ComfyUI のインストールフォルダーを追加</translation>
    </message>
    <message>
        <source>Remove the selected install folder</source>
        <translation>選択したインストールフォルダーを削除</translation>
    </message>
    <message>
        <source>ComfyUI extra_model_paths.yaml</source>
        <translation>ComfyUI の extra_model_paths.yaml</translation>
    </message>
    <message>
        <source>Choose the extra_model_paths.yaml file</source>
        <translation>extra_model_paths.yaml ファイルを選択</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>削除(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Device</source>
        <translation>デバイス(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Precision</source>
        <translation>精度(&amp;P)</translation>
    </message>
    <message>
        <source>bf16 is about twice as fast on recent CPUs; fp16 needs CUDA</source>
        <translation>bf16 は最近の CPU で約 2 倍高速です。fp16 には CUDA が必要です</translation>
    </message>
    <message>
        <source>&amp;Threads</source>
        <translation>スレッド数(&amp;T)</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自動</translation>
    </message>
    <message>
        <source>&amp;Library folder</source>
        <translation>ライブラリフォルダー(&amp;L)</translation>
    </message>
    <message>
        <source>T&amp;heme</source>
        <translation>テーマ(&amp;H)</translation>
    </message>
    <message>
        <source>Follow system</source>
        <translation>システムに従う</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>ダーク</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>ライト</translation>
    </message>
    <message>
        <source>L&amp;anguage</source>
        <translation>言語(&amp;A)</translation>
    </message>
    <message>
        <source>Model folders</source>
        <translation>モデルフォルダー</translation>
    </message>
    <message>
        <source>Add a model folder</source>
        <translation>モデルフォルダーを追加</translation>
    </message>
    <message>
        <source>Remove the selected model folder</source>
        <translation>選択したモデルフォルダーを削除</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>デバイス</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>スレッド数</translation>
    </message>
    <message>
        <source>Choose the library folder</source>
        <translation>ライブラリフォルダーを選択</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>テーマ</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>言語</translation>
    </message>
</context>
<context>
    <name>ripen::ui::StudioController</name>
    <message numerus="yes">
        <source>Delete %n image(s)</source>
        <translation>
            <numerusform>%n 枚の画像を削除</numerusform>
        </translation>
    </message>
    <message>
        <source>One of the images is no longer in the library.</source>
        <translation>画像の 1 枚がライブラリにもうありません。</translation>
    </message>
    <message>
        <source>An image file could not be read.</source>
        <translation>画像ファイルを読み込めませんでした。</translation>
    </message>
    <message>
        <source>#%1: not in the library</source>
        <translation>#%1: ライブラリにありません</translation>
    </message>
</context>
<context>
    <name>ripen::ui::VariationsGrid</name>
    <message>
        <source>Variations</source>
        <translation>バリエーション</translation>
    </message>
    <message>
        <source>seed %1 …</source>
        <translation>シード %1 …</translation>
    </message>
    <message>
        <source>seed %1 · %2 steps</source>
        <translation>シード %1 · %2 ステップ</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>ripen::ui::ActiveNetworks</name>
    <message>
        <source>No LoRA. Add one from the Networks panel, or write &lt;lora:name:weight&gt; in the prompt.</source>
        <translation>LoRA なし。ネットワークパネルから追加するか、プロンプトに &lt;lora:name:weight&gt; と書いてください。</translation>
    </message>
    <message>
        <source>Weight of %1</source>
        <translation>%1 の重み</translation>
    </message>
    <message>
        <source>text %1</source>
        <translation>テキスト %1</translation>
    </message>
    <message>
        <source>Text-encoder multiplier; moving the weight sets both</source>
        <translation>テキストエンコーダーの倍率。重みを動かすと両方が変わります</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>%1 を削除</translation>
    </message>
</context>
<context>
    <name>ripen::ui::ImageInputPanel</name>
    <message>
        <source>Start image</source>
        <translation>開始画像</translation>
    </message>
    <message>
        <source>Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</source>
        <translation>画像 (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>%1 is not a picture Ripen can open: %2</source>
        <translation>%1 は Ripen で開ける画像ではありません: %2</translation>
    </message>
    <message>
        <source>result #%1</source>
        <translation>結果 #%1</translation>
    </message>
    <message>
        <source>outpaint %1 (+%2 px), strength %3</source>
        <translation>%1 をアウトペイント (+%2 px)、強度 %3</translation>
    </message>
    <message>
        <source>inpaint %1, strength %2</source>
        <translation>%1 をインペイント、強度 %2</translation>
    </message>
    <message>
        <source>img2img from %1, strength %2</source>
        <translation>%1 から img2img、強度 %2</translation>
    </message>
    <message>
        <source>No start image: the run starts from noise</source>
        <translation>開始画像なし: ノイズから生成します</translation>
    </message>
    <message>
        <source>dropped picture</source>
        <translation>ドロップされた画像</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>開く(&amp;O)…</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>クリア</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>ブラシ</translation>
    </message>
    <message>
        <source>Paint the area to repaint (B)</source>
        <translation>描き直す範囲を塗る (B)</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>消しゴム</translation>
    </message>
    <message>
        <source>Take area out of the mask (E)</source>
        <translation>マスクから範囲を除く (E)</translation>
    </message>
    <message>
        <source>Extend</source>
        <translation>拡張</translation>
    </message>
    <message>
        <source>Drag an edge outwards to extend the canvas (O)</source>
        <translation>辺を外側へドラッグしてキャンバスを広げる (O)</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>反転</translation>
    </message>
    <message>
        <source>Clear mask</source>
        <translation>マスクをクリア</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>Undo the last stroke (Ctrl+Z on the canvas)</source>
        <translation>最後のストロークを元に戻す (キャンバス上で Ctrl+Z)</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>サイズ</translation>
    </message>
    <message>
        <source>Hardness</source>
        <translation>硬さ</translation>
    </message>
    <message>
        <source>Denoising strength</source>
        <translation>ノイズ除去強度</translation>
    </message>
    <message>
        <source>How far the picture is re-noised: 1 repaints from noise, 0.3 keeps most of it</source>
        <translation>画像にどれだけノイズを戻すか: 1 はノイズから描き直し、0.3 はほぼ保持</translation>
    </message>
    <message>
        <source>Mask blur</source>
        <translation>マスクのぼかし</translation>
    </message>
    <message>
        <source>Inpaint area</source>
        <translation>インペイント範囲</translation>
    </message>
    <message>
        <source>Whole picture</source>
        <translation>画像全体</translation>
    </message>
    <message>
        <source>Only masked</source>
        <translation>マスク部分のみ</translation>
    </message>
    <message>
        <source>Only masked: pixels of context around the mask's box</source>
        <translation>マスク部分のみ: マスクの矩形の周りに含める画素数</translation>
    </message>
    <message>
        <source>Masked content</source>
        <translation>マスク部分の内容</translation>
    </message>
    <message>
        <source>fill</source>
        <translation>塗りつぶし</translation>
    </message>
    <message>
        <source>original</source>
        <translation>元画像</translation>
    </message>
    <message>
        <source>latent noise</source>
        <translation>潜在ノイズ</translation>
    </message>
    <message>
        <source>latent nothing</source>
        <translation>潜在ゼロ</translation>
    </message>
    <message>
        <source>Extend (L, R, T, B)</source>
        <translation>拡張 (左, 右, 上, 下)</translation>
    </message>
    <message>
        <source>edge colours</source>
        <translation>端の色</translation>
    </message>
    <message>
        <source>noise</source>
        <translation>ノイズ</translation>
    </message>
    <message>
        <source>What fills the new area before it is painted</source>
        <translation>描く前に新しい範囲を埋めるもの</translation>
    </message>
    <message>
        <source>Brush size</source>
        <translation>ブラシのサイズ</translation>
    </message>
    <message>
        <source>Brush hardness</source>
        <translation>ブラシの硬さ</translation>
    </message>
    <message>
        <source>Masked area padding</source>
        <translation>マスク範囲の余白</translation>
    </message>
    <message>
        <source>Outpaint fill</source>
        <translation>アウトペイントの塗り</translation>
    </message>
    <message>
        <source>Extend left</source>
        <translation>左に拡張</translation>
    </message>
    <message>
        <source>Extend right</source>
        <translation>右に拡張</translation>
    </message>
    <message>
        <source>Extend top</source>
        <translation>上に拡張</translation>
    </message>
    <message>
        <source>Extend bottom</source>
        <translation>下に拡張</translation>
    </message>
    <message>
        <source>Start image and mask</source>
        <translation>開始画像とマスク</translation>
    </message>
</context>
<context>
    <name>ripen::ui::MaskCanvas</name>
    <message>
        <source>Open or drop a picture to start from</source>
        <translation>開始する画像を開くか、ここにドロップしてください</translation>
    </message>
</context>
<context>
    <name>ripen::ui::NetworksPanel</name>
    <message numerus="yes">
        <source>%n file(s)</source>
        <translation><numerusform>%n 個のファイル</numerusform></translation>
    </message>
    <message>
        <source>No LoRA found. Ripen looks in the models/Lora, models/LyCORIS and models/loras folders of the AUTOMATIC1111 or ComfyUI installs set in Settings, and in extra_model_paths.yaml.</source>
        <translation>LoRA が見つかりません。Ripen は設定で指定した AUTOMATIC1111 / ComfyUI の models/Lora、models/LyCORIS、models/loras フォルダーと extra_model_paths.yaml を探します。</translation>
    </message>
    <message>
        <source>No embedding found. Ripen looks in the embeddings and models/embeddings folders of the installs set in Settings, and in extra_model_paths.yaml.</source>
        <translation>埋め込みが見つかりません。Ripen は設定で指定したインストールの embeddings、models/embeddings フォルダーと extra_model_paths.yaml を探します。</translation>
    </message>
    <message>
        <source>Add to the run</source>
        <translation>生成に追加</translation>
    </message>
    <message>
        <source>Add to prompt</source>
        <translation>プロンプトに追加</translation>
    </message>
    <message>
        <source>no preview</source>
        <translation>プレビューなし</translation>
    </message>
    <message numerus="yes">
        <source>%n vector(s) in the prompt</source>
        <translation><numerusform>プロンプト内の %n 個のベクトル</numerusform></translation>
    </message>
    <message>
        <source>Base model: not stated</source>
        <translation>ベースモデル: 記載なし</translation>
    </message>
    <message>
        <source>Base model: %1</source>
        <translation>ベースモデル: %1</translation>
    </message>
    <message>
        <source>made for %1, the current model is %2</source>
        <translation>%1 用です。現在のモデルは %2 です</translation>
    </message>
    <message>
        <source>LoRA</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>埋め込み</translation>
    </message>
    <message>
        <source>Search names, folders and trigger words</source>
        <translation>名前・フォルダー・トリガーワードを検索</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>再スキャン</translation>
    </message>
    <message>
        <source>Trigger words (click to add to the prompt):</source>
        <translation>トリガーワード (クリックでプロンプトに追加):</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>重み</translation>
    </message>
    <message>
        <source>Add to negative</source>
        <translation>ネガティブに追加</translation>
    </message>
    <message>
        <source>Networks found</source>
        <translation>見つかったネットワーク</translation>
    </message>
    <message>
        <source>Kind of network</source>
        <translation>ネットワークの種類</translation>
    </message>
    <message>
        <source>Search networks</source>
        <translation>ネットワークを検索</translation>
    </message>
    <message>
        <source>Weight of the network to add</source>
        <translation>追加するネットワークの重み</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>could not encode the start image as PNG</source>
        <translation>開始画像を PNG にエンコードできませんでした</translation>
    </message>
    <message>
        <source>could not write %1: %2</source>
        <translation>%1 を書き込めませんでした: %2</translation>
    </message>
    <message>
        <source>could not create the folder %1 for start images</source>
        <translation>開始画像用のフォルダー %1 を作成できませんでした</translation>
    </message>
    <message>
        <source>could not read %1: %2</source>
        <translation>%1 を読み込めませんでした: %2</translation>
    </message>
</context>
</TS>
