//! The audit trail over JSON.

use axum::extract::{Query, State};
use axum::Json;
use dangjian_store::audit::{AuditQuery, ChainStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{AppResult, Localize};
use crate::AppState;

#[derive(Deserialize, IntoParams, Default)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub to: Option<String>,
    pub before_seq: Option<i64>,
    /// Default 100, at most 500.
    pub limit: Option<i64>,
}

impl AuditParams {
    pub fn query(&self) -> AuditQuery {
        AuditQuery {
            actor: self.actor.clone(),
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            action: self.action.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            before_seq: self.before_seq,
            limit: self.limit.unwrap_or(100),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub org_id: Option<i64>,
    /// JSON text of the state before (empty when created).
    pub before: String,
    /// JSON text of the state after (empty when deleted).
    pub after: String,
    pub hash: String,
}

/// Newest first; admins see everything, committee staff their subtree.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), responses((status = 200, body = [AuditEntryOut]), (status = 403, description = "Not allowed")))]
pub async fn list(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(p): Query<AuditParams>,
) -> AppResult<Json<Vec<AuditEntryOut>>> {
    let entries = s.db.scoped(&user.principal).audit_entries(&p.query()).await.loc(user.locale)?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryOut {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id,
                org_id: e.org_id,
                before: e.before,
                after: e.after,
                hash: e.hash,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ChainOut {
    pub entries: i64,
    pub intact: bool,
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// Re-hashes the whole chain (admins only).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", responses((status = 200, body = ChainOut)))]
pub async fn verify(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<ChainOut>> {
    let ChainStatus { entries, intact, broken_at, reason } =
        s.db.scoped(&user.principal).audit_verify().await.loc(user.locale)?;
    Ok(Json(ChainOut { entries, intact, broken_at, reason }))
}
