-- Performance at scale (issue 4). Derived data kept exact on every write.

-- A task is a leaf when no task names it as parent. Figures count leaf tasks
-- only; testing that per task (NOT EXISTS over children) for every task of a
-- 5,000-branch group cost seconds. Set to 0 when a child is added (tasks are
-- never deleted or re-parented).
ALTER TABLE tasks ADD COLUMN leaf BIGINT NOT NULL DEFAULT 1;
UPDATE tasks SET leaf = 0 WHERE EXISTS (SELECT 1 FROM tasks c WHERE c.tenant_id = tasks.tenant_id AND c.parent_id = tasks.id);

-- The figures read leaf tasks by due date and need only these columns: a
-- covering index lets the group root's figures read the index alone.
CREATE INDEX tasks_leaf_due ON tasks (tenant_id, leaf, due_on, org_id, status, closed_on, element_id, list_id);
