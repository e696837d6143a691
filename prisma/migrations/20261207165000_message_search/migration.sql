-- Message search (see api/src/modules/search): three GIN indexes over the current text of live TEXT
-- messages, each answering one kind of term, and a btree for newest-first order and date bounds.
--   search_vector    words and English stems, accents ignored ("meetings" finds "meeting", "cafe" "Café")
--   search_text      trigrams: any part of a word of 3 characters or more, in any script ("3699" finds "PLT-3699")
--   search_grams(body) Chinese, Japanese and Korean bigrams and emoji, which trigrams cannot index ("東京")
-- unaccent, like pg_trgm, ships with PostgreSQL's contrib and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS "unaccent";

-- Text as search compares it: lower case, accents removed. Immutable, so it can be indexed; the
-- dictionary is named with its schema, since maintenance (ANALYZE, autovacuum) runs with an empty
-- search_path.
CREATE FUNCTION search_fold(body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT lower(public.unaccent('public.unaccent'::regdictionary, body))
$$;

-- A LIKE pattern that finds the term anywhere in a folded text (its own % _ \ taken literally).
CREATE FUNCTION search_pattern(term text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT '%' || replace(replace(replace(public.search_fold(term), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- Every two neighbouring characters of each run of Chinese, Japanese or Korean script, and every
-- emoji: what a search for "東京" or "🎉" looks up.
CREATE FUNCTION search_grams(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
    SELECT substr(run.text[1], position, 2) AS gram
    FROM regexp_matches(body, '[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]{2,}', 'g') AS run(text),
         generate_series(1, char_length(run.text[1]) - 1) AS position
    UNION ALL
    SELECT emoji.text[1] FROM regexp_matches(body, '[\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]', 'g') AS emoji(text)
  ) AS grams
$$;

-- English stems, accents ignored for words with letters beyond ASCII.
CREATE TEXT SEARCH CONFIGURATION chat_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION chat_search ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, english_stem;

-- Stored, so a newest-first walk checks a row's words and text without parsing or folding it again.
ALTER TABLE "messages" ADD COLUMN "search_vector" tsvector
  GENERATED ALWAYS AS (to_tsvector('public.chat_search'::regconfig, "body")) STORED,
  ADD COLUMN "search_text" text GENERATED ALWAYS AS (public.search_fold("body")) STORED;

CREATE INDEX "messages_search_vector_idx" ON "messages" USING GIN ("search_vector")
  WHERE "kind" = 'TEXT' AND "deleted_at" IS NULL;
CREATE INDEX "messages_search_trgm_idx" ON "messages" USING GIN ("search_text" gin_trgm_ops)
  WHERE "kind" = 'TEXT' AND "deleted_at" IS NULL;
CREATE INDEX "messages_search_grams_idx" ON "messages" USING GIN (search_grams("body"))
  WHERE "kind" = 'TEXT' AND "deleted_at" IS NULL;
CREATE INDEX "messages_search_order_idx" ON "messages" ("created_at", "id")
  WHERE "kind" = 'TEXT' AND "deleted_at" IS NULL;
