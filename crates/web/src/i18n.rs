//! UI strings in both locales. Templates call `t("key")`; a key missing from
//! the table shows as the key itself, and a test checks every key a template
//! uses is here.

use dangjian_domain::Locale;

/// (key, zh-CN, en)
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("app.name", "党建工作体系平台", "Party-Building Work Platform"),
    ("nav.tree", "组织架构", "Organizations"),
    ("nav.alerts", "换届提醒", "Term alerts"),
    ("nav.users", "用户与权限", "Users & roles"),
    ("nav.audit", "审计日志", "Audit trail"),
    ("nav.logout", "退出登录", "Log out"),
    ("nav.me", "我的信息", "My record"),
    ("nav.lang", "English", "中文"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("common.save", "保存", "Save"),
    ("common.search", "搜索", "Search"),
    ("common.all", "全部", "All"),
    ("common.none", "暂无", "None yet"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.prev", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    ("common.page", "第 {page} / {pages} 页，共 {total} 条", "Page {page} of {pages}, {total} in all"),
    ("common.back", "返回", "Back"),
    ("common.date", "日期", "Date"),
    ("common.doc_no", "文号", "Document no."),
    ("common.name", "名称", "Name"),
    ("common.kind", "类型", "Kind"),
    ("common.actions", "操作", "Actions"),
    ("common.submit", "提交", "Submit"),
    ("common.note", "备注", "Note"),
    ("tree.title", "组织架构", "Organization tree"),
    ("tree.empty", "您的账号尚未被授权查看任何组织。请联系系统管理员分配角色。", "Your account has not been granted any organization yet. Ask an administrator for a role."),
    ("tree.search", "按名称查找组织", "Find an organization by name"),
    ("tree.as_of", "查看历史架构", "View the tree as of"),
    ("tree.as_of_title", "{date} 的组织架构", "The tree on {date}"),
    ("tree.as_of_empty", "该日期时此组织尚未成立或已撤销。", "This organization did not exist on that date."),
    ("org.children", "下级组织", "Sub-organizations"),
    ("org.no_children", "暂无下级组织", "No sub-organizations"),
    ("org.people", "人数", "People"),
    ("org.established_on", "成立日期", "Established"),
    ("org.dissolved_on", "撤销日期", "Dissolved"),
    ("org.overseas", "境外组织", "Overseas"),
    ("org.dissolved", "已撤销", "Dissolved"),
    ("org.term", "届次与换届", "Term of office"),
    ("org.term_number", "第{n}届", "Term {n}"),
    ("org.term_started", "本届开始", "Started"),
    ("org.term_due", "应换届日期", "Due"),
    ("org.no_term", "尚未登记届次信息", "No term recorded"),
    ("org.start_term", "登记换届", "Record a re-election"),
    ("org.holders", "班子成员", "Office holders"),
    ("org.no_holders", "尚未登记班子成员", "No office holders recorded"),
    ("org.add_holder", "任命", "Appoint"),
    ("org.person_id", "人员编号", "Person id"),
    ("org.position", "职务", "Position"),
    ("org.since", "任职日期", "Since"),
    ("org.until", "离任日期", "Until"),
    ("org.end_holder", "离任", "End tenure"),
    ("position.secretary", "书记", "Secretary"),
    ("position.deputy_secretary", "副书记", "Deputy secretary"),
    ("position.committee_member", "委员", "Committee member"),
    ("org.partnerships", "结对共建", "Partnerships"),
    ("org.no_partnerships", "暂无结对共建单位", "No partnerships"),
    ("org.partner", "共建单位", "Partner"),
    ("org.partner_kind", "单位类型", "Kind of partner"),
    ("org.add_partnership", "新增结对共建", "Add a partnership"),
    ("partner.org", "集团内党组织", "Organization in the group"),
    ("partner.bank", "银行", "Bank"),
    ("partner.university", "高校", "University"),
    ("partner.research_institute", "科研院所", "Research institute"),
    ("partner.enterprise", "企业", "Enterprise"),
    ("partner.other", "其他", "Other"),
    ("org.history", "沿革（新建、更名、调整、合并、撤销）", "History"),
    ("org.no_history", "暂无沿革记录", "No history yet"),
    ("org.roster", "人员名册", "Roster"),
    ("org.import", "导入名册", "Import roster"),
    ("org.export", "导出名册", "Export roster"),
    ("org.manage", "组织调整", "Change structure"),
    ("org.establish", "新建下级组织", "Establish a sub-organization"),
    ("org.rename", "更名", "Rename"),
    ("org.new_name", "新名称", "New name"),
    ("org.move", "调整隶属关系", "Move"),
    ("org.new_parent", "新上级组织编号", "New parent id"),
    ("org.dissolve", "撤销", "Dissolve"),
    ("org.merge_into", "合并到（组织编号）", "Merge into (org id)"),
    ("org.merge", "合并", "Merge"),
    ("org.dissolve_hint", "撤销前须先将下级组织和人员转出；合并则自动转入目标组织。", "Move out sub-organizations and people before dissolving; a merge moves them into the target."),
    ("org.id", "组织编号", "Org id"),
    ("event.to", "改为", "to"),
    ("alert.title", "换届提醒", "Term alerts"),
    ("alert.empty", "没有即将届满或超期的组织。", "No term is due soon or overdue."),
    ("alert.overdue", "已超期", "Overdue"),
    ("alert.due_soon", "即将届满", "Due soon"),
    ("alert.current", "任期内", "In term"),
    ("alert.days_over", "超期 {n} 天", "{n} days overdue"),
    ("alert.days_left", "还有 {n} 天", "{n} days left"),
    ("roster.title", "人员名册", "Roster"),
    ("roster.empty", "没有符合条件的人员。", "Nobody matches."),
    ("roster.search", "姓名、工作单位或完整身份证号", "Name, work unit, or a full ID number"),
    ("roster.status", "政治面貌", "Status"),
    ("roster.members_only", "党员（含预备）", "Members (incl. probationary)"),
    ("roster.talent_pool", "人才队伍", "Talent pool"),
    ("roster.add", "新增人员", "Add a person"),
    ("person.name", "姓名", "Name"),
    ("person.gender", "性别", "Gender"),
    ("person.birth_date", "出生日期", "Birth date"),
    ("person.id_number", "身份证号码", "ID number"),
    ("person.phone", "手机号码", "Phone"),
    ("person.status", "政治面貌", "Status"),
    ("person.branch", "所在党支部", "Branch"),
    ("person.cell", "所在党小组", "Cell"),
    ("person.work_unit", "工作单位", "Work unit"),
    ("person.position", "岗位职务", "Position"),
    ("person.talent_pool", "人才队伍", "Talent pool"),
    ("person.workers_representative", "职工代表", "Workers' representative"),
    ("person.applied_on", "申请入党日期", "Applied"),
    ("person.activist_on", "确定积极分子日期", "Activist since"),
    ("person.candidate_on", "确定发展对象日期", "Candidate since"),
    ("person.probationary_on", "入党日期", "Admitted (probationary)"),
    ("person.full_on", "转正日期", "Full member since"),
    ("person.reveal", "查看完整号码（将记录审计日志）", "Show full number (audited)"),
    ("person.edit", "编辑", "Edit"),
    ("person.new", "新增人员", "New person"),
    ("person.org_id", "登记组织编号（党支部或党小组）", "Registered in (branch or cell id)"),
    ("person.stages", "发展阶段", "Membership stages"),
    ("person.saved", "已保存", "Saved"),
    ("import.title", "导入人员名册", "Import a roster"),
    ("import.help", "请先下载模板，按模板填写后上传。文件中只要有一行有错，全部数据都不会保存；请根据下方错误清单修改后重新上传。已存在于本组织范围内的人员（按身份证号码识别）将被更新。", "Download the template, fill it in and upload it. If any row is wrong nothing is stored; fix the rows listed below and upload again. People already in this organization (matched by ID number) are updated."),
    ("import.template", "下载导入模板", "Download the template"),
    ("import.file", "Excel 文件（.xlsx）", "Excel file (.xlsx)"),
    ("import.submit", "上传并导入", "Upload and import"),
    ("import.ok", "导入成功：共 {rows} 行，新增 {created} 人，更新 {updated} 人。", "Imported {rows} rows: {created} new, {updated} updated."),
    ("import.failed", "导入失败，所有数据均未保存。请修改以下 {n} 处错误后重新上传：", "Import refused and nothing was stored. Fix these {n} problems and upload again:"),
    ("import.row", "行号", "Row"),
    ("import.column", "列", "Column"),
    ("import.reason", "原因", "Reason"),
    ("import.value", "填写内容", "Value"),
    ("users.title", "用户与权限", "Users and roles"),
    ("users.empty", "还没有用户", "No users yet"),
    ("users.add", "新增用户", "Add a user"),
    ("users.roles", "角色授权", "Role grants"),
    ("users.grant", "授权", "Grant"),
    ("users.revoke", "撤销授权", "Revoke"),
    ("users.unlock", "解除锁定", "Unlock"),
    ("users.locked", "已锁定", "Locked"),
    ("users.last_login", "最近登录", "Last login"),
    ("users.role", "角色", "Role"),
    ("users.person_id", "关联人员编号（党员角色）", "Linked person id (member role)"),
    ("audit.title", "审计日志", "Audit trail"),
    ("audit.empty", "没有符合条件的记录", "No entries match"),
    ("audit.seq", "序号", "No."),
    ("audit.at", "时间", "Time"),
    ("audit.actor", "操作人", "By"),
    ("audit.action", "操作", "Action"),
    ("audit.entity", "对象", "Entity"),
    ("audit.change", "变更内容", "Change"),
    ("audit.intact", "日志链完整，共 {n} 条，未发现篡改。", "The chain is intact: {n} entries, no tampering found."),
    ("audit.broken", "日志链在第 {n} 条处断裂，可能被篡改！", "The chain breaks at entry {n}: possible tampering!"),
    ("audit.verify", "校验日志链是否被篡改", "Check the chain for tampering"),
    ("audit.older", "更早的记录", "Older entries"),
    ("error.title", "出错了", "Something went wrong"),
    ("me.title", "我的信息", "My record"),
    ("me.no_person", "您的账号未关联人员信息。", "Your account is not linked to a person record."),
];

pub fn t(locale: Locale, key: &str) -> String {
    MESSAGES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| if locale == Locale::En { *en } else { *zh })
        .unwrap_or(key)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_locales_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in MESSAGES {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(t(Locale::ZhCn, "login.title"), "登录");
        assert_eq!(t(Locale::En, "login.title"), "Log in");
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let re_start = "t(\"";
        for (name, src) in crate::render::TEMPLATES {
            let mut rest: &str = src;
            while let Some(i) = rest.find(re_start) {
                rest = &rest[i + re_start.len()..];
                let end = rest.find('"').unwrap();
                let key = &rest[..end];
                // `t("position." ~ x)` composes a key: the prefix must have entries.
                let known = if key.ends_with('.') {
                    MESSAGES.iter().any(|(k, _, _)| k.starts_with(key))
                } else {
                    MESSAGES.iter().any(|(k, _, _)| *k == key)
                };
                assert!(known, "template {name} uses unknown key {key}");
            }
        }
    }
}
