-- Which task lists reach into an org's subtree (issue 4, mixed reads). The
-- lists page of an org shows the lists issued in its subtree and the lists
-- carrying tasks assigned into it; the second half read every task of the
-- subtree (3,600 at an enterprise of scale M) and every list of the tenant.
-- Per ancestor (as org_closure pairs them) and list: how many of the list's
-- tasks are assigned to orgs of the ancestor's subtree. Kept by
-- `rollups::tasks_added` and refilled with the other roll-ups; filled at the
-- next start through rollups_pending.
CREATE TABLE list_rollups (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    list_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, list_id)
);
INSERT INTO rollups_pending (name) VALUES ('list_rollups') ON CONFLICT (name) DO NOTHING;
