#include "library/schema.h"

#include "tensors/error.h"

namespace ripen::library {
namespace {
// Never edit a shipped migration; append a new one.
const char* const kMigrations[] = {
    // 0 -> 1: generations, models, collections, full-text search.
    R"sql(
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL DEFAULT '',
  UNIQUE(name, hash)
);
CREATE TABLE generations(
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,            -- unix time, milliseconds
  prompt TEXT NOT NULL,
  negative_prompt TEXT NOT NULL,
  seed INTEGER NOT NULL,                  -- uint64 stored as its int64 bit pattern
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  mode TEXT NOT NULL,                     -- preset: fast | quality | lightning | custom
  sampler TEXT NOT NULL,
  schedule TEXT NOT NULL,
  steps INTEGER NOT NULL,
  cfg REAL NOT NULL,
  model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  model_hash TEXT NOT NULL DEFAULT '',
  parent_id INTEGER REFERENCES generations(id) ON DELETE SET NULL,
  promote TEXT NOT NULL DEFAULT 'none',   -- how this row was made from its parent
  steps_used INTEGER NOT NULL DEFAULT 0,
  unet_evals INTEGER NOT NULL DEFAULT 0,
  seconds_total REAL NOT NULL DEFAULT 0,
  stop_reason TEXT NOT NULL DEFAULT '',
  favourite INTEGER NOT NULL DEFAULT 0 CHECK(favourite IN (0, 1)),
  rating INTEGER NOT NULL DEFAULT 0 CHECK(rating BETWEEN 0 AND 5),
  batch_index INTEGER NOT NULL DEFAULT 0,
  image_path TEXT NOT NULL UNIQUE,        -- relative to the library folder
  source TEXT NOT NULL DEFAULT 'ripen',   -- ripen | a1111 | comfyui
  request_json TEXT NOT NULL,
  record_json TEXT NOT NULL
);
CREATE INDEX generations_by_time ON generations(created_at DESC, id DESC);
CREATE INDEX generations_by_model ON generations(model_id, created_at DESC, id DESC);
CREATE INDEX generations_by_mode ON generations(mode, created_at DESC, id DESC);
CREATE INDEX generations_favourites ON generations(favourite, created_at DESC, id DESC);
CREATE INDEX generations_by_seed ON generations(seed);
CREATE INDEX generations_by_parent ON generations(parent_id);
CREATE TABLE tags(
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY(generation_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags(tag);
CREATE TABLE collections(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE collection_items(
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(collection_id, generation_id)
) WITHOUT ROWID;
CREATE INDEX collection_items_by_generation ON collection_items(generation_id);
CREATE VIRTUAL TABLE generations_fts USING fts5(
  prompt, negative_prompt, content='generations', content_rowid='id', tokenize='unicode61', prefix='2 3 4'
);
CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
  INSERT INTO generations_fts(rowid, prompt, negative_prompt) VALUES (new.id, new.prompt, new.negative_prompt);
END;
CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
  INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
    VALUES ('delete', old.id, old.prompt, old.negative_prompt);
END;
CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt, negative_prompt ON generations BEGIN
  INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
    VALUES ('delete', old.id, old.prompt, old.negative_prompt);
  INSERT INTO generations_fts(rowid, prompt, negative_prompt) VALUES (new.id, new.prompt, new.negative_prompt);
END;
)sql",
    // 1 -> 2: content hash of imported files, so importing a folder twice adds nothing.
    R"sql(
ALTER TABLE generations ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX generations_by_content ON generations(content_hash) WHERE content_hash != '';
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);
}  // namespace

int schema_version(Db& db) {
  Stmt s(db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

void refuse_newer(int version, const std::string& where) {
  if (version > kSchemaVersion)
    throw Error(where + ": this library was written by a newer Ripen (schema version " + std::to_string(version) +
                ", this build understands up to " + std::to_string(kSchemaVersion) +
                "); it was left untouched — update Ripen to open it");
}

void migrate(Db& db, const std::string& where) {
  int v = schema_version(db);
  refuse_newer(v, where);
  if (v == kSchemaVersion) return;
  Transaction tx(db);
  v = schema_version(db);  // another process may have migrated while we waited for the write lock
  refuse_newer(v, where);
  for (; v < kSchemaVersion; ++v) db.exec(kMigrations[v]);
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  tx.commit();
}

}  // namespace ripen::library
