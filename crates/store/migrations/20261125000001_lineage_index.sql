-- Every request that names an org reads its lineage (scope.rs, LINEAGE_SELECT):
-- the closure rows above it, nearest first. With depth in the index they come
-- in order straight from it, without a lookup of each closure row for its
-- depth and a sort. Lookups by (descendant, ancestor) still find their row
-- among the few of one descendant.
DROP INDEX org_closure_descendant;
CREATE INDEX org_closure_descendant ON org_closure (tenant_id, descendant_id, depth, ancestor_id);
