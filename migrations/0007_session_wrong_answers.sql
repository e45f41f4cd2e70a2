-- Issue 9, finding 7 (from the review of the fix): wrong codes and current passwords sent
-- through a live session count toward the account's lock as before, and the session ends at
-- its own fifth wrong answer in a row, so a stranger's failed sign-ins cannot make the owner's
-- first typo end the owner's session.
ALTER TABLE sessions ADD COLUMN wrong_answers INTEGER NOT NULL DEFAULT 0;
