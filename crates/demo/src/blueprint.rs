//! The shape of the demo group, written down as data.
//!
//! Organization names come from the seed articles (中铝股份, 云铝股份, 西南铝,
//! 东轻, 广西华昇, 兰州铝业电解二作业区党支部 …); plants and workshops that the
//! articles do not name are plausible ones for each kind of business (an
//! electrolytic smelter has 电解 and 炭素 plants, an alumina refinery 溶出 and
//! 分解 workshops, a rolling mill 熔铸 and 热轧). Founding dates are the dates
//! the organizations entered this (fictional) record, chosen to be plausible,
//! not taken from any archive.
//!
//! The 2025 history of 西南铝 (one rename, five new and five dissolved
//! organizations, as its 2025 report says) and the other lifecycle events are
//! listed in [`CHANGES`]; the builder consults that list while it walks the
//! blueprint, so dissolved branches never receive cells, teams or people.

/// What kind of work a branch's people do: decides job titles, the sex ratio
/// and branch sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cat {
    /// Departments of an enterprise's headquarters (机关).
    Office,
    /// Plants, workshops, work areas.
    Production,
    /// Research institutes and technical centres.
    Research,
}

/// The business of an enterprise: decides the production job titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Industry {
    Headquarters,
    /// Electrolytic aluminium (电解铝).
    Smelting,
    /// Alumina refining (氧化铝).
    Alumina,
    /// Rolling, forging, extrusion (铝加工).
    Processing,
    Research,
    /// Bauxite mining abroad.
    Mining,
    /// Trade and investment abroad.
    Trade,
    Logistics,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitKind {
    /// Branches directly under the enterprise's committee.
    Direct,
    /// A plant with its own committee (xx厂党委).
    Committee,
    /// A plant or centre with a general branch (xx厂党总支).
    GeneralBranch,
}

/// A plant, centre or department, and its branches.
#[derive(Debug)]
pub(crate) struct Unit {
    pub name: &'static str,
    pub kind: UnitKind,
    pub cat: Cat,
    /// Branch names: an entry containing 党支部 is the full name; otherwise the
    /// name is `{unit}{entry}党支部` (for `Direct`, `{entry}党支部`).
    pub branches: &'static [&'static str],
    /// Work teams (班组) per branch, named 甲班, 乙班 …
    pub teams: usize,
}

impl Unit {
    pub fn branch_name(&self, entry: &str) -> String {
        if entry.contains("党支部") {
            entry.to_string()
        } else {
            format!("{}{entry}党支部", self.name)
        }
    }

    /// The unit's own organization name (empty for `Direct`).
    pub fn org_name(&self) -> String {
        match self.kind {
            UnitKind::Direct => String::new(),
            UnitKind::Committee => format!("{}党委", self.name),
            UnitKind::GeneralBranch => format!("{}党总支", self.name),
        }
    }
}

const fn direct(cat: Cat, branches: &'static [&'static str]) -> Unit {
    Unit { name: "", kind: UnitKind::Direct, cat, branches, teams: 0 }
}

