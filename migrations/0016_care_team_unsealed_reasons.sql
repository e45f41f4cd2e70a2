-- The start-up and housekeeping pass that seals care-team reasons written in clear by an
-- earlier release looks only at rows with a reason (`sealed = 0 AND reason <> ''`). A
-- membership made by writing a record has no reason and stays `sealed = 0`, so 0013's partial
-- index grew with every such membership and the pass walked all of them every few minutes.
-- This index holds only the rows the pass can seal.
DROP INDEX care_team_unsealed;
CREATE INDEX care_team_unsealed_reasons ON care_team (id) WHERE sealed = 0 AND reason <> '';
