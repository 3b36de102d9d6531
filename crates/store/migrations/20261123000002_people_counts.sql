-- Stored people counts (issue 4, mixed reads). Org pages, child listings and
-- roster totals counted people over org_closure ⨝ people on every read: 34 ms
-- for the group root at 100,000 people. `people_count` is the number of people
-- registered in the org's subtree (for a cell: the people naming it in
-- people.cell_id), kept on every write that adds or moves people or re-hangs
-- orgs (see `orgs::add_people` and `orgs::recount_people`).
ALTER TABLE orgs ADD COLUMN people_count BIGINT NOT NULL DEFAULT 0;
UPDATE orgs SET people_count =
    (SELECT COUNT(*) FROM org_closure c JOIN people p ON p.tenant_id = c.tenant_id AND p.org_id = c.descendant_id
     WHERE c.tenant_id = orgs.tenant_id AND c.ancestor_id = orgs.id)
  + (SELECT COUNT(*) FROM people p WHERE p.tenant_id = orgs.tenant_id AND p.cell_id = orgs.id);

-- Child listings count each child's active children: with this index that is
-- a count in the index alone (the group root's 30 enterprises read ~3,000
-- org rows for it, 0.9 ms of its page).
CREATE INDEX orgs_active_children ON orgs (tenant_id, parent_id, dissolved_on);
