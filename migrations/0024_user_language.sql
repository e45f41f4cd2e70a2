-- Issue 13: the language a person chose for pages ('en' or 'es', a BCP 47 tag); NULL follows
-- their browser's Accept-Language.
ALTER TABLE users ADD COLUMN language TEXT;
