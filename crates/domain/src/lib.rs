//! # dangjian-domain: the rules, with no I/O
//!
//! Everything here is plain data and pure functions, so every rule can be tested
//! without a database or a clock. Start with:
//!
//! - [`org`]: the kinds of organization, lifecycle events, and [`org::tree_as_of`],
//!   which replays dated history to show the tree as it stood on a past day.
//! - [`term`]: term (换届) lengths per kind as settings, and the due/overdue alert.
//! - [`person`]: member status stages (applicant → … → full) and talent pools.
//! - [`id_number`]: GB 11643 resident ID numbers: check digit, masking.
//! - [`phone`]: phone number validation and masking.
//! - [`role`]: roles granted at an org, and what each may do in its subtree.
//! - [`audit`]: the hash chain that makes the audit trail tamper-evident.
//! - [`settings`]: every rule's default, overridable per tenant.
//! - [`error`]: stable error codes with their zh-CN and English messages.
//! - [`framework`]: work systems (体系) as data, and the seeds' templates.
//! - [`task`]: list kinds, task status and levels, progress roll-up, completion rate.
//! - [`closeout`]: close-out procedures as data and their state machine.
//! - [`escalation`]: how far an overdue task has escalated up the tree.
//! - [`activity`]: kinds of meeting and study, attendance, quorum, and how often
//!   each org must hold each kind (compliance).
//! - [`date`]: parsing the date forms people type (2026-01-15, 2026/1/15, 2026年1月15日).

pub mod activity;
pub mod audit;
pub mod closeout;
pub mod date;
pub mod error;
pub mod escalation;
pub mod framework;
pub mod id_number;
pub mod org;
pub mod person;
pub mod phone;
pub mod role;
pub mod settings;
pub mod task;
pub mod term;

pub use error::{Code, FieldError, Locale};
