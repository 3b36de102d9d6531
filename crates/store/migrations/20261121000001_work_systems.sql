-- Work systems (体系), lists and tasks (清单), close-out (销号), supervision (督办).
-- Same conventions as the foundation: portable types, tenant_id leads every key.

CREATE TABLE frameworks (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    template_key TEXT,
    copied_from BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX frameworks_version ON frameworks (tenant_id, org_id, name, year);

CREATE TABLE framework_elements (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    framework_id BIGINT NOT NULL,
    parent_id BIGINT,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    weight DOUBLE PRECISION NOT NULL DEFAULT 1,
    to_fill BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX framework_elements_fw ON framework_elements (tenant_id, framework_id, parent_id, position);

CREATE TABLE mechanisms (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    framework_id BIGINT NOT NULL,
    element_id BIGINT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX mechanisms_fw ON mechanisms (tenant_id, framework_id);

CREATE TABLE indicators (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    framework_id BIGINT NOT NULL,
    element_id BIGINT,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    metric TEXT,
    unit TEXT NOT NULL DEFAULT '',
    target DOUBLE PRECISION,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX indicators_fw ON indicators (tenant_id, framework_id);

-- Values people report for `reported` indicators, per org and period.
CREATE TABLE indicator_reports (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    indicator_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    reported_at TEXT NOT NULL,
    reported_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX indicator_reports_ind ON indicator_reports (tenant_id, indicator_id, org_id, period);

-- Close-out procedures: ordered steps as JSON (domain::closeout::Procedure).
CREATE TABLE procedures (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT,
    name TEXT NOT NULL,
    steps_json TEXT NOT NULL,
    sample BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE task_lists (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    year BIGINT,
    source TEXT NOT NULL DEFAULT '',
    procedure_id BIGINT,
    framework_id BIGINT,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX task_lists_org ON task_lists (tenant_id, org_id);

CREATE TABLE tasks (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    list_id BIGINT NOT NULL,
    parent_id BIGINT,
    level TEXT,
    seq TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    measure TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '',
    element_id BIGINT,
    org_id BIGINT NOT NULL,
    person TEXT NOT NULL DEFAULT '',
    leader TEXT NOT NULL DEFAULT '',
    start_on TEXT,
    due_on TEXT,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1,
    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    round BIGINT NOT NULL DEFAULT 1,
    step BIGINT,
    closed_on TEXT,
    decision_kind TEXT,
    pre_review_on TEXT,
    pre_review_conclusion TEXT NOT NULL DEFAULT '',
    decided_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX tasks_list ON tasks (tenant_id, list_id, parent_id);
-- "Is this task a leaf?" is asked of every task the figures count.
CREATE INDEX tasks_parent ON tasks (tenant_id, parent_id);
CREATE INDEX tasks_org ON tasks (tenant_id, org_id, status, due_on);
CREATE INDEX tasks_element ON tasks (tenant_id, element_id);
CREATE INDEX tasks_status_due ON tasks (tenant_id, status, due_on);

CREATE TABLE task_cooperators (
    tenant_id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, task_id, org_id)
);
CREATE INDEX task_cooperators_org ON task_cooperators (tenant_id, org_id);

-- The dated timeline of a task: progress reports, close-out actions, notices.
CREATE TABLE task_events (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    round BIGINT,
    step BIGINT,
    progress DOUBLE PRECISION,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX task_events_task ON task_events (tenant_id, task_id, id);

-- One decision per step per round: the primary key makes two people acting
-- on the same step at the same moment end with exactly one winner.
CREATE TABLE closeout_actions (
    tenant_id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    round BIGINT NOT NULL,
    step BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id BIGINT,
    at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, task_id, round, step)
);

-- Evidence files: content-addressed in the data directory, metadata here.
CREATE TABLE attachments (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    round BIGINT NOT NULL,
    step BIGINT,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX attachments_task ON attachments (tenant_id, task_id, round);

-- 督办单: issued by hand or by the escalation job (auto = 1, once per level).
CREATE TABLE supervision_notices (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    level BIGINT NOT NULL,
    auto BIGINT NOT NULL,
    issued_on TEXT NOT NULL,
    response_due TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    response TEXT,
    responded_at TEXT,
    responded_by BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX supervision_notices_auto_once ON supervision_notices (tenant_id, task_id, level) WHERE auto = 1;
CREATE INDEX supervision_notices_task ON supervision_notices (tenant_id, task_id);
CREATE INDEX supervision_notices_open ON supervision_notices (tenant_id, responded_at, response_due);
