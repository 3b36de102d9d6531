//! Frameworks (体系) stored as data: versions by year, the element tree,
//! mechanisms and indicators, copying a year forward, comparing versions,
//! and each element's live state.
//!
//! A framework belongs to an org and applies to its subtree, so it is
//! readable by anyone who can read that org *or* anything below it; it is
//! edited by those who may change structure at its org.

use std::collections::HashMap;

use dangjian_domain::framework::{self as dfw, FrameworkTemplate, IndicatorSource, Metric};
use dangjian_domain::role::Action;
use dangjian_domain::Code;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row as _;
use utoipa::ToSchema;

use crate::audit::{append, Change};
use crate::db::{next_ids, WriteTx};
use crate::error::{on_unique, StoreError, StoreResult};
use crate::read::Row;
use crate::scope::Scoped;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Framework {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub year: i64,
    pub description: String,
    pub template_key: Option<String>,
    pub copied_from: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Element {
    pub id: i64,
    pub framework_id: i64,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub name: String,
    pub description: String,
    pub weight: f64,
    /// A part the enterprise still has to fill in.
    pub to_fill: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mechanism {
    pub id: i64,
    pub element_id: Option<i64>,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Indicator {
    pub id: i64,
    pub element_id: Option<i64>,
    pub name: String,
    /// computed or reported.
    pub source: String,
    pub metric: Option<String>,
    pub unit: String,
    pub target: Option<f64>,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FrameworkDetail {
    pub framework: Framework,
    /// Flat, in tree order (parents before children, siblings by position).
    pub elements: Vec<Element>,
    pub mechanisms: Vec<Mechanism>,
    pub indicators: Vec<Indicator>,
}

/// One difference between two versions, keyed by the element's path of names.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ElementDiff {
    pub path: String,
    /// added, removed or changed.
    pub change: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ElementInput {
    pub parent_id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

fn framework_from(r: &Row) -> StoreResult<Framework> {
    Ok(Framework {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        name: r.try_get(2)?,
        year: r.try_get(3)?,
        description: r.try_get(4)?,
        template_key: r.try_get(5)?,
        copied_from: r.try_get(6)?,
    })
}

const FW_COLS: &str = "id, org_id, name, year, description, template_key, copied_from";

fn element_from(r: &Row) -> StoreResult<Element> {
    Ok(Element {
        id: r.try_get(0)?,
        framework_id: r.try_get(1)?,
        parent_id: r.try_get(2)?,
        position: r.try_get(3)?,
        name: r.try_get(4)?,
        description: r.try_get(5)?,
        weight: r.try_get(6)?,
        to_fill: r.try_get::<i64>(7)? != 0,
    })
}

/// Orders elements parents-first, siblings by position.
fn tree_order(mut els: Vec<Element>) -> Vec<Element> {
    els.sort_by_key(|e| (e.position, e.id));
    let mut out = Vec::with_capacity(els.len());
    fn walk(els: &[Element], parent: Option<i64>, out: &mut Vec<Element>) {
        for e in els.iter().filter(|e| e.parent_id == parent) {
            out.push(e.clone());
            walk(els, Some(e.id), out);
        }
    }
    walk(&els, None, &mut out);
    out
}

/// Each element's path of names from the top, e.g. `四强/强思想`.
pub fn element_paths(els: &[Element]) -> HashMap<i64, String> {
    let by_id: HashMap<i64, &Element> = els.iter().map(|e| (e.id, e)).collect();
    els.iter()
        .map(|e| {
            let mut names = vec![e.name.as_str()];
            let mut cur = e.parent_id;
            while let Some(p) = cur.and_then(|p| by_id.get(&p)) {
                names.push(&p.name);
                cur = p.parent_id;
            }
            names.reverse();
            (e.id, names.join("/"))
        })
        .collect()
}

/// Differences between two versions' element trees.
pub fn compare_elements(a: &[Element], b: &[Element]) -> Vec<ElementDiff> {
    let pa = element_paths(a);
    let pb = element_paths(b);
    let ma: HashMap<&str, &Element> = a.iter().map(|e| (pa[&e.id].as_str(), e)).collect();
    let mb: HashMap<&str, &Element> = b.iter().map(|e| (pb[&e.id].as_str(), e)).collect();
    let describe = |e: &Element| format!("权重 {} · {}", e.weight, e.description);
    let mut out = Vec::new();
    for e in a {
        let path = pa[&e.id].as_str();
        match mb.get(path) {
            None => out.push(ElementDiff {
                path: path.into(),
                change: "removed".into(),
                before: Some(describe(e)),
                after: None,
            }),
            Some(other) if (other.weight - e.weight).abs() > 1e-9 || other.description != e.description => {
                out.push(ElementDiff {
                    path: path.into(),
                    change: "changed".into(),
                    before: Some(describe(e)),
                    after: Some(describe(other)),
                })
            }
            _ => {}
        }
    }
    for e in b {
        let path = pb[&e.id].as_str();
        if !ma.contains_key(path) {
            out.push(ElementDiff { path: path.into(), change: "added".into(), before: None, after: Some(describe(e)) });
        }
    }
    out
}

async fn insert_element(
    tx: &mut WriteTx,
    t: i64,
    fw: i64,
    parent: Option<i64>,
    position: i64,
    e: &ElementRow<'_>,
) -> StoreResult<i64> {
    let id = next_ids(tx, t, "framework_elements", 1).await?;
    sqlx::query(
        "INSERT INTO framework_elements (tenant_id, id, framework_id, parent_id, position, name, description, weight, to_fill) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t)
    .bind(id)
    .bind(fw)
    .bind(parent)
    .bind(position)
    .bind(e.name)
    .bind(e.description)
    .bind(e.weight)
    .bind(i64::from(e.to_fill))
    .execute(tx.conn())
    .await?;
    Ok(id)
}

struct ElementRow<'a> {
    name: &'a str,
    description: &'a str,
    weight: f64,
    to_fill: bool,
}

async fn insert_framework(tx: &mut WriteTx, t: i64, f: &Framework) -> StoreResult<()> {
    let now = crate::now_text();
    sqlx::query(
        "INSERT INTO frameworks (tenant_id, id, org_id, name, year, description, template_key, copied_from, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(t)
    .bind(f.id)
    .bind(f.org_id)
    .bind(&f.name)
    .bind(f.year)
    .bind(&f.description)
    .bind(&f.template_key)
    .bind(f.copied_from)
    .bind(now)
    .execute(tx.conn())
    .await
    .map_err(|e| on_unique(e, Code::NameDuplicate))?;
    Ok(())
}

impl Scoped<'_> {
    /// Readable when the caller reads the framework's org or anything below it.
    async fn framework_readable(&self, org_id: i64) -> StoreResult<()> {
        if self.org(org_id).await.is_ok() {
            return Ok(());
        }
        let grants: Vec<String> = self.p.grants.iter().map(|g| g.org_id.to_string()).collect();
        if grants.is_empty() || !self.p.can(Action::Read) {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2 AND descendant_id IN ({})",
            grants.join(",")
        );
        let n: i64 = self.db.read_one(&sql, crate::args![self.p.tenant_id, org_id]).await?.try_get(0)?;
        if n > 0 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn fetch_framework(&self, id: i64) -> StoreResult<Framework> {
        let sql = format!("SELECT {FW_COLS} FROM frameworks WHERE tenant_id = $1 AND id = $2");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        framework_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// The frameworks that apply to `org_id`: those of the org and its ancestors, newest year first.
    pub async fn frameworks_for(&self, org_id: i64) -> StoreResult<Vec<Framework>> {
        self.org(org_id).await?;
        let sql = format!(
            "SELECT {FW_COLS} FROM frameworks WHERE tenant_id = $1 \
             AND org_id IN (SELECT ancestor_id FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2) ORDER BY year DESC, name"
        );
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id, org_id]).await?;
        rows.iter().map(framework_from).collect()
    }

    pub async fn framework(&self, id: i64) -> StoreResult<FrameworkDetail> {
        let framework = self.fetch_framework(id).await?;
        self.framework_readable(framework.org_id).await?;
        let t = self.p.tenant_id;
        let rows = self.db.read("SELECT id, framework_id, parent_id, position, name, description, weight, to_fill FROM framework_elements \
             WHERE tenant_id = $1 AND framework_id = $2", crate::args![t, id]).await?;
        let elements = tree_order(rows.iter().map(element_from).collect::<StoreResult<_>>()?);
        let mechanisms = self.db.read("SELECT id, element_id, name, description FROM mechanisms WHERE tenant_id = $1 AND framework_id = $2 ORDER BY id", crate::args![t, id]).await?
            .iter()
            .map(|r| Ok(Mechanism { id: r.try_get(0)?, element_id: r.try_get(1)?, name: r.try_get(2)?, description: r.try_get(3)? }))
            .collect::<StoreResult<_>>()?;
        let indicators = self.db.read("SELECT id, element_id, name, source, metric, unit, target, weight FROM indicators WHERE tenant_id = $1 AND framework_id = $2 ORDER BY id", crate::args![t, id]).await?
        .iter()
        .map(|r| {
            Ok(Indicator {
                id: r.try_get(0)?,
                element_id: r.try_get(1)?,
                name: r.try_get(2)?,
                source: r.try_get(3)?,
                metric: r.try_get(4)?,
                unit: r.try_get(5)?,
                target: r.try_get(6)?,
                weight: r.try_get(7)?,
            })
        })
        .collect::<StoreResult<_>>()?;
        Ok(FrameworkDetail { framework, elements, mechanisms, indicators })
    }

    /// A framework from one of the shipped templates, for `year`.
    pub async fn create_framework_from_template(&self, org_id: i64, key: &str, year: i32) -> StoreResult<Framework> {
        let template = dfw::templates::all()
            .into_iter()
            .find(|t| t.key == key)
            .ok_or_else(|| StoreError::field("template_key", Code::InvalidValue))?;
        self.create_framework_from(org_id, &template, year, None).await
    }

    /// An empty framework the enterprise builds itself.
    pub async fn create_framework(
        &self,
        org_id: i64,
        name: &str,
        year: i32,
        description: &str,
    ) -> StoreResult<Framework> {
        let template = FrameworkTemplate {
            key: String::new(),
            name: name.trim().to_string(),
            description: description.trim().to_string(),
            source: String::new(),
            elements: vec![],
            mechanisms: vec![],
            indicators: vec![],
        };
        self.create_framework_from(org_id, &template, year, None).await
    }

    async fn create_framework_from(
        &self,
        org_id: i64,
        tpl: &FrameworkTemplate,
        year: i32,
        copied_from: Option<i64>,
    ) -> StoreResult<Framework> {
        self.require(Action::WriteStructure, org_id).await?;
        dfw::validate_header(&tpl.name, year).map_err(|(f, c)| StoreError::field(f, c))?;
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "frameworks", 1).await?;
        let f = Framework {
            id,
            org_id,
            name: tpl.name.clone(),
            year: i64::from(year),
            description: tpl.description.clone(),
            template_key: Some(tpl.key.clone()).filter(|k| !k.is_empty()),
            copied_from,
        };
        insert_framework(&mut tx, t, &f).await?;
        let mut by_name: HashMap<String, i64> = HashMap::new();
        async fn add(
            tx: &mut WriteTx,
            t: i64,
            fw: i64,
            parent: Option<i64>,
            els: &[dfw::ElementTemplate],
            by_name: &mut HashMap<String, i64>,
        ) -> StoreResult<()> {
            for (i, e) in els.iter().enumerate() {
                let id = insert_element(
                    tx,
                    t,
                    fw,
                    parent,
                    i as i64,
                    &ElementRow { name: &e.name, description: &e.description, weight: e.weight, to_fill: e.to_fill },
                )
                .await?;
                by_name.entry(e.name.clone()).or_insert(id);
                Box::pin(add(tx, t, fw, Some(id), &e.children, by_name)).await?;
            }
            Ok(())
        }
        add(&mut tx, t, id, None, &tpl.elements, &mut by_name).await?;
        for m in &tpl.mechanisms {
            let mid = next_ids(&mut tx, t, "mechanisms", 1).await?;
            sqlx::query("INSERT INTO mechanisms (tenant_id, id, framework_id, element_id, name, description) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(t)
                .bind(mid)
                .bind(id)
                .bind(m.element.as_ref().and_then(|n| by_name.get(n)).copied())
                .bind(&m.name)
                .bind(&m.description)
                .execute(tx.conn())
                .await?;
        }
        for ind in &tpl.indicators {
            let iid = next_ids(&mut tx, t, "indicators", 1).await?;
            let (source, metric) = match &ind.source {
                IndicatorSource::Computed { metric } => ("computed", Some(metric.as_str())),
                IndicatorSource::Reported => ("reported", None),
            };
            // A NULL f64 through sqlx's Any driver is mistyped on PostgreSQL (see tasks::add_event).
            let sql = if ind.target.is_some() {
                "INSERT INTO indicators (tenant_id, id, framework_id, element_id, name, source, metric, unit, weight, target) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            } else {
                "INSERT INTO indicators (tenant_id, id, framework_id, element_id, name, source, metric, unit, weight) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            };
            let mut q = sqlx::query(sql)
                .bind(t)
                .bind(iid)
                .bind(id)
                .bind(ind.element.as_ref().and_then(|n| by_name.get(n)).copied())
                .bind(&ind.name)
                .bind(source)
                .bind(metric)
                .bind(&ind.unit)
                .bind(ind.weight);
            if let Some(target) = ind.target {
                q = q.bind(target);
            }
            q.execute(tx.conn()).await?;
        }
        append(
            &mut tx,
            self.p,
            Change {
                action: if copied_from.is_some() { "copy" } else { "create" },
                entity_type: "framework",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(json!({"name": f.name, "year": year, "template": f.template_key, "copied_from": copied_from, "elements": by_name.len()})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// Copies a framework into another year (then edit the copy).
    pub async fn copy_framework(&self, id: i64, year: i32) -> StoreResult<Framework> {
        let d = self.framework(id).await?;
        let names: HashMap<i64, String> = d.elements.iter().map(|e| (e.id, e.name.clone())).collect();
        fn build(els: &[Element], parent: Option<i64>) -> Vec<dfw::ElementTemplate> {
            els.iter()
                .filter(|e| e.parent_id == parent)
                .map(|e| dfw::ElementTemplate {
                    name: e.name.clone(),
                    description: e.description.clone(),
                    weight: e.weight,
                    to_fill: e.to_fill,
                    children: build(els, Some(e.id)),
                })
                .collect()
        }
        let tpl = FrameworkTemplate {
            key: d.framework.template_key.clone().unwrap_or_default(),
            name: d.framework.name.clone(),
            description: d.framework.description.clone(),
            source: String::new(),
            elements: build(&d.elements, None),
            mechanisms: d
                .mechanisms
                .iter()
                .map(|m| dfw::MechanismTemplate {
                    name: m.name.clone(),
                    description: m.description.clone(),
                    element: m.element_id.and_then(|e| names.get(&e).cloned()),
                })
                .collect(),
            indicators: d
                .indicators
                .iter()
                .map(|i| dfw::IndicatorTemplate {
                    name: i.name.clone(),
                    element: i.element_id.and_then(|e| names.get(&e).cloned()),
                    source: match i.metric.as_deref().map(Metric::parse) {
                        Some(Ok(metric)) => IndicatorSource::Computed { metric },
                        _ => IndicatorSource::Reported,
                    },
                    unit: i.unit.clone(),
                    target: i.target,
                    weight: i.weight,
                })
                .collect(),
        };
        self.create_framework_from(d.framework.org_id, &tpl, year, Some(id)).await
    }

    /// What changed between two versions, element by element.
    pub async fn compare_frameworks(&self, a: i64, b: i64) -> StoreResult<Vec<ElementDiff>> {
        let da = self.framework(a).await?;
        let db = self.framework(b).await?;
        Ok(compare_elements(&da.elements, &db.elements))
    }

    async fn framework_for_write(&self, id: i64) -> StoreResult<Framework> {
        let f = self.fetch_framework(id).await?;
        self.framework_readable(f.org_id).await?;
        self.require(Action::WriteStructure, f.org_id).await?;
        Ok(f)
    }

    pub async fn add_element(&self, framework_id: i64, input: &ElementInput) -> StoreResult<Element> {
        let f = self.framework_for_write(framework_id).await?;
        let name = dangjian_domain::org::validate_name(&input.name).map_err(|c| StoreError::field("name", c))?;
        let weight = dfw::validate_weight(input.weight).map_err(|c| StoreError::field("weight", c))?;
        let t = self.p.tenant_id;
        if let Some(p) = input.parent_id {
            let n: i64 = self
                .db
                .read_one(
                    "SELECT COUNT(*) FROM framework_elements WHERE tenant_id = $1 AND id = $2 AND framework_id = $3",
                    crate::args![t, p, framework_id],
                )
                .await?
                .try_get(0)?;
            if n == 0 {
                return Err(StoreError::field("parent_id", Code::NotFound));
            }
        }
        let mut tx = self.db.begin_write().await?;
        let position: i64 = sqlx::query(
            "SELECT COUNT(*) FROM framework_elements WHERE tenant_id = $1 AND framework_id = $2 AND parent_id IS NOT DISTINCT FROM $3",
        )
        .bind(t)
        .bind(framework_id)
        .bind(input.parent_id)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        let id = insert_element(
            &mut tx,
            t,
            framework_id,
            input.parent_id,
            position,
            &ElementRow { name: &name, description: input.description.trim(), weight, to_fill: false },
        )
        .await?;
        let e = Element {
            id,
            framework_id,
            parent_id: input.parent_id,
            position,
            name,
            description: input.description.trim().into(),
            weight,
            to_fill: false,
        };
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "element",
                entity_id: id.to_string(),
                org_id: Some(f.org_id),
                before: None,
                after: Some(serde_json::to_value(&e).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    pub async fn update_element(
        &self,
        element_id: i64,
        name: &str,
        description: &str,
        weight: f64,
    ) -> StoreResult<Element> {
        let t = self.p.tenant_id;
        let row = self.db.read_opt("SELECT id, framework_id, parent_id, position, name, description, weight, to_fill FROM framework_elements WHERE tenant_id = $1 AND id = $2", crate::args![t, element_id]).await?
        .ok_or(StoreError::NotFound)?;
        let before = element_from(&row)?;
        let f = self.framework_for_write(before.framework_id).await?;
        let name = dangjian_domain::org::validate_name(name).map_err(|c| StoreError::field("name", c))?;
        let weight = dfw::validate_weight(weight).map_err(|c| StoreError::field("weight", c))?;
        let after = Element { name, description: description.trim().into(), weight, to_fill: false, ..before.clone() };
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE framework_elements SET name = $3, description = $4, weight = $5, to_fill = 0 WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(element_id)
            .bind(&after.name)
            .bind(&after.description)
            .bind(after.weight)
            .execute(tx.conn())
            .await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "update",
                entity_type: "element",
                entity_id: element_id.to_string(),
                org_id: Some(f.org_id),
                before: Some(serde_json::to_value(&before).unwrap_or_default()),
                after: Some(serde_json::to_value(&after).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Whether the element exists in a framework the caller can read.
    pub(crate) async fn element_readable(&self, element_id: i64) -> StoreResult<bool> {
        let row = self.db.read_opt("SELECT f.org_id FROM framework_elements e JOIN frameworks f ON f.tenant_id = e.tenant_id AND f.id = e.framework_id \
             WHERE e.tenant_id = $1 AND e.id = $2", crate::args![self.p.tenant_id, element_id]).await?;
        match row {
            Some(r) => Ok(self.framework_readable(r.try_get(0)?).await.is_ok()),
            None => Ok(false),
        }
    }

    pub async fn add_mechanism(
        &self,
        framework_id: i64,
        element_id: Option<i64>,
        name: &str,
        description: &str,
    ) -> StoreResult<Mechanism> {
        let f = self.framework_for_write(framework_id).await?;
        if let Some(e) = element_id {
            // The element must belong to this framework.
            let n: i64 = self
                .db
                .read_one(
                    "SELECT COUNT(*) FROM framework_elements WHERE tenant_id = $1 AND id = $2 AND framework_id = $3",
                    crate::args![self.p.tenant_id, e, framework_id],
                )
                .await?
                .try_get(0)?;
            if n == 0 {
                return Err(StoreError::field("element_id", Code::NotFound));
            }
        }
        let name = dangjian_domain::org::validate_name(name).map_err(|c| StoreError::field("name", c))?;
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "mechanisms", 1).await?;
        sqlx::query("INSERT INTO mechanisms (tenant_id, id, framework_id, element_id, name, description) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(t)
            .bind(id)
            .bind(framework_id)
            .bind(element_id)
            .bind(&name)
            .bind(description.trim())
            .execute(tx.conn())
            .await?;
        let m = Mechanism { id, element_id, name, description: description.trim().into() };
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "mechanism",
                entity_id: id.to_string(),
                org_id: Some(f.org_id),
                before: None,
                after: Some(serde_json::to_value(&m).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }
}
