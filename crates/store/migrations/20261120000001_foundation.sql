-- Foundation schema. One file serves SQLite and PostgreSQL: only portable types
-- (BIGINT, TEXT, DOUBLE PRECISION; flags are 0/1 BIGINT); dates are ISO-8601 TEXT (they sort
-- correctly as text); ids are allocated by the application from id_counters.
-- Every domain table leads its primary key with tenant_id, so a distributed
-- PostgreSQL (Citus, YugabyteDB) can shard all tables by tenant and keep each
-- tenant's joins on one node. Released migrations are never edited.

CREATE TABLE tenants (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    settings_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

CREATE TABLE id_counters (
    tenant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    next_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE orgs (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    parent_id BIGINT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    overseas BIGINT NOT NULL DEFAULT 0,
    established_on TEXT NOT NULL,
    dissolved_on TEXT,
    depth BIGINT NOT NULL,
    sort_key TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX orgs_parent ON orgs (tenant_id, parent_id, name);
CREATE INDEX orgs_kind ON orgs (tenant_id, kind);

-- Closure table: one row per (ancestor, descendant) pair, itself included at
-- depth 0. Subtree queries are a single indexed join at any depth.
CREATE TABLE org_closure (
    tenant_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    descendant_id BIGINT NOT NULL,
    depth BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ancestor_id, descendant_id)
);
CREATE INDEX org_closure_descendant ON org_closure (tenant_id, descendant_id, ancestor_id);

-- Lifecycle history: append-only, never overwritten.
CREATE TABLE org_events (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    doc_no TEXT NOT NULL DEFAULT '',
    org_kind TEXT,
    old_name TEXT,
    new_name TEXT,
    old_parent_id BIGINT,
    new_parent_id BIGINT,
    merged_into_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX org_events_org ON org_events (tenant_id, org_id, effective_on);
CREATE INDEX org_events_date ON org_events (tenant_id, effective_on);

CREATE TABLE terms (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    number BIGINT NOT NULL,
    started_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    ended_on TEXT,
    doc_no TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX terms_org ON terms (tenant_id, org_id, started_on);
CREATE INDEX terms_due ON terms (tenant_id, ended_on, due_on);

CREATE TABLE people (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    cell_id BIGINT,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_number_hash TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    phone_enc TEXT,
    phone_masked TEXT,
    status TEXT NOT NULL,
    applied_on TEXT,
    activist_on TEXT,
    candidate_on TEXT,
    probationary_on TEXT,
    full_on TEXT,
    work_unit TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    talent_pool TEXT,
    workers_representative BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- The blind index (keyed HMAC of the ID number) enforces one person per ID
-- number per tenant without storing the number in clear.
CREATE UNIQUE INDEX people_id_number ON people (tenant_id, id_number_hash);
CREATE INDEX people_org ON people (tenant_id, org_id, name);
CREATE INDEX people_status ON people (tenant_id, status);

CREATE TABLE office_holders (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    position TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX office_holders_org ON office_holders (tenant_id, org_id);
CREATE INDEX office_holders_person ON office_holders (tenant_id, person_id);

CREATE TABLE partnerships (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    partner_org_id BIGINT,
    partner_name TEXT NOT NULL,
    partner_kind TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX partnerships_org ON partnerships (tenant_id, org_id);
CREATE INDEX partnerships_partner ON partnerships (tenant_id, partner_org_id);

CREATE TABLE users (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    person_id BIGINT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_login_at TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX users_username ON users (tenant_id, username);

CREATE TABLE role_grants (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    granted_at TEXT NOT NULL,
    granted_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX role_grants_unique ON role_grants (tenant_id, user_id, role, org_id);

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- Append-only audit trail, hash-chained per tenant (see domain::audit).
CREATE TABLE audit_log (
    tenant_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    org_id BIGINT,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity_type, entity_id);
CREATE INDEX audit_log_org ON audit_log (tenant_id, org_id, seq);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, seq);

-- The chain's head: updating this row serializes appends on both backends.
CREATE TABLE audit_head (
    tenant_id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
