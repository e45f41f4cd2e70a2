-- Issue 13: what a person chose for how pages look to them. `time_zone`: the IANA zone they read
-- times in (such as Europe/Madrid); NULL reads them in the clinic's zone (`--time-zone`); times
-- stay stored in UTC. `theme`: 'light' or 'dark'; NULL follows the device's setting.
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN theme TEXT;