const fn committee(name: &'static str, cat: Cat, branches: &'static [&'static str]) -> Unit {
    Unit { name, kind: UnitKind::Committee, cat, branches, teams: 0 }
}

const fn general(name: &'static str, cat: Cat, branches: &'static [&'static str]) -> Unit {
    Unit { name, kind: UnitKind::GeneralBranch, cat, branches, teams: 0 }
}

/// A body that approves its subordinates' changes and terms, with its own
/// subtree: the group's leadership group, the group-level committees and the
/// enterprises.
#[derive(Debug)]
pub(crate) struct Body {
    /// The organization's name (…党组 / …党委).
    pub name: &'static str,
    /// Short name, the prefix of its documents: 西南铝 → 西南铝党委〔2025〕8号.
    pub abbr: &'static str,
    /// The company, as written in a person's work unit.
    pub company: &'static str,
    /// `abbr` of the parent body as of today; `None` for the root.
    pub parent: Option<&'static str>,
    /// `(abbr of the former parent, date of the move)` when it was moved.
    pub moved_from: Option<(&'static str, (i32, u32, u32))>,
    pub established: (i32, u32, u32),
    pub overseas: bool,
    /// Area codes (GB/T 2260 districts) where its people were mostly born.
    pub areas: &'static [u32],
    pub industry: Industry,
    pub units: &'static [Unit],
}

impl Body {
    /// Its document prefix: 中铝集团党组, 西南铝党委.
    pub fn doc_prefix(&self) -> String {
        if self.parent.is_none() {
            format!("{}党组", self.abbr)
        } else {
            format!("{}党委", self.abbr)
        }
    }
}

const KUNMING: &[u32] = &[530102, 530111, 530112, 530114, 530181, 530302, 530402, 530602, 532301, 532601];
const BAOTOU: &[u32] = &[150202, 150203, 150204, 150205, 150207, 150221, 150102, 152801];
const ZHENGZHOU: &[u32] = &[410102, 410103, 410104, 410105, 410122, 410181, 410302, 411002];
const FANGCHENGGANG: &[u32] = &[450602, 450603, 450681, 450102, 450103, 450105, 450802, 450702];
const LANZHOU: &[u32] = &[620102, 620103, 620104, 620105, 620111, 620121, 620502, 620702];
const JIAOZUO: &[u32] = &[410802, 410803, 410804, 410811, 410821, 410882, 410883, 410702];
const CHONGQING: &[u32] = &[500104, 500106, 500107, 500108, 500113, 500116, 500120, 500112];
const HARBIN: &[u32] = &[230102, 230103, 230104, 230108, 230109, 230110, 230182, 230202];
const BEIJING: &[u32] = &[110101, 110102, 110105, 110106, 110108, 110114, 130102, 120104];
const ZIBO: &[u32] = &[370302, 370303, 370304, 370305, 370306, 370321, 370102, 370702];
const ZUNYI: &[u32] = &[520302, 520303, 520304, 520322, 520102, 520111, 520381];

/// Birthplaces of people who came from elsewhere (about one in seven), and of
/// expatriate staff.
pub(crate) const ELSEWHERE: &[u32] = &[
    110105, 120104, 130102, 140105, 210102, 220102, 320102, 330106, 340104, 360102, 370102, 410302, 420106, 430104,
    440106, 450103, 500107, 510104, 520102, 530102, 610113, 620102, 640104, 150203, 230103, 130602, 410105, 370303,
];

/// The group, top down. A body's parent comes before it.
pub(crate) const BODIES: &[Body] = &[
    Body {
        name: "中国铝业集团有限公司党组",
        abbr: "中铝集团",
        company: "中国铝业集团有限公司",
        parent: None,
        moved_from: None,
        established: (2001, 2, 23),
        overseas: false,
        areas: BEIJING,
        industry: Industry::Headquarters,
        units: &[committee(
            "集团总部机关",
            Cat::Office,
            &[
                "办公室党支部",
                "党建工作部党支部",
                "人力资源部党支部",
                "财务部党支部",
                "战略投资部党支部",
                "科技创新部党支部",
                "审计部党支部",
                "法律合规部党支部",
            ],
        )],
    },
    Body {
        name: "中国铝业股份有限公司党委",
        abbr: "中铝股份",
        company: "中国铝业股份有限公司",
        parent: Some("中铝集团"),
        moved_from: None,
        established: (2001, 9, 10),
        overseas: false,
        areas: BEIJING,
        industry: Industry::Headquarters,
        units: &[committee(
            "中铝股份机关",
            Cat::Office,
            &[
                "党群工作部党支部",
                "党委宣传部党支部",
                "财务部党支部",
                "投资管理部党支部",
                "生产运营部党支部",
                "科技创新部党支部",
                "营销管理部党支部",
            ],
        )],
    },
    Body {
        name: "中铝高端制造股份有限公司党委",
        abbr: "中铝高端",
        company: "中铝高端制造股份有限公司",
        parent: Some("中铝集团"),
        moved_from: None,
        established: (2022, 6, 28),
        overseas: false,
        areas: BEIJING,
        industry: Industry::Headquarters,
        units: &[direct(Cat::Office, &["综合管理部", "经营财务部", "科技发展部"])],
    },
    Body {
        name: "中铝物流集团有限公司党委",
        abbr: "中铝物流",
        company: "中铝物流集团有限公司",
        parent: Some("中铝集团"),
        moved_from: None,
        established: (2005, 4, 15),
        overseas: false,
        areas: BEIJING,
        industry: Industry::Logistics,
        units: &[
            direct(Cat::Office, &["机关第一党支部", "机关第二党支部"]),
            general("重庆物流公司", Cat::Production, &["运输", "仓储", "综合"]),
            general("中部物流公司", Cat::Production, &["运输", "综合"]),
            direct(Cat::Production, &["铁路专用线管理中心"]),
        ],
    },
    Body {
        name: "云南铝业股份有限公司党委",
        abbr: "云铝股份",
        company: "云南铝业股份有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2019, 2, 25),
        overseas: false,
        areas: KUNMING,
        industry: Industry::Smelting,
        units: &[
            direct(
                Cat::Office,
                &[
                    "党委办公室",
                    "党群工作部",
                    "财务部",
                    "人力资源部",
                    "生产技术部",
                    "安全环保部",
                    "纪委办公室",
                    "营销中心",
                ],
            ),
            committee(
                "电解一厂",
                Cat::Production,
                &["电解一车间", "电解二车间", "电解三车间", "净化车间", "供电车间", "综合"],
            ),
            committee("电解二厂", Cat::Production, &["电解一车间", "电解二车间", "电解三车间", "阳极组装车间", "综合"]),
            general("炭素厂", Cat::Production, &["成型车间", "焙烧车间", "组装车间"]),
            general("铸造厂", Cat::Production, &["铸造一车间", "铸造二车间", "合金车间"]),
            general("动力厂", Cat::Production, &["供电车间", "供水车间", "检修车间"]),
            committee("云铝淯鑫", Cat::Production, &["电解车间", "铸造车间", "动力车间", "综合"]),
            committee("云铝润鑫", Cat::Production, &["电解车间", "炭素车间", "综合"]),
            general("技术中心", Cat::Research, &["工艺研究所", "新材料研究所"]),
            // Moved under 技术中心党总支 in 2025, so listed after it.
            direct(Cat::Research, &["计量检测中心"]),
        ],
    },
    Body {
        name: "包头铝业有限公司党委",
        abbr: "包头铝业",
        company: "包头铝业有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2008, 1, 18),
        overseas: false,
        areas: BAOTOU,
        industry: Industry::Smelting,
        units: &[
            direct(Cat::Office, &["党委办公室", "党群工作部", "财务部", "人力资源部", "生产运营部", "安全环保部"]),
            committee("电解一厂", Cat::Production, &["电解一区", "电解二区", "电解三区", "净化供料", "综合"]),
            committee("电解二厂", Cat::Production, &["电解一区", "电解二区", "电解三区", "电解四区", "综合"]),
            general("炭素厂", Cat::Production, &["煅烧", "成型", "焙烧", "组装"]),
            general("铸造厂", Cat::Production, &["铸轧", "合金", "综合"]),
            general("动力厂", Cat::Production, &["供电", "供气", "检修"]),
            general("检修厂", Cat::Production, &["机修", "电修"]),
        ],
    },
    Body {
        name: "郑州轻金属研究院有限公司党委",
        abbr: "郑州研究院",
        company: "郑州轻金属研究院有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2001, 9, 28),
        overseas: false,
        areas: ZHENGZHOU,
        industry: Industry::Research,
        units: &[
            direct(Cat::Office, &["党委办公室", "科技管理部", "财务部", "人力资源部"]),
            general("氧化铝研究所", Cat::Research, &["拜耳法工艺", "矿物加工", "资源综合利用"]),
            general("电解研究所", Cat::Research, &["电解工艺", "节能技术", "智能控制"]),
            general("炭素与新材料研究所", Cat::Research, &["炭素材料", "新材料"]),
            direct(Cat::Research, &["分析检测中心", "中试基地"]),
        ],
    },
    Body {
        name: "广西华昇新材料有限公司党委",
        abbr: "广西华昇",
        company: "广西华昇新材料有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2018, 4, 20),
        overseas: false,
        areas: FANGCHENGGANG,
        industry: Industry::Alumina,
        units: &[
            direct(Cat::Office, &["党委办公室", "综合管理部", "财务部", "生产技术部", "安全环保部"]),
            Unit {
                teams: 4,
                ..committee("氧化铝厂", Cat::Production, &["原料车间", "溶出车间", "分解车间", "蒸发车间", "焙烧车间"])
            },
            Unit {
                teams: 2, ..general("热电厂", Cat::Production, &["锅炉车间", "汽机车间", "电气车间"])
            },
            general("港务储运中心", Cat::Production, &["码头作业", "储运"]),
            general("检修中心", Cat::Production, &["机械检修", "电气仪表"]),
        ],
    },
    Body {
        name: "兰州铝业有限公司党委",
        abbr: "兰州铝业",
        company: "兰州铝业有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2007, 3, 16),
        overseas: false,
        areas: LANZHOU,
        industry: Industry::Smelting,
        units: &[
            direct(Cat::Office, &["党委办公室", "党群工作部", "财务部", "生产运营部", "安全环保部"]),
            committee(
                "电解厂",
                Cat::Production,
                &[
                    "电解一作业区党支部",
                    "电解二作业区党支部",
                    "电解三作业区党支部",
                    "电解四作业区党支部",
                    "净化作业区党支部",
                    "综合",
                ],
            ),
            general("炭素厂", Cat::Production, &["煅烧", "成型", "焙烧"]),
            general("铸造厂", Cat::Production, &["铸造一车间", "铸造二车间"]),
            general("动力厂", Cat::Production, &["供电", "检修"]),
            direct(Cat::Production, &["物资供应中心", "计量中心"]),
        ],
    },
    Body {
        name: "中州铝业有限公司党委",
        abbr: "中州铝业",
        company: "中州铝业有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2001, 9, 20),
        overseas: false,
        areas: JIAOZUO,
        industry: Industry::Alumina,
        units: &[
            direct(Cat::Office, &["党委办公室", "党群工作部", "财务部", "人力资源部", "生产运营部"]),
            committee("第一氧化铝厂", Cat::Production, &["原料车间", "溶出车间", "分解车间", "焙烧车间", "综合"]),
            committee("第二氧化铝厂", Cat::Production, &["原料车间", "烧结车间", "溶出车间", "蒸发车间", "尾矿车间"]),
            committee("热电厂", Cat::Production, &["锅炉", "汽机", "电气", "化水"]),
            general("矿业公司", Cat::Production, &["采矿", "运输"]),
            general("新材料公司", Cat::Research, &["精细氧化铝", "化学品氧化铝"]),
            general("检修厂", Cat::Production, &["机修", "电修", "仪表"]),
        ],
    },
    Body {
        name: "中铝山东有限公司党委",
        abbr: "中铝山东",
        company: "中铝山东有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2001, 10, 12),
        overseas: false,
        areas: ZIBO,
        industry: Industry::Alumina,
        units: &[
            direct(Cat::Office, &["党委办公室", "党群工作部", "财务部", "生产技术部"]),
            committee("第二氧化铝厂", Cat::Production, &["原料车间", "溶出车间", "分解车间", "焙烧车间", "综合"]),
            general("热电厂", Cat::Production, &["锅炉", "汽机", "电气"]),
            general("新材料公司", Cat::Research, &["特种氧化铝", "研发"]),
            general("物流公司", Cat::Production, &["铁运", "汽运"]),
        ],
    },
    Body {
        name: "遵义铝业股份有限公司党委",
        abbr: "遵义铝业",
        company: "遵义铝业股份有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2009, 5, 22),
        overseas: false,
        areas: ZUNYI,
        industry: Industry::Smelting,
        units: &[
            direct(Cat::Office, &["党委办公室", "党群工作部", "财务部", "安全环保部"]),
            committee("电解厂", Cat::Production, &["电解一车间", "电解二车间", "净化车间", "综合"]),
            general("炭素厂", Cat::Production, &["成型", "焙烧"]),
            general("动力厂", Cat::Production, &["动力厂直属党支部", "供电", "供水"]),
            general("氧化铝厂", Cat::Production, &["溶出", "分解", "焙烧"]),
        ],
    },
    Body {
        name: "中铝几内亚有限公司党委",
        abbr: "中铝几内亚",
        company: "中铝几内亚有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2018, 6, 15),
        overseas: true,
        areas: ELSEWHERE,
        industry: Industry::Mining,
        units: &[
            direct(Cat::Office, &["综合管理部", "财务部"]),
            direct(Cat::Production, &["矿山作业部", "港口作业部", "运输部", "设备管理部", "安全环保部"]),
        ],
    },
    Body {
        name: "中铝香港有限公司党委",
        abbr: "中铝香港",
        company: "中铝香港有限公司",
        parent: Some("中铝股份"),
        moved_from: None,
        established: (2001, 12, 14),
        overseas: true,
        areas: ELSEWHERE,
        industry: Industry::Trade,
        units: &[direct(Cat::Office, &["综合管理部", "财务部", "投资部", "贸易部"])],
    },
    Body {
        name: "西南铝业（集团）有限责任公司党委",
        abbr: "西南铝",
        company: "西南铝业（集团）有限责任公司",
        parent: Some("中铝高端"),
        moved_from: Some(("中铝集团", (2022, 7, 15))),
        established: (2007, 1, 19),
        overseas: false,
        areas: CHONGQING,
        industry: Industry::Processing,
        units: &[
            direct(
                Cat::Office,
                &[
                    "党委办公室",
                    "党委组织部",
                    "党委宣传部",
                    "财务部",
                    "人力资源部",
                    "安全环保部",
                    "纪委办公室",
                    "培训中心",
                ],
            ),
            direct(
                Cat::Production,
                &["挤压制造部", "运输部", "仓储中心", "物流中心", "数字化中心", "低空经济材料项目部"],
            ),
            committee("熔铸厂", Cat::Production, &["熔炼", "铸造", "均热", "设备", "废料处理", "再生铝", "综合"]),
            committee("热轧厂", Cat::Production, &["热轧", "精整", "设备", "综合"]),
            committee("冷轧厂", Cat::Production, &["冷轧", "精整", "包装", "精整包装", "退火", "设备"]),
            committee("锻造厂", Cat::Production, &["第一", "第二", "第三", "模锻", "综合"]),
            general("中厚板厂", Cat::Production, &["生产", "设备", "质量"]),
            general("技术中心", Cat::Research, &["材料研究所", "工艺研究所", "检测研究所"]),
            general("动力厂", Cat::Production, &["供电", "供气", "检修"]),
        ],
    },
    Body {
        name: "东北轻合金有限责任公司党委",
        abbr: "东轻",
        company: "东北轻合金有限责任公司",
        parent: Some("中铝高端"),
        moved_from: Some(("中铝集团", (2022, 7, 15))),
        established: (2007, 1, 26),
        overseas: false,
        areas: HARBIN,
        industry: Industry::Processing,
        units: &[
            direct(
                Cat::Office,
                &["党委办公室", "党委组织部", "党委宣传部", "财务部", "人力资源部", "安全环保部", "纪委办公室"],
            ),
            direct(Cat::Production, &["物资供应部", "营销中心"]),
            committee("熔铸厂", Cat::Production, &["熔炼", "铸造", "综合"]),
            committee("中厚板厂", Cat::Production, &["热轧", "精整", "热处理", "设备", "综合"]),
            committee("板带厂", Cat::Production, &["冷轧", "精整", "退火", "综合"]),
            general("挤压厂", Cat::Production, &["型材", "管材", "精整"]),
            general("锻造厂", Cat::Production, &["自由锻", "模锻", "综合"]),
            general("技术中心", Cat::Research, &["合金研究所", "工艺研究所", "理化检测"]),
            general("制造部", Cat::Office, &["计划调度", "质量管理", "设备管理"]),
            general("动力厂", Cat::Production, &["供电", "供水供气", "检修"]),
        ],
    },
];

/// A lifecycle change after founding. `org` is the founding name, unique
/// within the body `abbr`.
#[derive(Debug)]
pub(crate) struct Change {
    pub abbr: &'static str,
    pub org: &'static str,
    pub on: (i32, u32, u32),
    pub what: What,
}

#[derive(Debug)]
pub(crate) enum What {
    /// Founded on `on` (instead of with its unit).
    Establish,
    Dissolve {
        note: &'static str,
    },
    Rename {
        to: &'static str,
    },
    Merge {
        into: &'static str,
    },
    /// Moved under another organization of the same body.
    Move {
        to: &'static str,
    },
}

pub(crate) const CHANGES: &[Change] = &[
    // 西南铝 2025: 1 rename, 5 new, 5 dissolved (西南铝2025年党建工作纪实).
    Change {
        abbr: "西南铝",
        org: "锻造厂第一党支部",
        on: (2025, 3, 14),
        what: What::Rename { to: "锻造厂安全生产党支部" },
    },
    Change {
        abbr: "西南铝",
        org: "运输部党支部",
        on: (2025, 4, 18),
        what: What::Dissolve {
            note: "运输部并入物流中心，党支部撤销，党员组织关系转入物流中心党支部"
        },
    },
    Change {
        abbr: "西南铝",
        org: "仓储中心党支部",
        on: (2025, 4, 18),
        what: What::Dissolve {
            note: "仓储中心并入物流中心，党支部撤销，党员组织关系转入物流中心党支部"
        },
    },
    Change {
        abbr: "西南铝",
        org: "熔铸厂废料处理党支部",
        on: (2025, 4, 18),
        what: What::Dissolve {
            note: "废料处理工序整合为再生铝生产线，党支部撤销，党员组织关系转入熔铸厂再生铝党支部"
        },
    },
    Change { abbr: "西南铝", org: "物流中心党支部", on: (2025, 4, 18), what: What::Establish },
    Change { abbr: "西南铝", org: "熔铸厂再生铝党支部", on: (2025, 4, 18), what: What::Establish },
    Change { abbr: "西南铝", org: "数字化中心党支部", on: (2025, 4, 18), what: What::Establish },
    Change {
        abbr: "西南铝",
        org: "冷轧厂精整党支部",
        on: (2025, 9, 26),
        what: What::Dissolve {
            note: "精整、包装工段合并，党支部撤销，党员组织关系转入冷轧厂精整包装党支部"
        },
    },
    Change {
        abbr: "西南铝",
        org: "冷轧厂包装党支部",
        on: (2025, 9, 26),
        what: What::Dissolve {
            note: "精整、包装工段合并，党支部撤销，党员组织关系转入冷轧厂精整包装党支部"
        },
    },
    Change { abbr: "西南铝", org: "冷轧厂精整包装党支部", on: (2025, 9, 26), what: What::Establish },
    Change { abbr: "西南铝", org: "低空经济材料项目部党支部", on: (2025, 9, 26), what: What::Establish },
    // Elsewhere: a merge and a move.
    Change {
        abbr: "包头铝业",
        org: "炭素厂成型党支部",
        on: (2025, 6, 20),
        what: What::Merge { into: "炭素厂焙烧党支部" },
    },
    Change {
        abbr: "云铝股份",
        org: "计量检测中心党支部",
        on: (2025, 5, 16),
        what: What::Move { to: "技术中心党总支" },
    },
];
