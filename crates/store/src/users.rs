//! Accounts, role grants and sessions.
//!
//! Passwords are hashed with argon2id. After `lockout_attempts` failed logins
//! in a row an account is locked for `lockout_minutes` (both settings).
//! Sessions live in the database: the cookie carries a random token and only
//! its SHA-256 is stored, so a leaked database does not leak live sessions.
//! A session unused for `idle_timeout_minutes` is gone.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use dangjian_domain::role::{Action, Role};
use dangjian_domain::Code;
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use utoipa::ToSchema;

use crate::audit::{append, Change};
use crate::db::{next_ids, Db, System};
use crate::error::{on_unique, StoreError, StoreResult};
use crate::orgs::load_settings;
use crate::scope::{Grant, Principal, Scoped};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub disabled: bool,
    pub locked: bool,
    pub last_login_at: Option<String>,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantRow {
    pub id: i64,
    pub role: String,
    pub org_id: i64,
    pub org_name: String,
}

pub fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("password hashing: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

pub fn validate_username(u: &str) -> Result<String, Code> {
    let u = u.trim();
    let ok =
        (2..=64).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(u.to_string())
    } else {
        Err(Code::UsernameFormat)
    }
}

/// Minimum password length for accounts created through the product.
pub const MIN_PASSWORD: usize = 8;

