-- Performance at scale (issue 4). Derived data kept exact on every write.

-- A task is a leaf when no task names it as parent. Figures count leaf tasks
-- only; testing that per task (NOT EXISTS over children) for every task of a
-- 5,000-branch group cost seconds. Set to 0 when a child is added (tasks are
-- never deleted or re-parented).
ALTER TABLE tasks ADD COLUMN leaf BIGINT NOT NULL DEFAULT 1;
UPDATE tasks SET leaf = 0 WHERE EXISTS (SELECT 1 FROM tasks c WHERE c.tenant_id = tasks.tenant_id AND c.parent_id = tasks.id);

-- The figures read each org's leaf tasks by due date and need only these
-- columns: a covering index lets them read the index alone, one range per org.
CREATE INDEX tasks_org_leaf ON tasks (tenant_id, org_id, leaf, due_on, status, closed_on, element_id, list_id);

-- Child orgs' people counts include the people of a cell (people.cell_id):
-- without an index that was a scan of every person on each org page.
CREATE INDEX people_cell ON people (tenant_id, cell_id);

-- An org's history lists events naming it as the org, the old or new parent
-- or the org merged into: with only the org_id index, the OR scanned every
-- event (2.7 ms of a 3.5 ms branch page at 11,000 orgs).
CREATE INDEX org_events_new_parent ON org_events (tenant_id, new_parent_id);
CREATE INDEX org_events_old_parent ON org_events (tenant_id, old_parent_id);
CREATE INDEX org_events_merged_into ON org_events (tenant_id, merged_into_id);

-- Activities figures sum each org's held activities in a period by kind:
-- covering that, one index range per org of the subtree, no table rows (the
-- hand-written ceiling over the group root's 226,000 activities a year at M
-- took 1.2 s reading table rows).
CREATE INDEX activities_org_figures ON activities (tenant_id, org_id, status, held_on, kind, expected, present);
