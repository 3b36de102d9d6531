-- Organizational life and learning (三会一课, 主题党日, 第一议题, 中心组学习,
-- 主题大讨论) and their recordings. Same conventions: portable types, tenant_id
-- leads every key, flags are BIGINT 0/1, dates are ISO text.

-- Kinds a tenant adds beside the built-in ones (domain::activity::BUILTIN_KINDS).
CREATE TABLE activity_kinds (
    tenant_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- 主题大讨论: a named campaign over a period.
CREATE TABLE campaigns (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX campaigns_org ON campaigns (tenant_id, org_id, starts_on);

-- One meeting, lecture, study session or team activity, planned or held.
-- The attendance counts are kept on the row (written with the attendance in
-- one transaction) so figures over thousands of branches never re-count.
CREATE TABLE activities (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    topic TEXT NOT NULL,
    held_on TEXT NOT NULL,
    starts_at TEXT NOT NULL DEFAULT '',
    ends_at TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    recorder TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    resolutions TEXT NOT NULL DEFAULT '',
    element_id BIGINT,
    campaign_id BIGINT,
    expected BIGINT NOT NULL DEFAULT 0,
    present BIGINT NOT NULL DEFAULT 0,
    absent BIGINT NOT NULL DEFAULT 0,
    on_leave BIGINT NOT NULL DEFAULT 0,
    sit_ins BIGINT NOT NULL DEFAULT 0,
    voting_expected BIGINT NOT NULL DEFAULT 0,
    voting_present BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX activities_org ON activities (tenant_id, org_id, held_on);
CREATE INDEX activities_held ON activities (tenant_id, held_on);
CREATE INDEX activities_campaign ON activities (tenant_id, campaign_id);

-- Who was expected and how each one stood. person_id is NULL for sit-ins
-- (列席旁听) from outside the roster, who are named with their org.
CREATE TABLE activity_attendance (
    tenant_id BIGINT NOT NULL,
    activity_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    person_id BIGINT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    from_org TEXT NOT NULL DEFAULT '',
    voting BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, activity_id, seq)
);
CREATE INDEX activity_attendance_person ON activity_attendance (tenant_id, person_id);

-- 第一议题 落实: the implementation tasks a first_topic record produced.
CREATE TABLE activity_tasks (
    tenant_id BIGINT NOT NULL,
    activity_id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, activity_id, task_id)
);

-- What campaigns and study produce: suggestions collected, case studies
-- (典型案例) and bulletins (学习动态). campaign_id may be NULL.
CREATE TABLE study_items (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    campaign_id BIGINT,
    activity_id BIGINT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    on_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX study_items_org ON study_items (tenant_id, org_id, on_date);
CREATE INDEX study_items_campaign ON study_items (tenant_id, campaign_id, kind);

-- Recording devices in team activity areas: one token per device, stored as
-- its SHA-256 only. revoked_at set = the token no longer works.
CREATE TABLE devices (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    revoked_at TEXT,
    last_seen_at TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX devices_token ON devices (token_hash);
CREATE INDEX devices_org ON devices (tenant_id, org_id);

-- Videos, photos and documents. activity_id is NULL while a device upload
-- waits for a person to attach it. Bytes live in the blob store under
-- storage_key; deleting is a soft delete (deleted_at) kept in the audit trail.
CREATE TABLE recordings (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    activity_id BIGINT,
    media TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    recorded_at TEXT,
    device_id BIGINT,
    uploaded_at TEXT NOT NULL,
    uploaded_by BIGINT,
    deleted_at TEXT,
    deleted_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX recordings_activity ON recordings (tenant_id, activity_id);
CREATE INDEX recordings_org ON recordings (tenant_id, org_id, recorded_at);
