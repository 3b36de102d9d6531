//! Stable error codes and their messages in both locales.
//!
//! A code is what clients match on (`"id_number_check_digit"`); the message is
//! what people read. Every layer reports problems as a [`Code`] plus the field
//! (or row and column) it concerns, and the web layer picks the locale.

use serde::Serialize;

/// The UI locales. zh-CN is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "zh-hans" => Some(Locale::ZhCn),
            "en" | "en-us" | "en-gb" | "en_us" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Locale {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(|tag| {
                let tag = tag.trim().to_ascii_lowercase();
                if tag.starts_with("zh") {
                    Some(Locale::ZhCn)
                } else if tag.starts_with("en") {
                    Some(Locale::En)
                } else {
                    None
                }
            })
            .unwrap_or_default()
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $code:literal, $zh:literal, $en:literal;)*) => {
        /// Every error a user or client can see, by stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }
            pub fn message(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((Code::$variant, Locale::ZhCn) => $zh, (Code::$variant, Locale::En) => $en,)*
                }
            }
            pub fn all() -> &'static [Code] {
                &[$(Code::$variant),*]
            }
        }
    };
}

codes! {
    Required => "required", "必填项不能为空", "is required";
    TooLong => "too_long", "内容过长", "is too long";
    InvalidValue => "invalid_value", "取值无效", "is not a valid value";
    DateFormat => "date_format", "日期格式不正确，应为 2026-01-15 或 2026年1月15日", "is not a valid date (use 2026-01-15)";
    DateOrder => "date_order", "日期先后顺序不正确", "dates are out of order";
    IdNumberFormat => "id_number_format", "身份证号码应为18位（最后一位可为X）", "ID number must have 18 characters (the last may be X)";
    IdNumberBirthDate => "id_number_birth_date", "身份证号码中的出生日期无效", "the birth date inside the ID number is not a real date";
    IdNumberCheckDigit => "id_number_check_digit", "身份证号码校验位错误", "the ID number's check digit is wrong";
    IdNumberDuplicate => "id_number_duplicate", "身份证号码已存在，同一人不能重复登记", "this ID number is already registered";
    IdNumberDuplicateInFile => "id_number_duplicate_in_file", "文件中身份证号码重复", "this ID number appears more than once in the file";
    PhoneFormat => "phone_format", "手机号码应为11位，座机应带区号", "phone must be an 11-digit mobile or a landline with area code";
    UnknownOrg => "unknown_org", "找不到该组织，或不在本次导入的组织范围内", "no such organization within the target organization";
    AmbiguousOrg => "ambiguous_org", "有多个同名党支部，请写成“上级组织/支部名称”", "several branches have this name; write it as parent/branch";
    OrgNotRegistration => "org_not_registration", "党员只能登记在党支部或党小组", "people are registered in a branch or a cell";
    UnknownStatus => "unknown_status", "政治面貌/发展阶段无法识别", "unknown member status";
    UnknownGender => "unknown_gender", "性别应为“男”或“女”", "gender must be 男 or 女";
    UnknownTalentPool => "unknown_talent_pool", "人才队伍应为管理、技术、技能、海外之一", "talent pool must be one of management, technical, skilled, overseas";
    GenderMismatch => "gender_mismatch", "性别与身份证号码不一致", "gender does not match the ID number";
    StatusDateMissing => "status_date_missing", "缺少该发展阶段的日期", "the date of this status is missing";
    UsernameTaken => "username_taken", "用户名已被使用", "this username is taken";
    UsernameFormat => "username_format", "用户名只能包含字母、数字、下划线、点和短横线（2至64位）", "username may use letters, digits, _ . - (2 to 64)";
    PasswordTooShort => "password_too_short", "密码至少需要8位", "password must have at least 8 characters";
    UnknownRole => "unknown_role", "角色无效", "unknown role";
    BadCredentials => "bad_credentials", "用户名或密码错误", "wrong username or password";
    AccountLocked => "account_locked", "登录失败次数过多，账号已暂时锁定，请稍后再试", "too many failed logins; the account is locked for a while";
    Unauthenticated => "unauthenticated", "请先登录", "please log in";
    Forbidden => "forbidden", "没有权限执行此操作", "you are not allowed to do this";
    NotFound => "not_found", "找不到该记录，或无权查看", "not found, or not visible to you";
    Conflict => "conflict", "该记录已被他人修改，请刷新后重试", "someone else changed this record; reload and try again";
    CsrfFailed => "csrf_failed", "页面已过期，请刷新后重新提交", "the form has expired; reload and submit again";
    ValidationFailed => "validation_failed", "提交的内容有误，请检查标出的字段", "some fields are invalid";
    ImportRejected => "import_rejected", "导入失败：文件中有错误行，所有数据均未保存", "import refused: the file has bad rows and nothing was stored";
    FileUnreadable => "file_unreadable", "无法读取该文件，请上传 .xlsx 格式的 Excel 文件", "cannot read this file; upload an .xlsx workbook";
    FileTooLarge => "file_too_large", "文件过大", "the file is too large";
    MissingColumn => "missing_column", "缺少必需的列", "a required column is missing";
    NameDuplicate => "name_duplicate", "同级组织中已有同名组织", "a sibling organization already has this name";
    ParentKind => "parent_kind", "上级组织类型不允许设立该类型的组织", "this kind of organization cannot sit under that parent";
    OrgDissolved => "org_dissolved", "该组织已撤销", "this organization has been dissolved";
    MoveIntoSelf => "move_into_self", "不能把组织移到它自己或其下级组织之下", "an organization cannot move under itself or its descendants";
    AlreadyClosed => "already_closed", "该事项已销号，不能再操作", "this item is already closed";
    NotUnderReview => "not_under_review", "该事项尚未提交销号申请", "this item has not been submitted for close-out";
    EvidenceRequired => "evidence_required", "此步骤需要上传佐证材料", "this step requires evidence";
    ReasonRequired => "reason_required", "退回时必须填写原因", "a return needs a reason";
    StepNotYours => "step_not_yours", "此步骤不由您审核", "this step is not yours to act on";
    StepTaken => "step_taken", "此步骤刚刚已由他人处理，请刷新后查看最新状态", "someone else just acted on this step; reload to see where it stands";
    DatabaseNotEmpty => "database_not_empty", "数据库中已有数据：生成器只填充空数据库", "the database already holds data: the generator fills only an empty database";
    KindKeyFormat => "kind_key_format", "类型代码只能用小写字母、数字和下划线（2至40位，以字母开头）", "a kind key uses lowercase letters, digits and _ (2 to 40, starting with a letter)";
    KindDuplicate => "kind_duplicate", "已有同一代码的活动类型", "an activity kind with this key already exists";
    UnknownKind => "unknown_kind", "活动类型无效", "unknown activity kind";
    UnknownAttendance => "unknown_attendance", "出勤情况应为出席、缺席、请假或列席", "attendance must be present, absent, leave or sit_in";
    AbsenceReasonRequired => "absence_reason_required", "缺席或请假须填写原因", "absence and leave need a reason";
    NotOnRoster => "not_on_roster", "此人不在该组织的应到名单中", "this person is not on the organization's roster";
    AttendanceDuplicate => "attendance_duplicate", "同一人在出勤名单中出现多次", "this person appears twice in the attendance list";
    PlannedHasAttendance => "planned_has_attendance", "计划中的活动不能登记出勤，请先标记为已召开", "a planned activity has no attendance yet; mark it held first";
    NotFirstTopic => "not_first_topic", "只有第一议题学习记录才能生成落实任务", "only a first-topic record produces implementation tasks";
    HeldInFuture => "held_in_future", "已召开的活动日期不能晚于今天；尚未召开请保存为计划", "a held activity cannot be dated in the future; save it as planned";
    TimeFormat => "time_format", "时间格式不正确，应为 14:30", "is not a valid time (use 14:30)";
    UnsupportedMediaType => "unsupported_media_type", "文件类型不受支持：请上传 mp4、webm、mov 视频，jpg、png、webp 图片或 pdf、docx、xlsx 文档", "unsupported file type: upload mp4, webm or mov video, jpg, png or webp photos, or pdf, docx or xlsx documents";
    MediaTypeMismatch => "media_type_mismatch", "文件内容与扩展名不符", "the file's content does not match its name";
    UploadIncomplete => "upload_incomplete", "上传中断，文件未保存，请重新上传", "the upload broke off and nothing was stored; upload again";
    EmptyFile => "empty_file", "文件为空", "the file is empty";
    InvalidDeviceToken => "invalid_device_token", "设备令牌无效或已吊销", "the device token is invalid or revoked";
    NotWorkTeam => "not_work_team", "录制设备只能登记在班组", "recording devices belong to a work team";
    RangeNotSatisfiable => "range_not_satisfiable", "请求的范围超出文件大小", "the requested range is outside the file";
    Internal => "internal", "系统内部错误，请稍后重试或联系管理员", "internal error; try again or contact the administrator";
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: Code, locale: Locale) -> Self {
        FieldError { field: field.into(), code: code.as_str(), message: code.message(locale).to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_translated() {
        let mut seen = HashSet::new();
        for c in Code::all() {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(!c.message(Locale::ZhCn).is_empty());
            assert!(!c.message(Locale::En).is_empty());
            assert_ne!(c.message(Locale::ZhCn), c.message(Locale::En));
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Locale::En);
        assert_eq!(Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::from_accept_language("fr"), Locale::ZhCn);
    }
}