pub fn validate_password(p: &str) -> Result<(), Code> {
    if p.chars().count() < MIN_PASSWORD {
        Err(Code::PasswordTooShort)
    } else {
        Ok(())
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A live session: who, and the token forms must echo back (CSRF).
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf_token: String,
    /// The tenant's settings, read with the session (for its idle timeout):
    /// a page that needs them need not read them again.
    pub settings: std::sync::Arc<dangjian_domain::settings::Settings>,
}

/// The outcome of a login attempt.
pub enum LoginOutcome {
    /// Logged in: the cookie token to set.
    Ok {
        token: String,
    },
    Failed(Code),
}

async fn load_grants(db: &Db, tenant_id: i64, user_id: i64) -> StoreResult<Vec<GrantRow>> {
    let rows = db.read("SELECT g.id, g.role, g.org_id, COALESCE(o.name, '') FROM role_grants g \
         LEFT JOIN orgs o ON o.tenant_id = g.tenant_id AND o.id = g.org_id WHERE g.tenant_id = $1 AND g.user_id = $2 ORDER BY g.id", crate::args![tenant_id, user_id]).await?;
    rows.iter()
        .map(|r| {
            Ok(GrantRow { id: r.try_get(0)?, role: r.try_get(1)?, org_id: r.try_get(2)?, org_name: r.try_get(3)? })
        })
        .collect()
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

impl System<'_> {
    /// Creates an account with one grant. Used by the command line and first start.
    pub async fn add_user(&self, username: &str, password: &str, role: Role, org_id: i64) -> StoreResult<i64> {
        let username = validate_username(username).map_err(|c| StoreError::field("username", c))?;
        validate_password(password).map_err(|c| StoreError::field("password", c))?;
        if role != Role::Admin {
            self.org(org_id).await.map_err(|_| StoreError::field("org_id", Code::UnknownOrg))?;
        }
        let hash = hash_password(password)?;
        let p = self.cli_principal();
        let mut tx = self.db.begin_write().await?;
        let id = insert_user(&mut tx, self.tenant_id, &username, &hash, None).await?;
        insert_grant(&mut tx, self.tenant_id, id, role, org_id, None).await?;
        append(
            &mut tx,
            &p,
            Change {
                action: "create",
                entity_type: "user",
                entity_id: id.to_string(),
                org_id: None,
                before: None,
                after: Some(json!({"username": username, "grants": [{"role": role.as_str(), "org_id": org_id}]})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The first administrator. The operator chose this password (or it was
    /// generated), so the length policy is not applied here.
    pub async fn add_admin(&self, username: &str, password: &str) -> StoreResult<i64> {
        let username = validate_username(username).map_err(|c| StoreError::field("username", c))?;
        if password.is_empty() {
            return Err(StoreError::field("password", Code::Required));
        }
        let hash = hash_password(password)?;
        let p = self.cli_principal();
        let mut tx = self.db.begin_write().await?;
        let id = insert_user(&mut tx, self.tenant_id, &username, &hash, None).await?;
        insert_grant(&mut tx, self.tenant_id, id, Role::Admin, 0, None).await?;
        append(
            &mut tx,
            &p,
            Change {
                action: "create",
                entity_type: "user",
                entity_id: id.to_string(),
                org_id: None,
                before: None,
                after: Some(json!({"username": username, "grants": [{"role": "admin"}]})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn user_exists(&self, username: &str) -> StoreResult<bool> {
        let n: i64 = self
            .db
            .read_one(
                "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND username = $2",
                crate::args![self.tenant_id, username],
            )
            .await?
            .try_get(0)?;
        Ok(n > 0)
    }

    pub async fn set_password(&self, username: &str, password: &str) -> StoreResult<()> {
        validate_password(password).map_err(|c| StoreError::field("password", c))?;
        let hash = hash_password(password)?;
        let p = self.cli_principal();
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE users SET password_hash = $3, failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND username = $2",
        )
        .bind(self.tenant_id)
        .bind(username)
        .bind(hash)
        .execute(tx.conn())
        .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            &p,
            Change {
                action: "set_password",
                entity_type: "user",
                entity_id: username.to_string(),
                org_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    /// Checks a password, counting failures toward the lock-out.
    pub async fn login(&self, username: &str, password: &str) -> StoreResult<LoginOutcome> {
        let settings = load_settings(self.db, self.tenant_id).await?;
        let row = self.db.read_opt("SELECT id, password_hash, failed_logins, locked_until, disabled FROM users WHERE tenant_id = $1 AND username = $2", crate::args![self.tenant_id, username.trim()]).await?;
        let Some(row) = row else {
            // Spend the same effort as a real check so timing does not reveal which usernames exist.
            let _ = verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000",
            );
            return Ok(LoginOutcome::Failed(Code::BadCredentials));
        };
        let id: i64 = row.try_get(0)?;
        let hash: String = row.try_get(1)?;
        let failed: i64 = row.try_get(2)?;
        let locked_until: Option<String> = row.try_get(3)?;
        let disabled = row.try_get::<i64>(4)? != 0;
        let now = crate::now_text();
        if locked_until.as_deref().is_some_and(|l| l > now.as_str()) {
            return Ok(LoginOutcome::Failed(Code::AccountLocked));
        }
        if disabled || !verify_password(password, &hash) {
            let failed = failed + 1;
            let lock = (failed >= settings.lockout_attempts).then(|| {
                (chrono::Utc::now() + chrono::Duration::minutes(settings.lockout_minutes))
                    .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                    .to_string()
            });
            let mut tx = self.db.begin_write().await?;
            sqlx::query("UPDATE users SET failed_logins = $3, locked_until = $4 WHERE tenant_id = $1 AND id = $2")
                .bind(self.tenant_id)
                .bind(id)
                .bind(if lock.is_some() { 0 } else { failed })
                .bind(lock.clone())
                .execute(tx.conn())
                .await?;
            let p =
                Principal { username: username.to_string(), user_id: Some(id), ..Principal::system(self.tenant_id) };
            append(
                &mut tx,
                &p,
                Change {
                    action: if lock.is_some() { "lock" } else { "login_failed" },
                    entity_type: "user",
                    entity_id: id.to_string(),
                    org_id: None,
                    before: None,
                    after: Some(json!({"failed_logins": failed})),
                },
            )
            .await?;
            tx.commit().await?;
            return Ok(LoginOutcome::Failed(if lock.is_some() { Code::AccountLocked } else { Code::BadCredentials }));
        }
        let token = random_token();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(self.tenant_id)
            .bind(id)
            .bind(&now)
            .execute(tx.conn())
            .await?;
        let t = now_secs();
        sqlx::query(
            "INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(sha256_hex(&token))
        .bind(self.tenant_id)
        .bind(id)
        .bind(random_token())
        .bind(t)
        .execute(tx.conn())
        .await?;
        // Expired sessions are swept at each login: cheap, and no timer needed.
        sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
            .bind(t - settings.idle_timeout_minutes * 60)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(LoginOutcome::Ok { token })
    }

    /// The session for a cookie token, refreshing its idle timer. `None` when
    /// unknown, idle too long, or the account was disabled.
    pub async fn session(&self, token: &str) -> StoreResult<Option<Session>> {
        let h = sha256_hex(token);
        // Every authenticated request comes through here: the session, its
        // user, the user's grants and the tenant's settings (for the idle
        // timeout) in one statement, one row per grant. Four statements cost a
        // quarter of a small page's time.
        let rows = self.db.read("SELECT s.user_id, s.csrf_token, s.last_seen_at, u.username, u.person_id, u.disabled, t.settings_json, g.role, g.org_id \
             FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
             JOIN tenants t ON t.id = s.tenant_id \
             LEFT JOIN role_grants g ON g.tenant_id = s.tenant_id AND g.user_id = s.user_id \
             WHERE s.token_hash = $1 AND s.tenant_id = $2 ORDER BY g.id", crate::args![&h, self.tenant_id]).await?;
        let Some(row) = rows.first() else { return Ok(None) };
        let user_id: i64 = row.try_get(0)?;
        let last: i64 = row.try_get(2)?;
        let settings: dangjian_domain::settings::Settings = serde_json::from_str(&row.try_get::<String>(6)?)
            .map_err(|e| StoreError::Internal(format!("tenant settings: {e}")))?;
        let now = now_secs();
        if now - last > settings.idle_timeout_minutes * 60 {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&h).execute(&self.db.pool).await?;
            return Ok(None);
        }
        // Touch at most once a minute: most requests then do no write at all.
        if now - last >= 60 {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(&h)
                .bind(now)
                .execute(&self.db.pool)
                .await?;
        }
        if row.try_get::<i64>(5)? != 0 {
            return Ok(None);
        }
        let mut grants = Vec::new();
        for r in &rows {
            let (Some(role), Some(org_id)) = (r.try_get::<Option<String>>(7)?, r.try_get::<Option<i64>>(8)?) else {
                continue;
            };
            if let Ok(role) = Role::parse(&role) {
                grants.push(Grant { role, org_id });
            }
        }
        let principal = Principal {
            tenant_id: self.tenant_id,
            user_id: Some(user_id),
            username: row.try_get(3)?,
            person_id: row.try_get(4)?,
            grants,
        };
        Ok(Some(Session { principal, csrf_token: row.try_get(1)?, settings: std::sync::Arc::new(settings) }))
    }

    pub async fn logout(&self, token: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Makes the idle clock of a session read `seconds_ago` (tests of the timeout).
    pub async fn age_session(&self, token: &str, seconds_ago: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .bind(now_secs() - seconds_ago)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    pub async fn set_settings_json(&self, json_text: &str) -> StoreResult<()> {
        let _: dangjian_domain::settings::Settings =
            serde_json::from_str(json_text).map_err(|_| StoreError::field("settings", Code::InvalidValue))?;
        sqlx::query("UPDATE tenants SET settings_json = $2 WHERE id = $1")
            .bind(self.tenant_id)
            .bind(json_text)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }
}

async fn insert_user(
    tx: &mut crate::db::WriteTx,
    t: i64,
    username: &str,
    hash: &str,
    person_id: Option<i64>,
) -> StoreResult<i64> {
    let id = next_ids(tx, t, "users", 1).await?;
    sqlx::query(
        "INSERT INTO users (tenant_id, id, username, display_name, password_hash, person_id, created_at) VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(t)
    .bind(id)
    .bind(username)
    .bind(hash)
    .bind(person_id)
    .bind(crate::now_text())
    .execute(tx.conn())
    .await
    .map_err(|e| on_unique(e, Code::UsernameTaken))?;
    Ok(id)
}

async fn insert_grant(
    tx: &mut crate::db::WriteTx,
    t: i64,
    user_id: i64,
    role: Role,
    org_id: i64,
    by: Option<i64>,
) -> StoreResult<i64> {
    let id = next_ids(tx, t, "role_grants", 1).await?;
    sqlx::query("INSERT INTO role_grants (tenant_id, id, user_id, role, org_id, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(t)
        .bind(id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(org_id)
        .bind(crate::now_text())
        .bind(by)
        .execute(tx.conn())
        .await
        .map_err(|e| on_unique(e, Code::Conflict))?;
    Ok(id)
}

impl Scoped<'_> {
    pub async fn users(&self) -> StoreResult<Vec<User>> {
        self.require_global(Action::ManageUsers)?;
        let rows = self.db.read("SELECT id, username, display_name, person_id, disabled, locked_until, last_login_at FROM users WHERE tenant_id = $1 ORDER BY username", crate::args![self.p.tenant_id]).await?;
        let now = crate::now_text();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let locked: Option<String> = r.try_get(5)?;
            out.push(User {
                id,
                username: r.try_get(1)?,
                display_name: r.try_get(2)?,
                person_id: r.try_get(3)?,
                disabled: r.try_get::<i64>(4)? != 0,
                locked: locked.is_some_and(|l| l > now),
                last_login_at: r.try_get(6)?,
                grants: load_grants(self.db, self.p.tenant_id, id).await?,
            });
        }
        Ok(out)
    }

    pub async fn create_user(&self, username: &str, password: &str, person_id: Option<i64>) -> StoreResult<i64> {
        self.require_global(Action::ManageUsers)?;
        let mut errors = Vec::new();
        let username = validate_username(username).map_err(|c| errors.push(("username".to_string(), c))).ok();
        if let Err(c) = validate_password(password) {
            errors.push(("password".into(), c));
        }
        if let Some(pid) = person_id {
            if self.person(pid).await.is_err() {
                errors.push(("person_id".into(), Code::NotFound));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let username = username.expect("validated");
        let hash = hash_password(password)?;
        let mut tx = self.db.begin_write().await?;
        let id = insert_user(&mut tx, self.p.tenant_id, &username, &hash, person_id).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "user",
                entity_id: id.to_string(),
                org_id: None,
                before: None,
                after: Some(json!({"username": username, "person_id": person_id})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn grant(&self, user_id: i64, role: Role, org_id: i64) -> StoreResult<i64> {
        self.require_global(Action::ManageUsers)?;
        self.org(org_id).await.map_err(|_| StoreError::field("org_id", Code::UnknownOrg))?;
        let mut tx = self.db.begin_write().await?;
        let exists: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(self.p.tenant_id)
            .bind(user_id)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        if exists == 0 {
            return Err(StoreError::NotFound);
        }
        let id = insert_grant(&mut tx, self.p.tenant_id, user_id, role, org_id, self.p.user_id).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "grant",
                entity_type: "user",
                entity_id: user_id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(json!({"grant_id": id, "role": role.as_str(), "org_id": org_id})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn revoke(&self, user_id: i64, grant_id: i64) -> StoreResult<()> {
        self.require_global(Action::ManageUsers)?;
        let mut tx = self.db.begin_write().await?;
        let row = sqlx::query("SELECT role, org_id FROM role_grants WHERE tenant_id = $1 AND id = $2 AND user_id = $3")
            .bind(self.p.tenant_id)
            .bind(grant_id)
            .bind(user_id)
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        let role: String = row.try_get(0)?;
        let org_id: i64 = row.try_get(1)?;
        if self.p.user_id == Some(user_id) && role == "admin" {
            // Revoking one's own admin grant could leave nobody able to manage users.
            return Err(StoreError::Forbidden);
        }
        sqlx::query("DELETE FROM role_grants WHERE tenant_id = $1 AND id = $2")
            .bind(self.p.tenant_id)
            .bind(grant_id)
            .execute(tx.conn())
            .await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "revoke",
                entity_type: "user",
                entity_id: user_id.to_string(),
                org_id: Some(org_id),
                before: Some(json!({"grant_id": grant_id, "role": role, "org_id": org_id})),
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    /// Unlocks an account and clears its failure count.
    pub async fn unlock_user(&self, user_id: i64) -> StoreResult<()> {
        self.require_global(Action::ManageUsers)?;
        let mut tx = self.db.begin_write().await?;
        let res =
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2")
                .bind(self.p.tenant_id)
                .bind(user_id)
                .execute(tx.conn())
                .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            self.p,
            Change {
                action: "unlock",
                entity_type: "user",
                entity_id: user_id.to_string(),
                org_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }
}
