-- Near-expiry alerts: when the periodic job announced (stock.expiring) that a lot holding
-- stock expires soon. Set once, in the transaction of the event, so each lot is announced once
-- however often and in however many processes the job runs.
-- Citus (docs/architecture.md): lots is a reference table (0010); so is this column's index.

alter table lots add column expiry_alerted_at timestamptz;

-- The job's scan: lots not announced yet, first to expire first. Announced lots leave the index.
create index lots_expiry_unalerted_idx on lots (expires_on, id) where expiry_alerted_at is null;
