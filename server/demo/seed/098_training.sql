-- Training: a table newcomers may write to, through an escalation step that needs an approval
-- (docs/getting-started/first-run.mdx, "Ask for an approval"). Empty at every seed.
CREATE SCHEMA training;
CREATE TABLE training.practice_log (
  note       VARCHAR NOT NULL,
  logged_for DATE NOT NULL,
  logged_at  TIMESTAMP NOT NULL
);
