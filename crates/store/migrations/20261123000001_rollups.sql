-- Roll-ups (issue 4): sums per ancestor org, kept exact on every write by
-- crates/store/src/rollups.rs, so that a group root's figures read a few
-- thousand rows instead of every record of a 5,000-branch subtree.

-- Activities per ancestor, day, kind and status: count, expected, present.
CREATE TABLE activity_rollups (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    expected BIGINT NOT NULL,
    present BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, day, kind, status)
);

-- Live recordings per ancestor and day (the day of their activity, else the
-- day they were recorded or uploaded): count and bytes.
CREATE TABLE recording_rollups (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    n BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, day)
);

-- Leaf tasks (not cancelled, with a due date) per ancestor, due day and due
-- month (grain 'd': due is YYYY-MM-DD; grain 'm': YYYY-MM), work-system
-- element (0: none), list and state: open, closed on time, or closed late.
-- Overdue is "open and due before today", read at query time. A year's
-- figures at a group root read whole months from the 'm' rows (tasks of
-- one element due the same month collapse) and only the ragged ends and
-- the current month from the 'd' rows.
CREATE TABLE task_rollups (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    grain TEXT NOT NULL,
    due TEXT NOT NULL,
    element_id BIGINT NOT NULL,
    list_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, grain, due, element_id, list_id, state)
);

-- Study items (suggestions, case studies, bulletins) per ancestor, day and kind.
CREATE TABLE study_item_rollups (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, day, kind)
);

-- How many orgs of the subtree, of an org kind, held `held` activities of a
-- kind in a month, quarter or year: a requirement "N times per period" is
-- met by the orgs counted under held >= N.
CREATE TABLE compliance_rollups (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    period_start TEXT NOT NULL,
    org_kind TEXT NOT NULL,
    held BIGINT NOT NULL,
    orgs BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, kind, period, period_start, org_kind, held)
);

-- Derived tables to fill from the base tables when the database is next
-- opened (the filling SQL lives once, in rollups.rs).
CREATE TABLE rollups_pending (name TEXT NOT NULL PRIMARY KEY);
INSERT INTO rollups_pending (name) VALUES ('all');
